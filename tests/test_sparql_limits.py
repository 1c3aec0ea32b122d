"""Query limits on the on-disk store: a runaway query is killed at the time limit, and the
server keeps answering."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from app.main import build_state, create_app
from app.store.oxigraph import OxigraphStore
from tests.conftest import settings

CARTESIAN = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
)


def test_runaway_query_is_stopped_and_others_still_run(tmp_path: Path) -> None:
    state = build_state(settings(store=str(tmp_path / "store"), sparql_timeout_s=1.5))
    store = state.store
    assert isinstance(store, OxigraphStore) and store._sandbox is not None
    try:
        with TestClient(create_app(state.settings, state=state)) as client:
            ok = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
            assert ok.status_code == 200 and ok.json()["boolean"] is True
            started = time.monotonic()
            slow = client.get("/sparql", params={"query": CARTESIAN})
            elapsed = time.monotonic() - started
            assert slow.status_code == 503
            assert "limit" in slow.json()["message"]
            assert elapsed < 6
            assert store._sandbox.killed == 1
            again = client.get("/sparql", params={"query": "SELECT ?c WHERE { ?c a <https://w3id.org/claimgraph/ns#Claim> }"})
            assert again.status_code == 200
            assert len(again.json()["results"]["bindings"]) == 15
    finally:
        store.close()


def test_sandboxed_queries_see_the_latest_writes(tmp_path: Path) -> None:
    state = build_state(settings(store=str(tmp_path / "store"), seed=False))
    try:
        with TestClient(create_app(state.settings, state=state)) as client:
            query = {"query": "SELECT ?c WHERE { ?c a <https://w3id.org/claimgraph/ns#Claim> }"}
            assert client.get("/sparql", params=query).json()["results"]["bindings"] == []
            state.service.import_dataset(state.settings.seed_dir / "voa-hajin-2018-12.trig")
            assert len(client.get("/sparql", params=query).json()["results"]["bindings"]) == 15
    finally:
        state.store.close()
