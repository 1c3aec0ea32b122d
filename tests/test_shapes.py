"""The SHACL shapes (ontology/shapes.ttl) accept the seed's claims and refuse each kind of
broken claim description: the checks that bulk import relies on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from app.api.deps import AppState
from app.model.errors import InvalidInput
from app.model.vocab import CG, OA, PROV, RDF
from app.store.base import Quad
from app.store.loader import check_dataset, read_quads

SEED = Path(__file__).resolve().parents[1] / "graph_data" / "seed" / "voa-hajin-2018-12.trig"


def _seed_quads() -> list[Quad]:
    return read_quads(SEED.read_bytes())


def _first(quads: list[Quad], predicate: URIRef) -> Quad:
    return next(q for q in quads if q[1] == predicate and q[3] is None)


def _selector(quads: list[Quad], kind: URIRef) -> URIRef:
    return next(
        URIRef(str(q[0])) for q in quads if q[1] == RDF.type and q[2] == kind and q[3] is None
    )


def _drop(predicate: URIRef) -> Callable[[list[Quad]], list[Quad]]:
    """Every value of ``predicate`` on the first node that has one."""
    def edit(quads: list[Quad]) -> list[Quad]:
        node = _first(quads, predicate)[0]
        return [q for q in quads if not (q[0] == node and q[1] == predicate)]
    return edit


def _retype_position_selector(quads: list[Quad]) -> list[Quad]:
    """The quotation's position selector becomes a second quote selector."""
    pos = _selector(quads, OA.TextPositionSelector)
    return [
        (q[0], q[1], OA.TextQuoteSelector, q[3]) if q[0] == pos and q[1] == RDF.type else q
        for q in quads
    ]


def _third_selector(quads: list[Quad]) -> list[Quad]:
    quotation = URIRef(str(_first(quads, CG.quotation)[2]))
    extra = URIRef(str(quotation) + "-extra")
    return [*quads, (quotation, OA.hasSelector, extra, None),
            (extra, RDF.type, OA.TextQuoteSelector, None),
            (extra, OA.exact, Literal("more words"), None)]


def _start_after_end(quads: list[Quad]) -> list[Quad]:
    pos = _selector(quads, OA.TextPositionSelector)
    return [
        (q[0], q[1], Literal(10**6), q[3]) if q[0] == pos and q[1] == OA.start else q
        for q in quads
    ]


def _empty_exact(quads: list[Quad]) -> list[Quad]:
    return [
        (q[0], q[1], Literal(""), q[3]) if q[1] == OA.exact else q for q in quads
    ]


def _article_untyped(quads: list[Quad]) -> list[Quad]:
    article = _first(quads, PROV.wasDerivedFrom)[2]
    return [q for q in quads if not (q[0] == article and q[1] == RDF.type)]


def _bad_polarity(quads: list[Quad]) -> list[Quad]:
    return [(q[0], q[1], CG.Maybe, q[3]) if q[1] == CG.polarity else q for q in quads]


def test_the_seed_conforms(empty_state: AppState) -> None:
    assert len(check_dataset(empty_state.service.builder, _seed_quads())) == 15


@pytest.mark.parametrize(
    "edit",
    [
        _drop(PROV.wasAttributedTo),
        _drop(CG.quotation),
        _drop(CG.reportingVerb),
        _drop(OA.exact),
        _drop(OA.start),
        _drop(OA.hasSource),
        _retype_position_selector,
        _third_selector,
        _start_after_end,
        _empty_exact,
        _article_untyped,
        _bad_polarity,
    ],
    ids=lambda f: getattr(f, "__name__", "drop"),
)
def test_a_broken_claim_description_is_refused(
    empty_state: AppState, edit: Callable[[list[Quad]], list[Quad]]
) -> None:
    with pytest.raises(InvalidInput):
        check_dataset(empty_state.service.builder, edit(_seed_quads()))
