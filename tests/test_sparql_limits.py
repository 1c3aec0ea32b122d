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


def test_a_client_flooding_sparql_leaves_room_for_others(tmp_path: Path) -> None:
    """A client that sends many runaway queries at once holds one query worker, and its
    waiting queries do not hold the app's thread pool either: another client's query is
    answered at once, not after the flood's time limit."""
    import asyncio

    import httpx

    limit = 6.0
    state = build_state(settings(store=str(tmp_path / "store"), sparql_timeout_s=limit))
    app = create_app(state.settings, state=state)

    def client(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 1234))
        return httpx.AsyncClient(transport=transport, base_url="http://test", timeout=30)

    async def scenario() -> tuple[int, float, list[int]]:
        async with app.router.lifespan_context(app), client("10.0.0.1") as greedy, \
                client("10.0.0.2") as other:
            flood = [asyncio.create_task(greedy.get("/sparql", params={"query": CARTESIAN}))
                     for _ in range(12)]
            await asyncio.sleep(0.5)
            started = time.monotonic()
            answer = await other.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
            elapsed = time.monotonic() - started
            statuses = [r.status_code for r in await asyncio.gather(*flood)]
            return answer.status_code, elapsed, statuses

    try:
        status, elapsed, flooded = asyncio.run(scenario())
    finally:
        state.store.close()
    assert status == 200
    # well under the limit (starting a second worker process takes a moment on a busy machine)
    assert elapsed < limit / 2, f"the other client waited {elapsed:.1f} s"
    assert flooded == [503] * 12  # one stopped at the limit, the rest waited their turn
