"""The store layer: atomic writes, value binding, idempotent loading."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef

from app.api.deps import AppState
from app.model.errors import StoreError
from app.store.base import bind

EX = "http://example.org/"


def test_bind_escapes_values_instead_of_interpolating() -> None:
    query = "SELECT ?x WHERE { ?x ?p ?o }"
    hostile = Literal('x" } ; DROP ALL ; #')
    bound = bind(query, {"o": hostile})
    assert "VALUES ?o" in bound
    assert hostile.n3() in bound


def test_bound_queries_match_only_the_bound_value(empty_state: AppState) -> None:
    store = empty_state.store
    store.insert([(URIRef(EX + "a"), URIRef(EX + "p"), Literal("1"), None),
                  (URIRef(EX + "b"), URIRef(EX + "p"), Literal("2"), None)])
    rows = store.select("SELECT ?s WHERE { ?s ?p ?o }", {"o": Literal("2")})
    assert [str(r["s"]) for r in rows] == [EX + "b"]


def test_a_failed_update_writes_nothing(empty_state: AppState) -> None:
    store = empty_state.store
    before = store.count()
    good = (URIRef(EX + "a"), URIRef(EX + "p"), Literal("1"), None)
    with pytest.raises(StoreError):
        # The first operation is fine; the second fails; the request is one transaction.
        store.update(
            f"INSERT DATA {{ {good[0].n3()} {good[1].n3()} {good[2].n3()} }} ;\n"
            "LOAD <http://unreachable.invalid/data.ttl>"
        )
    assert store.count() == before


def test_reloading_vocabulary_and_entities_is_idempotent(empty_state: AppState) -> None:
    before = empty_state.store.count()
    empty_state.service.bootstrap()
    empty_state.service.bootstrap()
    assert empty_state.store.count() == before


def test_reimporting_the_seed_changes_nothing(seeded_state: AppState) -> None:
    before = seeded_state.store.count()
    claims, result = seeded_state.service.import_dataset(
        seeded_state.settings.seed_dir / "voa-hajin-2018-12.trig"
    )
    assert len(claims) == 15
    assert result.new_contradictions == []
    assert seeded_state.store.count() == before


def test_reimporting_a_changed_claim_is_refused(seeded_state: AppState) -> None:
    from app.store.claims import Conflict

    text = (seeded_state.settings.seed_dir / "voa-hajin-2018-12.trig").read_text(encoding="utf-8")
    changed = text.replace('cg:reportingVerb "had said"', 'cg:reportingVerb "claimed"')
    assert changed != text
    before = seeded_state.store.count()
    with pytest.raises(Conflict):
        seeded_state.service.import_dataset(changed)
    assert seeded_state.store.count() == before


def test_detection_left_pending_is_caught_up_by_the_next_write(empty_state: AppState) -> None:
    from app.model.vocab import CG, CGV
    from tests.conftest import claim, st

    service = empty_state.service
    first = service.submit(claim("sohr", [st("hajin", "fightingStatus", "ended")]))
    built = service.builder.build(claim("sean-ryan", [st("hajin", "fightingStatus", "ongoing")]))
    empty_state.store.insert([*built.quads, (built.iri, CG.detectionState, CGV.DetectionPending, None)])
    service.submit(claim("ekrem-salih", [st("sosa", "fightingStatus", "ongoing")]))
    assert service.detector.db.pending() == []
    assert empty_state.store.ask(
        "PREFIX cg: <https://w3id.org/claimgraph/ns#> ASK WHERE { ?k cg:claim ?a , ?b }",
        {"a": first.claim, "b": built.iri},
    )
