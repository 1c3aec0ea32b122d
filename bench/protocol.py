"""SPARQL endpoint overhead and the remote backend, measured side by side in one run.

Same data (synthetic claims plus the seed) and the same small queries (a lookup, a join, an
aggregate, and a join with 500 rows), each sent the way a client sends it:
  1. pyoxigraph directly on a copy of the embedded store, serialising to JSON (the floor);
  2. `oxigraph serve` over HTTP on loopback (the target: /sparql within x1.5 of it);
  3. claimgraph's /sparql through a real uvicorn process, queries isolated in worker
     processes (the default);
  4. the same with isolation off (queries in a thread), on a copy of the store;
  5. claimgraph's /sparql with the remote backend (sparql+http:// to that oxigraph serve);
and /disputes on the embedded store against the remote backend. The targets take turns
within each repetition, so a noisy neighbour slows them alike; figures are medians.
The HTTP figures are taken with httpx, as a Python client sees them; httpx's own cost (1-3 ms
a request on a loaded machine) is in every one of them, which narrows the ratios. The same
requests are also timed with a bare keep-alive socket client (`raw` figures), the servers'
own cost with almost nothing on top.
Run alone: ``python -m bench.protocol [claims] [repetitions]``."""

from __future__ import annotations

import functools
import shutil
import socket
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from bench.servers import free_port, running

QUERIES: dict[str, str] = {
    "lookup: one claim's description": """
SELECT ?p ?o WHERE { <https://w3id.org/claimgraph/id/claim/voa-hajin-sohr-1> ?p ?o }""",
    "join: claims about one place, with quotes": """
PREFIX cg: <https://w3id.org/claimgraph/ns#>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?c ?p ?o ?quote WHERE {
  GRAPH ?c { <https://w3id.org/claimgraph/id/entity/hajin> ?p ?o }
  ?c cg:quotation/oa:hasSelector/oa:exact ?quote }""",
    "aggregate: claims per speaker": """
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?speaker (COUNT(?c) AS ?n) WHERE { ?c prov:wasAttributedTo ?speaker }
GROUP BY ?speaker ORDER BY DESC(?n) LIMIT 20""",
    "3-way join, 500 rows (larger answer)": """
PREFIX cg: <https://w3id.org/claimgraph/ns#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?k ?a ?b ?sa ?sb WHERE {
  ?k a cg:Contradiction ; cg:claim ?a , ?b . FILTER(STR(?a) < STR(?b))
  ?a prov:wasAttributedTo ?sa . ?b prov:wasAttributedTo ?sb } LIMIT 500""",
}
# The small queries the x1.5 target is about (the last one is there for scale).
SMALL = tuple(QUERIES)[:3]
FLOOR = "pyoxigraph embedded"
OXIGRAPH_SERVE = "oxigraph serve"
ISOLATED = "/sparql, isolated workers"
TARGETS = (FLOOR, OXIGRAPH_SERVE, ISOLATED, "/sparql, in-thread", "/sparql, remote backend")
ACCEPT = {"accept": "application/sparql-results+json"}


def _oxigraph_serve(location: Path, port: int) -> Any:
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    return running(
        [oxigraph, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        f"http://127.0.0.1:{port}/query", params={"query": "ASK {}"},
    )


def _claimgraph(store: str, port: int, **env: str) -> Any:
    """claimgraph as uvicorn serves it (the app factory reading CLAIMGRAPH_* settings)."""
    return running(
        [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        f"http://127.0.0.1:{port}/health",
        env={"CLAIMGRAPH_STORE": store, "CLAIMGRAPH_SEED": "false",
             "CLAIMGRAPH_ENVIRONMENT": "test",
             **{f"CLAIMGRAPH_{k.upper()}": v for k, v in env.items()}},
    )


def _side_by_side(targets: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median ms of each target; the targets take turns within each repetition."""
    for fn in targets.values():
        for _ in range(3):  # warm-up: workers started, store views opened
            fn()
    times: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(repeat):
        for name, fn in targets.items():
            t0 = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t0) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def _get(client: httpx.Client, url: str, params: dict[str, str] | None = None,
         headers: dict[str, str] | None = None) -> Callable[[], object]:
    def once() -> bytes:
        response = client.get(url, params=params, headers=headers)
        response.raise_for_status()
        return response.content

    return once


def _embedded(store: Any, query: str) -> bytes:
    """The query on pyoxigraph in this process, its answer written as JSON (as a server must)."""
    import pyoxigraph as ox

    answer: bytes = store.query(query).serialize(format=ox.QueryResultsFormat.JSON)
    return answer


def _raw_get(stack: ExitStack, port: int, path: str, params: dict[str, str]
             ) -> Callable[[], object]:
    """A bare HTTP/1.1 keep-alive GET (Content-Length or chunked answer, no decoding); the
    connection is closed with ``stack``."""
    sock = stack.enter_context(socket.create_connection(("127.0.0.1", port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    request = (f"GET {path}?{urllib.parse.urlencode(params)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               f"Accept: {ACCEPT['accept']}\r\n\r\n").encode()

    def once() -> bytes:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            data += _recv(sock)
        head, _, body = data.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(head.decode("latin-1"))
        length = [line for line in head.lower().split(b"\r\n")
                  if line.startswith(b"content-length:")]
        if length:
            size = int(length[0].split(b":")[1])
            while len(body) < size:
                body += _recv(sock)
        else:  # chunked: read to the last chunk
            while not body.endswith(b"\r\n0\r\n\r\n"):
                body += _recv(sock)
        return body

    return once


def _recv(sock: socket.socket) -> bytes:
    chunk = sock.recv(1 << 16)
    if not chunk:
        raise RuntimeError("the server closed the connection")
    return chunk


def run(n_claims: int = 5000, repeat: int = 60) -> dict[str, Any]:
    """Measure and return the figures (also printed by bench.run)."""
    import pyoxigraph as ox

    from app.config import Settings
    from app.main import build_state
    from app.store.loader import read_quads
    from bench.generate import generate

    workdir = Path(tempfile.mkdtemp(prefix="claimgraph-bench-protocol-"))
    out: dict[str, Any] = {"claims": n_claims + 15, "repeat": repeat, "queries": {}}
    ports = {name: free_port() for name in ("oxigraph", "isolated", "thread", "remote")}
    base = f"http://127.0.0.1:{ports['oxigraph']}"
    url = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    try:
        with ExitStack() as servers:
            servers.enter_context(_oxigraph_serve(workdir / "oxigraph", ports["oxigraph"]))
            corpus = generate(n_claims)
            load_s: dict[str, float] = {}
            entities = workdir / "entities.ttl"
            entities.write_text(corpus.entities_ttl(), encoding="utf-8")
            for name, location in (("embedded", str(workdir / "embedded")),
                                   ("remote", "sparql+" + base)):
                t0 = time.perf_counter()
                state = build_state(Settings(store=location, environment="test"))
                quads = read_quads(entities, "turtle")
                state.store.insert([(s, p, o, None) for s, p, o, _ in quads])
                for _, text in corpus.trig_batches(1000):
                    state.service.import_dataset(text)
                load_s[name] = time.perf_counter() - t0
                state.store.close()
            out["load_s"] = load_s
            # each process opens its own copy: RocksDB allows one writer per directory
            for copy in ("thread", "floor"):
                shutil.copytree(workdir / "embedded", workdir / copy)
            servers.enter_context(_claimgraph(str(workdir / "embedded"), ports["isolated"]))
            servers.enter_context(
                _claimgraph(str(workdir / "thread"), ports["thread"], sparql_isolation="false"))
            servers.enter_context(_claimgraph("sparql+" + base, ports["remote"]))
            floor = ox.Store(str(workdir / "floor"))
            client = servers.enter_context(httpx.Client(timeout=60))
            for label, query in QUERIES.items():
                params = {"query": query}
                targets: dict[str, Callable[[], object]] = {
                    FLOOR: functools.partial(_embedded, floor, query),
                    OXIGRAPH_SERVE: _get(client, f"{base}/query", params, ACCEPT),
                    ISOLATED: _get(client, f"{url['isolated']}/sparql", params, ACCEPT),
                    "/sparql, in-thread": _get(client, f"{url['thread']}/sparql", params, ACCEPT),
                    "/sparql, remote backend": _get(
                        client, f"{url['remote']}/sparql", params, ACCEPT),
                }
                out["queries"][label] = _side_by_side(targets, repeat)
                out.setdefault("raw", {})[label] = _side_by_side({
                    OXIGRAPH_SERVE: _raw_get(servers, ports["oxigraph"], "/query", params),
                    ISOLATED: _raw_get(servers, ports["isolated"], "/sparql", params),
                }, repeat)
            disputes = _side_by_side({
                "embedded": _get(client, f"{url['isolated']}/disputes"),
                "remote backend": _get(client, f"{url['remote']}/disputes"),
            }, max(5, repeat // 4))
            out["disputes_ms"] = disputes
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return out


def report(figures: dict[str, Any]) -> str:
    """A plain-text table: median ms, ratio to the pyoxigraph floor and to `oxigraph serve`."""
    lines = [
        f"SPARQL overhead, {figures['claims']:,} claims, median of {figures['repeat']} "
        "turns each (ms; every HTTP figure through a real server on loopback)",
        f"  load: embedded {figures['load_s']['embedded']:.1f} s, "
        f"remote backend {figures['load_s']['remote']:.1f} s "
        f"(x{figures['load_s']['remote'] / figures['load_s']['embedded']:.1f})",
        f"  {'':<30} {'median':>9}    {'÷ pyoxigraph':>12} {'÷ oxigraph serve':>17}",
    ]
    worst = 0.0
    for label, row in figures["queries"].items():
        floor, serve = row[FLOOR], row[OXIGRAPH_SERVE]
        lines.append(f"  {label}")
        for name, ms in row.items():
            lines.append(
                f"    {name:<28} {ms:9.2f} ms   x{ms / floor:11.1f} x{ms / serve:16.2f}")
        if label in SMALL:
            worst = max(worst, row[ISOLATED] / serve)
    lines.append(f"  /sparql (isolated) ÷ oxigraph serve, worst small query: x{worst:.2f} "
                 f"(target x1.5)")
    lines.append("  the same requests from a bare socket client (no httpx cost on top):")
    for label, row in figures.get("raw", {}).items():
        serve, ours = row[OXIGRAPH_SERVE], row[ISOLATED]
        lines.append(f"    {label[:40]:<40} oxigraph serve {serve:7.2f} ms, "
                     f"/sparql {ours:7.2f} ms (x{ours / serve:.2f})")
    d = figures["disputes_ms"]
    ratio = d["remote backend"] / d["embedded"]
    lines.append(
        f"  /disputes: embedded {d['embedded']:.1f} ms, "
        f"remote backend {d['remote backend']:.1f} ms (x{ratio:.1f})"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    print(report(run(size, int(sys.argv[2]) if len(sys.argv) > 2 else 60)))
