"""The same detection and seed scenario on real remote engines reached over the SPARQL 1.1
Protocol (the `sparql+http://` backend): `oxigraph serve`, Apache Jena Fuseki and Virtuoso."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from app.api.deps import AppState
from app.main import build_state
from app.model.errors import StoreError
from app.store import views
from app.store.engines import RemoteAuth
from tests import test_rules
from tests.conftest import settings
from tests.engines.servers import Engine, engine_state


def summary(state: AppState) -> list[tuple[str, str, list[str]]]:
    """Every dispute's contradictions: (dispute id, type, claims)."""
    ids = views.find_disputes(state.store, subject=None, source=None, type_=None, status=None)
    return sorted(
        (d["id"], c["type"], sorted(s["id"] for s in c["sides"]))
        for d in views.disputes(state.store, ids) for c in d["contradictions"]
    )


def test_seed_scenario_matches_the_embedded_store(engine: Engine, tmp_path: Path) -> None:
    remote = engine_state(engine, seed=True, tmp=tmp_path)
    embedded = build_state(settings(seed=True))
    try:
        assert summary(remote) == summary(embedded)
        assert len({dispute for dispute, _, _ in summary(remote)}) == 1  # the Hajin dispute
        assert remote.store.count() == embedded.store.count()
    finally:
        remote.store.close()
        embedded.store.close()


RULE_TESTS: list[Callable[..., Any]] = [
    fn for name, fn in inspect.getmembers(test_rules, inspect.isfunction)
    if name.startswith("test_") and list(inspect.signature(fn).parameters) == ["service"]
]


@pytest.mark.parametrize("rule_test", RULE_TESTS, ids=[f.__name__ for f in RULE_TESTS])
def test_rule_on_remote_store(engine: Engine, rule_test: Callable[..., Any],
                              tmp_path: Path) -> None:
    state = engine_state(engine, seed=False, tmp=tmp_path)
    try:
        rule_test(state.service)
    finally:
        state.store.close()


def test_a_failed_remote_update_is_reported_truthfully(engine: Engine, tmp_path: Path) -> None:
    """A refused two-operation update: nothing written where the engine applies a request
    atomically; where it does not (Virtuoso), the message must not claim that."""
    state = engine_state(engine, seed=False, tmp=tmp_path)
    before = state.store.count()
    try:
        with pytest.raises(StoreError) as refused:
            state.store.update(
                "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/a> "
                "<http://example.org/p> 1 } } ;\nLOAD <http://unreachable.invalid/data.ttl>"
            )
        after = state.store.count()
        if after == before:
            assert "may have been applied" in str(refused.value) or \
                "nothing was written" in str(refused.value)
        else:
            assert "nothing was written" not in str(refused.value)
        if engine.name != "virtuoso":
            assert after == before
    finally:
        state.store.close()


def test_api_on_the_remote_store(engine: Engine, tmp_path: Path) -> None:
    """The HTTP API over the remote backend: the seed dispute, a POSTed conflicting claim
    joins it, and /sparql passes queries through to the remote engine."""
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.conftest import bearer, make_tokens
    from tests.test_api import conflicting_claim

    state = engine_state(engine, seed=True, tmp=tmp_path)
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
            graph = client.get("/sparql", params={
                "query": "CONSTRUCT { ?c a <https://w3id.org/claimgraph/ns#Claim> } "
                         "WHERE { ?c a <https://w3id.org/claimgraph/ns#Claim> }"
            }, headers={"Accept": "application/n-triples"})
            assert graph.status_code == 200, graph.text
            assert len(graph.text.strip().splitlines()) == 16
            health = client.get("/health").json()
            assert health["store"] == "remote-sparql"
    finally:
        state.store.close()


def test_wrong_credentials_are_refused_without_naming_them(engine: Engine,
                                                           tmp_path: Path) -> None:
    if engine.auth.kind == "none":
        pytest.skip(f"the {engine.name} test server has no authentication")
    wrong = RemoteAuth(engine.auth.kind, engine.auth.user, SecretStr("not-the-password-1f2e"))
    from app.store.remote import SparqlHttpStore

    store = SparqlHttpStore(engine.query_url, engine.update_url, auth=wrong,
                            profile=engine.remote().profile)
    try:
        with pytest.raises(StoreError) as refused:
            store.insert([(engine_iri("a"), engine_iri("p"), engine_iri("b"), None)])
        message = str(refused.value)
        assert "401" in message
        assert "not-the-password" not in message and "test-password" not in message
        with pytest.raises(StoreError):
            store.select("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1")
    finally:
        store.close()
    with httpx.Client(timeout=10) as anonymous:  # and the endpoint itself refuses anonymity
        assert anonymous.post(engine.update_url, data={"update": "CLEAR ALL"}).status_code == 401


def engine_iri(name: str) -> Any:
    from rdflib import URIRef
    return URIRef(f"http://example.org/{name}")


def test_engine_rule_variants_replace_a_rule_by_its_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An engine's folder of rule forms replaces a rule by its '# id:' header (tested on a
    folder of the test's own, so that it does not depend on which rules need a variant)."""
    from app.store import engines
    from tests.conftest import ROOT

    standard = (ROOT / "ontology" / "rules" / "pair-filter.rq").read_text(encoding="utf-8")
    (tmp_path / "virtuoso").mkdir()
    own = "# id: pair-filter\nSELECT ?c1 ?c2 WHERE { ?c1 ?p ?c2 }\n"
    (tmp_path / "virtuoso" / "pair-filter.rq").write_text(own, encoding="utf-8")
    monkeypatch.setattr(engines, "_VARIANTS_DIR", tmp_path)
    engines._variants.cache_clear()
    try:
        assert engines.rule_variant("virtuoso", standard) == own
        assert engines.rule_variant("oxigraph", standard) == standard
        plain = "SELECT * WHERE { ?s ?p ?o }"
        assert engines.rule_variant("virtuoso", plain) == plain
    finally:
        engines._variants.cache_clear()

