"""The same detection and seed scenario on a remote store: a real `oxigraph serve` process
reached over the SPARQL 1.1 Protocol (the `sparql+http://` backend)."""

from __future__ import annotations

import inspect
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.api.deps import AppState
from app.main import build_state
from app.store import views
from tests import test_rules
from tests.conftest import free_port, settings

OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Oxigraph server on loopback, on disk in a temporary directory."""
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    proc = subprocess.Popen(
        [OXIGRAPH, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/query", params={"query": "ASK {}"}, timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, "oxigraph serve exited"
                assert time.monotonic() < deadline, "oxigraph serve did not start"
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def remote_state(endpoint: str, *, seed: bool) -> AppState:
    httpx.post(f"{endpoint}/update", data={"update": "CLEAR ALL"}, timeout=10).raise_for_status()
    tokens = Path(tempfile.mkdtemp(prefix="claimgraph-tokens-")) / "tokens.sqlite"
    return build_state(settings(store="sparql+" + endpoint, seed=seed, tokens_path=tokens))


def test_seed_scenario_matches_the_embedded_store(endpoint: str) -> None:
    remote = remote_state(endpoint, seed=True)
    embedded = build_state(settings(seed=True))

    def summary(state: AppState) -> list[tuple[str, str, list[str]]]:
        ids = views.find_disputes(state.store, subject=None, source=None, type_=None, status=None)
        return sorted(
            (d["id"], c["type"], sorted(s["id"] for s in c["sides"]))
            for d in views.disputes(state.store, ids) for c in d["contradictions"]
        )

    assert summary(remote) == summary(embedded)
    assert len(summary(remote)) == 3
    remote.store.close()
    embedded.store.close()


RULE_TESTS: list[Callable[..., Any]] = [
    fn for name, fn in inspect.getmembers(test_rules, inspect.isfunction)
    if name.startswith("test_") and list(inspect.signature(fn).parameters) == ["service"]
]


@pytest.mark.parametrize("rule_test", RULE_TESTS, ids=[f.__name__ for f in RULE_TESTS])
def test_rule_on_remote_store(endpoint: str, rule_test: Callable[..., Any]) -> None:
    state = remote_state(endpoint, seed=False)
    try:
        rule_test(state.service)
    finally:
        state.store.close()


def test_a_failed_remote_update_writes_nothing(endpoint: str) -> None:
    state = remote_state(endpoint, seed=False)
    before = state.store.count()
    from app.model.errors import StoreError

    with pytest.raises(StoreError):
        state.store.update(
            "INSERT DATA { <http://example.org/a> <http://example.org/p> 1 } ;\n"
            "LOAD <http://unreachable.invalid/data.ttl>"
        )
    assert state.store.count() == before
    state.store.close()


def test_api_on_the_remote_store(endpoint: str) -> None:
    """The HTTP API over the remote backend: the seed dispute, a POSTed conflicting claim
    joins it, and /sparql passes queries through to the remote engine."""
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.conftest import bearer, make_tokens
    from tests.test_api import conflicting_claim

    state = remote_state(endpoint, seed=True)
    editor = bearer(make_tokens(state)["editor"])
    try:
        with TestClient(create_app(state.settings, state=state)) as client:
            (dispute,) = client.get("/disputes").json()["items"]
            response = client.post("/claims", json=conflicting_claim(), headers=editor)
            assert response.status_code == 201, response.text
            assert [d["id"] for d in response.json()["disputes"]] == [dispute["id"]]
            rows = client.get("/sparql", params={
                "query": "SELECT ?c WHERE { ?c a <https://w3id.org/claimgraph/ns#Claim> }"
            }).json()["results"]["bindings"]
            assert len(rows) == 16
            assert client.get("/health").json()["store"] == "remote-sparql"
    finally:
        state.store.close()
