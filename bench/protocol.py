"""SPARQL endpoint overhead and the remote backend, measured side by side in one run.

Same data (synthetic claims plus the seed) and same queries, through:
  1. pyoxigraph directly on the embedded on-disk store (the floor);
  2. claimgraph's /sparql in-process, queries isolated in worker processes (the default);
  3. claimgraph's /sparql in-process, queries in a thread (isolation off);
  4. `oxigraph serve` over HTTP, directly;
  5. claimgraph's /sparql with the remote backend (sparql+http:// to that oxigraph serve);
and the /disputes endpoint on the embedded store against the remote backend.
Figures are medians over repeated runs; the machine is shared, so read the ratios."""

from __future__ import annotations

import asyncio
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

QUERIES: dict[str, str] = {
    "count claims per speaker (aggregate)": """
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?speaker (COUNT(?c) AS ?n) WHERE { ?c prov:wasAttributedTo ?speaker }
GROUP BY ?speaker ORDER BY DESC(?n) LIMIT 20""",
    "claims about one place, with quotes (join)": """
PREFIX cg: <https://w3id.org/claimgraph/ns#>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?c ?p ?o ?quote WHERE {
  GRAPH ?c { <https://w3id.org/claimgraph/id/entity/hajin> ?p ?o }
  ?c cg:quotation/oa:hasSelector/oa:exact ?quote }""",
    "contradictions with both speakers (3-way join)": """
PREFIX cg: <https://w3id.org/claimgraph/ns#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?k ?a ?b ?sa ?sb WHERE {
  ?k a cg:Contradiction ; cg:claim ?a , ?b . FILTER(STR(?a) < STR(?b))
  ?a prov:wasAttributedTo ?sa . ?b prov:wasAttributedTo ?sb } LIMIT 500""",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _asgi_get(app: Any, path: str, params: dict[str, str] | None, repeat: int) -> float:
    async def run() -> float:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            async def once() -> None:
                r = await client.get(path, params=params)
                r.raise_for_status()

            await once()
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                await once()
                times.append((time.perf_counter() - t0) * 1000)
            return statistics.median(times)

    return asyncio.run(run())


def run(n_claims: int = 5000, repeat: int = 15) -> dict[str, Any]:
    """Measure and return the figures (also printed by bench.run)."""
    from app.api.deps import AppState
    from app.config import Settings
    from app.main import build_state, create_app
    from app.store.loader import read_quads
    from bench.generate import generate

    workdir = Path(tempfile.mkdtemp(prefix="claimgraph-bench-protocol-"))
    out: dict[str, Any] = {"claims": n_claims + 15, "repeat": repeat, "queries": {}}
    port = _free_port()
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    server = subprocess.Popen(
        [oxigraph, "serve", "--location", str(workdir / "remote"), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/query", params={"query": "ASK {}"}, timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        corpus = generate(n_claims)
        states: dict[str, AppState] = {}
        load_s: dict[str, float] = {}
        locations = (("embedded", str(workdir / "embedded")), ("remote", "sparql+" + base))
        for name, location in locations:
            t0 = time.perf_counter()
            state = build_state(Settings(store=location, environment="test"))
            entities = workdir / "entities.ttl"
            entities.write_text(corpus.entities_ttl(), encoding="utf-8")
            state.store.insert([(s, p, o, None) for s, p, o, _ in read_quads(entities, "turtle")])
            for _, text in corpus.trig_batches(1000):
                state.service.import_dataset(text)
            load_s[name] = time.perf_counter() - t0
            states[name] = state
        out["load_s"] = load_s
        embedded, remote = states["embedded"], states["remote"]
        raw = embedded.store._store  # type: ignore[attr-defined]  # the floor: Oxigraph itself
        thread_settings = embedded.settings.model_copy(update={"sparql_isolation": False})
        apps = {
            "isolated": create_app(embedded.settings, state=embedded),
            "thread": create_app(thread_settings, state=AppState(
                settings=thread_settings, store=_ThreadView(embedded.store),  # type: ignore[arg-type]
                service=embedded.service,
            )),
            "remote": create_app(remote.settings, state=remote),
        }
        client = httpx.Client(timeout=60)
        accept = {"accept": "application/sparql-results+json"}
        for label, query in QUERIES.items():
            params = {"query": query}
            figures = {
                "pyoxigraph embedded": _median_ms(lambda q=query: list(raw.query(q)), repeat),
                "/sparql, isolated workers": _asgi_get(apps["isolated"], "/sparql", params, repeat),
                "/sparql, in-thread": _asgi_get(apps["thread"], "/sparql", params, repeat),
                "oxigraph serve over HTTP": _median_ms(
                    lambda q=query: client.post(
                        f"{base}/query", data={"query": q}, headers=accept
                    ).raise_for_status(), repeat),
                "/sparql, remote backend": _asgi_get(apps["remote"], "/sparql", params, repeat),
            }
            out["queries"][label] = figures
        out["disputes_ms"] = {
            "embedded": _asgi_get(apps["isolated"], "/disputes", None, repeat),
            "remote backend": _asgi_get(apps["remote"], "/disputes", None, repeat),
        }
        for state in states.values():
            state.store.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(workdir, ignore_errors=True)
    return out


class _ThreadView:
    """The embedded store with query isolation switched off (same data, same process)."""

    def __init__(self, store: Any) -> None:
        self._inner = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def run_user_query(self, query: str, **kwargs: Any) -> Any:
        sandbox = self._inner._sandbox
        self._inner._sandbox = None
        try:
            return self._inner.run_user_query(query, **kwargs)
        finally:
            self._inner._sandbox = sandbox


def report(figures: dict[str, Any]) -> str:
    """A plain-text table with ratios to the pyoxigraph floor."""
    lines = [
        f"SPARQL overhead, {figures['claims']:,} claims, median of {figures['repeat']} runs (ms)",
        f"  load: embedded {figures['load_s']['embedded']:.1f} s, "
        f"remote backend {figures['load_s']['remote']:.1f} s "
        f"(x{figures['load_s']['remote'] / figures['load_s']['embedded']:.1f})",
    ]
    for label, row in figures["queries"].items():
        floor = row["pyoxigraph embedded"]
        lines.append(f"  {label}")
        for name, ms in row.items():
            lines.append(f"    {name:<28} {ms:9.2f} ms   x{ms / floor:6.1f}")
    d = figures["disputes_ms"]
    ratio = d["remote backend"] / d["embedded"]
    lines.append(
        f"  /disputes: embedded {d['embedded']:.1f} ms, "
        f"remote backend {d['remote backend']:.1f} ms (x{ratio:.1f})"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(run(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)))
