"""Serialise query results in the SPARQL 1.1 result formats and RDF syntaxes."""

from __future__ import annotations

import json

import pyoxigraph as ox
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from app.model.errors import NotAcceptable
from app.store.base import QueryResult
from app.store.sandbox import (
    NOT_XML,
    WORKER_FORMATS,
    XML_REPLACEMENT,
    XSD_STRING,
    finish_results,
    write_boolean,
)

RESULT_FORMATS: dict[str, tuple[str, ox.QueryResultsFormat | None]] = {
    # media type: (short name, Oxigraph format; None = the JSON written here)
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
# What each query form can be answered in, the first being the default (for */*). CSV and
# TSV are SELECT formats only (the W3C CSV/TSV results note defines no boolean).
OFFERED: dict[str, list[str]] = {
    "select": [
        "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
        "text/tab-separated-values", "application/json", "application/xml",
    ],
    "ask": [
        "application/sparql-results+json", "application/sparql-results+xml",
        "application/json", "application/xml",
    ],
    "graph": list(GRAPH_FORMATS),
}
_SOLUTION_NAMES = {
    "json": "application/sparql-results+json", "srj": "application/sparql-results+json",
    "xml": "application/sparql-results+xml", "srx": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values",
}
_GRAPH_NAMES = {
    "turtle": "text/turtle", "ttl": "text/turtle",
    "n3": "text/turtle",  # Turtle is a subset of N3: a Turtle answer is an N3 answer
    "nt": "application/n-triples", "ntriples": "application/n-triples",
    "n-triples": "application/n-triples",
    "jsonld": "application/ld+json", "json-ld": "application/ld+json",
    "json": "application/ld+json",  # JSON for a graph is JSON-LD
    "xml": "application/rdf+xml", "rdf": "application/rdf+xml",
    "rdfxml": "application/rdf+xml", "rdf+xml": "application/rdf+xml",
    "rdf/xml": "application/rdf+xml",
}
# Customary short names for the `format` / `output` / `results` parameters, by query form.
FORMAT_NAMES: dict[str, dict[str, str]] = {
    "select": _SOLUTION_NAMES, "ask": _SOLUTION_NAMES, "graph": _GRAPH_NAMES,
}
# Other media types clients send for a type we answer in (SPARQLWrapper's N3 and JSON-LD
# lists, older Turtle names); the answer carries the registered type.
MEDIA_ALIASES: dict[str, dict[str, str]] = {
    "select": {"text/xml": "application/sparql-results+xml"},
    "ask": {"text/xml": "application/sparql-results+xml"},
    "graph": {
        "application/turtle": "text/turtle", "application/x-turtle": "text/turtle",
        "text/n3": "text/turtle", "application/n3": "text/turtle",
        "text/rdf+n3": "text/turtle", "application/x-json+ld": "application/ld+json",
        "application/json": "application/ld+json", "application/xml": "application/rdf+xml",
        "text/xml": "application/rdf+xml",
    },
}


def format_media(kind: str, name: str) -> str | None:
    """The media type a `format=` value (short name or media type) stands for in the answer
    to a query of ``kind`` (select, ask, graph); None when that form has no such format."""
    name = name.split(";")[0].strip().lower()
    offered = OFFERED[kind]
    media = name if "/" in name else FORMAT_NAMES[kind].get(name, "")
    media = media if media in offered else MEDIA_ALIASES[kind].get(media, "")
    return media or None


def xml_safe(term: Node) -> Node:
    """``term`` with the characters XML 1.0 cannot carry replaced by U+FFFD (literals only:
    IRIs and blank node labels cannot contain them)."""
    if isinstance(term, Literal) and NOT_XML.search(term):
        return Literal(
            NOT_XML.sub(XML_REPLACEMENT, str(term)), lang=term.language, datatype=term.datatype,
        )
    return term


def serialize(result: QueryResult, media_type: str) -> bytes:
    """The result in ``media_type`` (one of RESULT_FORMATS or GRAPH_FORMATS)."""
    xml = media_type.endswith("xml")
    clean = xml_safe if xml else _same
    if result.kind == "graph":
        graph = Graph()
        for s, p, o in result.triples:
            graph.add((s, p, clean(o)))
        try:
            return graph.serialize(format=GRAPH_FORMATS[media_type], encoding="utf-8")
        except ValueError as exc:  # RDF/XML needs every predicate split into a QName
            if media_type != "application/rdf+xml":
                raise
            raise NotAcceptable(
                f"this result cannot be written as RDF/XML ({exc}); ask for Turtle, "
                "N-Triples or JSON-LD", available=[m for m in GRAPH_FORMATS if m != media_type],
            ) from exc
    if result.kind == "ask":
        return write_boolean(result.boolean, media_type)
    # SPARQL JSON written directly (rdflib's writer costs ~10 us a binding), then Oxigraph's
    # own writers for XML, CSV and TSV; a query worker writes the same answer the same way
    bindings = [
        {name: _json_term(value, xml) for name, value in row.items()} for row in result.rows
    ]
    document = {"head": {"vars": result.variables}, "results": {"bindings": bindings}}
    as_json = json.dumps(document, ensure_ascii=False).encode()
    return finish_results(as_json, WORKER_FORMATS[media_type])


def _json_term(term: Node, xml: bool) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    value = str(term)
    if xml and NOT_XML.search(value):
        value = NOT_XML.sub(XML_REPLACEMENT, value)
    if term.language:
        return {"type": "literal", "value": value, "xml:lang": term.language}
    if term.datatype is None or str(term.datatype) == XSD_STRING:
        return {"type": "literal", "value": value}
    return {"type": "literal", "value": value, "datatype": str(term.datatype)}


def _same(term: Node) -> Node:
    return term


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
