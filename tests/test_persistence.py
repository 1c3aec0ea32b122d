"""The on-disk store keeps everything across a restart; pending detection is repaired."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from app.main import build_state, create_app
from app.model.vocab import CG, CGV
from tests.conftest import bearer, claim, make_tokens, settings, st
from tests.test_api import conflicting_claim


def test_restart_keeps_claims_disputes_and_does_not_reseed(tmp_path: Path) -> None:
    store = tmp_path / "store"
    state = build_state(settings(store=str(store)))
    editor = make_tokens(state)["editor"]
    with TestClient(create_app(state.settings, state=state)) as c:
        assert c.post("/claims", json=conflicting_claim(), headers=bearer(editor)).status_code == 201
        before = c.get("/disputes").json()
        quads = c.get("/health").json()["quads"]
    state.store.close()
    del state

    again = build_state(settings(store=str(store)))  # seed=True, but the store is not new
    with TestClient(create_app(again.settings, state=again)) as c:
        assert c.get("/health").json()["quads"] == quads
        assert c.get("/disputes").json() == before
        assert c.get("/claims/voa-hajin-sohr-1").status_code == 200
    again.store.close()


def test_new_store_path_is_created_and_seeded(tmp_path: Path) -> None:
    state = build_state(settings(store=str(tmp_path / "a" / "b")))
    assert len(state.service.detector.db.all_claims()) == 15
    state.store.close()


def test_no_seed_starts_empty(tmp_path: Path) -> None:
    state = build_state(settings(store=str(tmp_path / "s"), seed=False))
    assert state.service.detector.db.all_claims() == []
    state.store.close()


def test_claim_left_pending_by_a_crash_is_detected_at_start(tmp_path: Path) -> None:
    path = str(tmp_path / "store")
    state = build_state(settings(store=path, seed=False))
    first = state.service.submit(claim("sohr", [st("hajin", "fightingStatus", "ended")]))
    built = state.service.builder.build(claim("sean-ryan", [st("hajin", "fightingStatus", "ongoing")]))
    # Simulate a crash after the claim was written but before detection ran.
    state.store.insert([*built.quads, (built.iri, CG.detectionState, CGV.DetectionPending, None)])
    state.store.close()

    restarted = build_state(settings(store=path, seed=False))
    assert restarted.service.detector.db.pending() == []
    found = restarted.store.ask(
        "PREFIX cg: <https://w3id.org/claimgraph/ns#> ASK WHERE { ?k cg:claim ?a , ?b }",
        {"a": first.claim, "b": built.iri},
    )
    assert found
    restarted.store.close()
