"""One test against a real uvicorn process, as a user would start it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_real_server_serves_the_seed_dispute(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--store", str(tmp_path / "store")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
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
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        finally:
            if proc.stdout:
                proc.stdout.close()
