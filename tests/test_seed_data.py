"""Checks on the seed data: the VOA Hajin article, its 15 claims, and the entity list."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "graph_data" / "seed" / "voa-hajin-2018-12.trig"
TEXT = ROOT / "graph_data" / "seed" / "voa-hajin-2018-12.txt"
ENTITIES = ROOT / "ontology" / "entities.ttl"

CG = Namespace("https://w3id.org/claimgraph/ns#")
OA = Namespace("http://www.w3.org/ns/oa#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("https://schema.org/")
ART = Namespace("https://w3id.org/claimgraph/id/article/")
ENT_NS = "https://w3id.org/claimgraph/id/entity/"
ARTICLE = ART["voa-hajin-2018-12"]
CONTEXT_CHARS = 40


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    ds = Dataset()
    with warnings.catch_warnings():
        # rdflib 7.6's own TriG parsing goes through its deprecated ConjunctiveGraph API
        # (Dataset.default_context, ConjunctiveGraph()); not our code, so silence it here only.
        warnings.simplefilter("ignore", DeprecationWarning)
        ds.parse(data=SEED.read_text(encoding="utf-8"), format="trig")
    return ds


@pytest.fixture(scope="module")
def default(dataset: Dataset) -> Graph:
    return dataset.default_graph


@pytest.fixture(scope="module")
def entities() -> Graph:
    g = Graph()
    g.parse(data=ENTITIES.read_text(encoding="utf-8"), format="turtle")
    return g


@pytest.fixture(scope="module")
def text() -> str:
    return TEXT.read_text(encoding="utf-8")


def claims(default: Graph) -> list[URIRef]:
    return sorted(c for c in default.subjects(RDF.type, CG.Claim) if isinstance(c, URIRef))


def test_article_text_equals_txt(default: Graph, text: str) -> None:
    values = list(default.objects(ARTICLE, SCHEMA.text))
    assert len(values) == 1
    assert str(values[0]) == text
    assert (ARTICLE, RDF.type, CG.Article) in default


def test_exactly_15_claims(default: Graph) -> None:
    assert len(claims(default)) == 15


def test_each_claim_has_assertion_graph(dataset: Dataset, default: Graph) -> None:
    names = {g.identifier for g in dataset.graphs()}
    for claim in claims(default):
        assert claim in names, claim
        assert len(dataset.graph(claim)) >= 1, claim


def test_quote_anchors_match_text(default: Graph, text: str) -> None:
    for claim in claims(default):
        quote = default.value(claim, CG.quotation)
        assert quote is not None, claim
        assert default.value(quote, OA.hasSource) == ARTICLE, claim
        selectors = list(default.objects(quote, OA.hasSelector))
        text_sel = [s for s in selectors if (s, RDF.type, OA.TextQuoteSelector) in default]
        pos_sel = [s for s in selectors if (s, RDF.type, OA.TextPositionSelector) in default]
        assert len(text_sel) == 1 and len(pos_sel) == 1, claim
        exact = str(default.value(text_sel[0], OA.exact))
        prefix = str(default.value(text_sel[0], OA.prefix))
        suffix = str(default.value(text_sel[0], OA.suffix))
        start_lit = default.value(pos_sel[0], OA.start)
        end_lit = default.value(pos_sel[0], OA.end)
        assert isinstance(start_lit, Literal) and isinstance(end_lit, Literal), claim
        start, end = int(start_lit.toPython()), int(end_lit.toPython())
        assert exact, claim
        assert text[start:end] == exact, claim
        assert prefix == text[max(0, start - CONTEXT_CHARS) : start], claim
        assert suffix == text[end : end + CONTEXT_CHARS], claim


def test_entities_defined(dataset: Dataset, default: Graph, entities: Graph) -> None:
    used: set[URIRef] = set()
    for claim in claims(default):
        speakers = [
            s for s in default.objects(claim, PROV.wasAttributedTo) if isinstance(s, URIRef)
        ]
        assert speakers, claim
        used.update(speakers)
        used.update(o for o in default.objects(claim, CG.relayedBy) if isinstance(o, URIRef))
        for s, _p, o in dataset.graph(claim):
            for term in (s, o):
                if isinstance(term, URIRef) and str(term).startswith(ENT_NS):
                    used.add(term)
    # Entities referred to from entities.ttl itself (memberOf, containedInPlace).
    used.update(
        o for o in entities.objects() if isinstance(o, URIRef) and str(o).startswith(ENT_NS)
    )
    missing = sorted(e for e in used if entities.value(e, SKOS.prefLabel) is None)
    assert not missing, f"entities without prefLabel in entities.ttl: {missing}"


def test_no_anchored_times(default: Graph) -> None:
    for claim in claims(default):
        for prop in (CG.saidOn, CG.holdsFrom, CG.holdsUntil):
            assert default.value(claim, prop) is None, (claim, prop)
        assert default.value(claim, CG.saidAt) is not None, claim
        assert default.value(claim, CG.holdsDuring) is not None, claim
