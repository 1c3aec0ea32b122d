"""Namespaces of the claimgraph vocabulary and the IRIs of instance data."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS, XSD

CG = Namespace("https://w3id.org/claimgraph/ns#")
CGV = Namespace("https://w3id.org/claimgraph/vocab/")
ID = "https://w3id.org/claimgraph/id/"
CLAIM = Namespace(ID + "claim/")
ENTITY = Namespace(ID + "entity/")
ARTICLE = Namespace(ID + "article/")
CONTRADICTION = Namespace(ID + "contradiction/")
DISPUTE = Namespace(ID + "dispute/")
RULE = Namespace(ID + "rule/")
SCHEMA = Namespace("https://schema.org/")
OA = Namespace("http://www.w3.org/ns/oa#")
WD = Namespace("http://www.wikidata.org/entity/")

VOCAB_GRAPH = URIRef("https://w3id.org/claimgraph/graph/vocabulary")
"""Named graph holding ontology/claimgraph.ttl, replaced whole when the file changes."""

PREFIXES: dict[str, str] = {
    "cg": str(CG),
    "cgv": str(CGV),
    "claim": str(CLAIM),
    "ent": str(ENTITY),
    "art": str(ARTICLE),
    "prov": str(PROV),
    "schema": str(SCHEMA),
    "oa": str(OA),
    "skos": str(SKOS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "wd": str(WD),
}

__all__ = [
    "ARTICLE", "CG", "CGV", "CLAIM", "CONTRADICTION", "DISPUTE", "ENTITY", "ID", "OA", "OWL",
    "PREFIXES", "PROV", "RDF", "RDFS", "RULE", "SCHEMA", "SKOS", "VOCAB_GRAPH", "WD", "XSD",
]


def local_id(iri: str, base: str) -> str:
    """The local part of an instance IRI (``…/claim/c-1`` → ``c-1``)."""
    return iri[len(base):] if iri.startswith(base) else iri
