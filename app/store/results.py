"""Serialise query results in the SPARQL 1.1 result formats and RDF syntaxes."""

from __future__ import annotations

from typing import cast

import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef, Variable
from rdflib.query import Result

from app.store.base import QueryResult

RESULT_FORMATS: dict[str, tuple[str, ox.QueryResultsFormat | None]] = {
    # media type: (short name, Oxigraph format; None = rdflib's JSON directly)
    "application/sparql-results+json": ("json", None),
    "application/json": ("json", None),
    "application/sparql-results+xml": ("xml", ox.QueryResultsFormat.XML),
    "application/xml": ("xml", ox.QueryResultsFormat.XML),
    "text/csv": ("csv", ox.QueryResultsFormat.CSV),
    "text/tab-separated-values": ("tsv", ox.QueryResultsFormat.TSV),
}
GRAPH_FORMATS: dict[str, str] = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "text/plain": "nt",
}
SHORT_NAMES: dict[str, str] = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values", "turtle": "text/turtle",
    "ttl": "text/turtle", "nt": "application/n-triples", "ntriples": "application/n-triples",
    "n-triples": "application/n-triples", "jsonld": "application/ld+json",
    "json-ld": "application/ld+json", "rdfxml": "application/rdf+xml",
}


def serialize(result: QueryResult, media_type: str) -> bytes:
    """The result in ``media_type`` (one of RESULT_FORMATS or GRAPH_FORMATS)."""
    if result.kind == "graph":
        graph = Graph()
        for triple in result.triples:
            graph.add(triple)
        return graph.serialize(format=GRAPH_FORMATS[media_type], encoding="utf-8")
    rdflib_result = Result("ASK" if result.kind == "ask" else "SELECT")
    if result.kind == "ask":
        rdflib_result.askAnswer = result.boolean
    else:
        rdflib_result.vars = [Variable(v) for v in result.variables]
        rdflib_result.bindings = [
            {Variable(k): v for k, v in row.items()} for row in result.rows  # type: ignore[misc]
        ]
    # without a destination, serialize returns the bytes
    as_json = cast(bytes, rdflib_result.serialize(format="json"))
    target = RESULT_FORMATS[media_type][1]
    if target is None:
        return as_json
    parsed = ox.parse_query_results(as_json, format=ox.QueryResultsFormat.JSON)
    out = parsed.serialize(format=target)
    assert isinstance(out, bytes)
    return out


def describe_service(endpoint: str, union_default_graph: bool, media_type: str) -> bytes:
    """A SPARQL 1.1 Service Description of the query endpoint."""
    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    graph = Graph()
    graph.bind("sd", sd)
    service = URIRef(endpoint + "#service")
    graph.add((service, RDF.type, sd.Service))
    graph.add((service, sd.endpoint, URIRef(endpoint)))
    graph.add((service, sd.supportedLanguage, sd.SPARQL11Query))
    for name in ("SPARQL_RESULTS_JSON", "SPARQL_RESULTS_XML", "SPARQL_RESULTS_CSV",
                 "SPARQL_RESULTS_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        graph.add((service, sd.resultFormat, URIRef("http://www.w3.org/ns/formats/" + name)))
    if union_default_graph:
        graph.add((service, sd.feature, sd.UnionDefaultGraph))
    dataset = URIRef(endpoint + "#dataset")
    graph.add((service, sd.defaultDataset, dataset))
    graph.add((dataset, RDF.type, sd.Dataset))
    graph.add((dataset, RDFS.comment, Literal(
        "Default graph: claim descriptions, articles, entities, contradictions, disputes. "
        "Each claim's assertion is the named graph whose name is the claim IRI; the "
        "vocabulary is the named graph https://w3id.org/claimgraph/graph/vocabulary.", lang="en",
    )))
    return graph.serialize(format=GRAPH_FORMATS[media_type], encoding="utf-8")
