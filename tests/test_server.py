"""One test against a real uvicorn process, as a user would start it."""

from __future__ import annotations

from pathlib import Path

import httpx
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore

from tests.conftest import running_server


def test_real_server_serves_the_seed_dispute(tmp_path: Path) -> None:
    with running_server(tmp_path / "store", tmp_path / "server.log") as base:
        disputes = httpx.get(f"{base}/disputes", timeout=10).json()
        assert disputes["total"] == 1
        response = httpx.get(
            f"{base}/sparql", params={"query": "ASK { ?s ?p ?o }"},
            headers={"accept": "application/sparql-results+xml"}, timeout=10,
        )
        assert response.status_code == 200 and "<boolean>true</boolean>" in response.text
        # an analyst's own tool: rdflib's SPARQLStore speaks the protocol to the endpoint
        remote = Graph(store=SPARQLStore(f"{base}/sparql"))
        claims = list(remote.query("SELECT ?c WHERE { ?c a <https://w3id.org/claimgraph/ns#Claim> }"))
        assert len(claims) == 15
