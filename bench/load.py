"""Load test: 50 concurrent clients against a real uvicorn server, for a bounded time.

    python -m bench.load [--claims 3000] [--clients 50] [--duration 60]

A temp on-disk store is seeded with the seed article and ``--claims`` generated claims
(bench/generate.py), then served by ``python -m app serve`` on 127.0.0.1. First each read is
timed from a single client; then ``--clients`` clients mix reads (GET /disputes, GET
/claims/{id}, GET /disputes/{id}, small POST /sparql queries), claim writes (POST /claims,
conflicting and agreeing new claims, and now and then an identical resubmission) and review
actions (GET the review panel, POST a move with If-Match). Each client connects from its
own loopback address (127.0.0.2, .3, …) as separate machines would, since the query workers
schedule per client address; ``--one-address`` sends every client from 127.0.0.1.

Printed: p50/p95/p99 of each endpoint under load next to its single-client p50 (target: reads
at most x3), write p95 (target at most 1 s), status codes (target: no 5xx), and the
acknowledged-write check: every claim answered 201/200 is read back with GET /claims/{id},
and again after restarting the server on the same store. Exit 1 when a write was lost.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.servers import free_port, running

ROOT = Path(__file__).resolve().parents[1]
READS = ("GET /disputes", "GET /claims/{id}", "GET /disputes/{id}", "POST /sparql")
SPARQL = (
    "PREFIX cg: <https://w3id.org/claimgraph/ns#> SELECT ?c WHERE { ?c a cg:Claim } LIMIT 10",
    "PREFIX prov: <http://www.w3.org/ns/prov#> SELECT ?s WHERE { <%s> prov:wasAttributedTo ?s }",
    "ASK { GRAPH <%s> { ?s ?p ?o } }",
)
MIX = (  # (action, weight)
    ("GET /disputes", 20), ("GET /claims/{id}", 25), ("GET /disputes/{id}", 20),
    ("POST /sparql", 15), ("POST /claims", 12), ("review", 8),
)
CLAIM_BASE = "https://w3id.org/claimgraph/id/claim/"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- the store and the server ---------------------------------------------------------------
def seed_store(path: Path, claims: int) -> tuple[dict[str, str], Any]:
    """A new on-disk store with the seed and ``claims`` generated claims; tokens by role."""
    from app.config import Settings
    from app.main import build_state
    from app.model.reviews import Role
    from app.review.service import review_service
    from app.store.loader import load_entities
    from bench.generate import generate

    corpus = generate(claims)
    state = build_state(Settings(store=str(path), seed=True))
    try:
        entities = path.parent / "entities.ttl"
        entities.write_text(corpus.entities_ttl(), encoding="utf-8")
        load_entities(state.store, entities)
        started, done = time.perf_counter(), 0
        for count, text in corpus.trig_batches(500):
            state.service.import_dataset(text)
            done += count
        log(f"imported {done} generated claims in {time.perf_counter() - started:.0f} s")
        tokens = review_service(state.store, state.settings).tokens
        made = {role.value: tokens.create(f"load-{role.value}", role)
                for role in (Role.editor, Role.reviewer)}
    finally:
        state.store.close()
    return made, corpus


@contextmanager
def server(store: Path, port: int, out: Path) -> Iterator[str]:
    """``python -m app serve`` on 127.0.0.1:port until the block ends (then SIGTERM, and
    SIGKILL after 60 s); its output is appended to ``out``."""
    base = f"http://127.0.0.1:{port}"
    args = [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port),
            "--store", str(store)]
    with out.open("ab") as sink:
        try:
            with running(args, f"{base}/health", env={"CLAIMGRAPH_SEED": "false"},
                         output=sink, cwd=ROOT, stop_timeout_s=60):
                yield base
        except RuntimeError as exc:
            raise SystemExit(f"the server did not start ({exc}); see {out}") from None


# -- the clients ----------------------------------------------------------------------------
@dataclass
class Shared:
    """What the clients draw from and record into."""

    claims: list[str]
    disputes: list[str]
    writes: Iterator[tuple[str, bool]]  # (claim JSON, conflicting)
    editor: dict[str, str]
    reviewer: dict[str, str]
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    errors: Counter[str] = field(default_factory=Counter)
    acknowledged: set[str] = field(default_factory=set)
    posted: list[str] = field(default_factory=list)  # bodies acknowledged, for resubmission
    new_contradictions: int = 0
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))


async def timed(shared: Shared, name: str, client: httpx.AsyncClient, method: str, url: str,
                **kwargs: Any) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        shared.errors[f"{name}: {type(exc).__name__}"] += 1
        return None
    shared.latencies[name].append(time.perf_counter() - started)
    shared.statuses[name][response.status_code] += 1
    if response.status_code >= 500:
        shared.errors[f"{name}: {response.status_code} {response.text[:160]}"] += 1
    return response


async def act(shared: Shared, client: httpx.AsyncClient, action: str, rng: random.Random) -> None:
    if action == "GET /disputes":
        await timed(shared, action, client, "GET", "/disputes",
                    params={"offset": rng.randrange(0, max(1, len(shared.disputes) - 20))})
    elif action == "GET /claims/{id}":
        await timed(shared, action, client, "GET", f"/claims/{rng.choice(shared.claims)}")
    elif action == "GET /disputes/{id}":
        await timed(shared, action, client, "GET", f"/disputes/{rng.choice(shared.disputes)}")
    elif action == "POST /sparql":
        query = rng.choice(SPARQL)
        if "%s" in query:
            query = query % (CLAIM_BASE + rng.choice(shared.claims))
        await timed(shared, action, client, "POST", "/sparql", content=query, headers={
            "content-type": "application/sparql-query",
            "accept": "application/sparql-results+json"})
    elif action == "POST /claims":
        again = shared.posted and rng.random() < 0.1
        body = rng.choice(shared.posted) if again else next(shared.writes)[0]
        response = await timed(shared, action, client, "POST", "/claims", content=body,
                               headers={"content-type": "application/json", **shared.editor})
        if response is not None and response.status_code in (200, 201):
            for part in response.headers.get("server-timing", "").split(","):
                name, _, duration = part.strip().partition(";dur=")
                if duration:
                    shared.timings[name].append(float(duration) / 1000)
            answer = response.json()
            shared.acknowledged.add(answer["claim"]["id"])
            shared.claims.append(answer["claim"]["id"])
            shared.new_contradictions += len(answer["new_contradictions"])
            for dispute in answer["disputes"]:
                if dispute["id"] not in shared.disputes:
                    shared.disputes.append(dispute["id"])
            if not again:
                shared.posted.append(body)
    elif action == "review":
        dispute = rng.choice(shared.disputes)
        panel = await timed(shared, "GET /disputes/{id}/review", client, "GET",
                            f"/disputes/{dispute}/review")
        if panel is None or panel.status_code != 200:
            return
        moves = [m for m in panel.json()["allowed"] if m != "resolved"]
        if moves:
            await timed(shared, "POST /disputes/{id}/reviews", client, "POST",
                        f"/disputes/{dispute}/reviews", json={"status": rng.choice(moves)},
                        headers={"If-Match": panel.headers["etag"], **shared.reviewer})


async def run_client(shared: Shared, base: str, until: float, address: str | None,
                     seed: int, think: float, writes: bool) -> None:
    """One client: a request, then (with ``think``) a pause of that mean, until ``until``."""
    rng = random.Random(seed)
    actions, weights = zip(*(m for m in MIX if writes or m[0] in READS), strict=True)
    transport = httpx.AsyncHTTPTransport(local_address=address) if address else None
    async with httpx.AsyncClient(base_url=base, timeout=180, transport=transport) as client:
        if think:
            await asyncio.sleep(rng.uniform(0, think))  # do not start in lockstep
        while time.monotonic() < until:
            await act(shared, client, rng.choices(actions, weights)[0], rng)
            if think:
                await asyncio.sleep(min(rng.expovariate(1 / think), until - time.monotonic()))


async def single_client(shared: Shared, base: str, rounds: int) -> dict[str, list[float]]:
    """Each read, one request at a time: the baseline."""
    solo = Shared(claims=shared.claims, disputes=shared.disputes, writes=shared.writes,
                  editor=shared.editor, reviewer=shared.reviewer)
    rng = random.Random(1)
    async with httpx.AsyncClient(base_url=base, timeout=180) as client:
        for action in (*READS, *READS):  # the first pass warms caches, the second is kept
            solo.latencies.pop(action, None)
            for _ in range(rounds):
                await act(solo, client, action, rng)
    return solo.latencies


async def read_back(base: str, claims: set[str]) -> list[str]:
    """The acknowledged claims that GET /claims/{id} does not find."""
    missing: list[str] = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        ordered = sorted(claims)
        for chunk in (ordered[i:i + 20] for i in range(0, len(ordered), 20)):
            answers = await asyncio.gather(*(client.get(f"/claims/{c}") for c in chunk))
            missing += [c for c, a in zip(chunk, answers, strict=True) if a.status_code != 200]
    return missing


# -- report ---------------------------------------------------------------------------------
def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:5.0f}ms"


def report(shared: Shared, solo: dict[str, list[float]], seconds: float) -> list[str]:
    """Print the table; return the targets missed. Reads are compared with the same read
    from a single client, p50 with p50 and p95 with p95 (disputes differ in size, so a
    dispute's p95 is a large one's time even alone)."""
    missed: list[str] = []
    total = sum(len(v) for v in shared.latencies.values())
    print(f"\n{total} requests in {seconds:.0f} s ({total / seconds:.1f}/s)\n")
    print(f"{'endpoint':30} {'n':>5} {'p50':>7} {'p95':>7} {'p99':>7} {'solo p50':>8} "
          f"{'solo p95':>8} {'x p50':>5} {'x p95':>5}  statuses")
    for name in sorted(shared.latencies):
        lat, alone = shared.latencies[name], solo.get(name, [])
        codes = " ".join(f"{c}:{n}" for c, n in sorted(shared.statuses[name].items()))
        ratios = [pct(lat, q) / pct(alone, q) for q in (50, 95)] if alone else []
        print(f"{name:30} {len(lat):5} {ms(pct(lat, 50))} {ms(pct(lat, 95))} "
              f"{ms(pct(lat, 99))} " + (
                  f"{ms(pct(alone, 50))}  {ms(pct(alone, 95))}  {ratios[0]:5.1f} {ratios[1]:5.1f}"
                  if alone else f"{'-':>8} {'-':>8} {'-':>5} {'-':>5}") + f"  {codes}")
        if ratios and max(ratios) > 3:
            missed.append(f"{name}: under load x{ratios[0]:.1f} (p50), x{ratios[1]:.1f} (p95) "
                          "of single-client")
        if any(c >= 500 for c in shared.statuses[name]):
            missed.append(f"{name}: 5xx answers")
    for name, values in sorted(shared.timings.items()):  # POST /claims, from Server-Timing
        print(f"  POST /claims {name:17} {len(values):5} {ms(pct(values, 50))} "
              f"{ms(pct(values, 95))} {ms(pct(values, 99))}  (server side)")
    writes = shared.latencies.get("POST /claims", [])
    if writes and pct(writes, 95) > 1.0:
        missed.append(f"POST /claims: p95 {pct(writes, 95):.2f} s > 1 s")
    for error, count in shared.errors.most_common(10):
        print(f"  error x{count}: {error}")
    return missed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    p.add_argument("--claims", type=int, default=3000, help="generated claims in the store")
    p.add_argument("--clients", type=int, default=50, help="concurrent clients")
    p.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    p.add_argument("--think", type=float, default=0.0,
                   help="mean pause of each client between requests, in seconds (0: none; "
                   "each client then keeps one request in flight all the time)")
    p.add_argument("--solo-rounds", type=int, default=40, help="single-client requests per read")
    p.add_argument("--read-only", action="store_true",
                   help="reads only (no claims, no reviews): the baseline for reads under writes")
    p.add_argument("--one-address", action="store_true",
                   help="every client from 127.0.0.1 (the query pool sees one client)")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (store, server log)")
    args = p.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="claimgraph-load-"))
    store, server_log = work / "store", work / "server.log"
    log(f"seeding {store} with {args.claims} generated claims")
    tokens, corpus = seed_store(store, args.claims)
    # new claims on existing keys, alternately conflicting and agreeing (more than are posted)
    writes = ((c.model_dump_json(exclude_none=True), conflict)
              for c, conflict in corpus.followups(int(max(300, args.duration * 30)), seed=11))
    shared = Shared(
        claims=["voa-hajin-sohr-1", *(c.id for c in corpus.claims)], disputes=[],
        writes=iter(writes), editor={"Authorization": f"Bearer {tokens['editor']}"},
        reviewer={"Authorization": f"Bearer {tokens['reviewer']}"})
    port = free_port()
    lost_after_restart: list[str] = []
    with server(store, port, server_log) as base:
        page = httpx.get(f"{base}/disputes", params={"limit": 200}, timeout=120).json()
        shared.disputes = [d["id"] for d in page["items"]]
        log(f"server up at {base}: {page['total']} disputes; single-client reads")
        solo = asyncio.run(single_client(shared, base, args.solo_rounds))
        log(f"{args.clients} clients for {args.duration:.0f} s, think time {args.think:g} s")
        started = time.monotonic()

        async def load() -> None:
            until = time.monotonic() + args.duration
            await asyncio.gather(*(
                run_client(shared, base, until,
                           None if args.one_address else f"127.0.0.{2 + n}", seed=100 + n,
                           think=args.think, writes=not args.read_only)
                for n in range(args.clients)))

        asyncio.run(load())
        seconds = time.monotonic() - started
        missed = report(shared, solo, seconds)
        print(f"\nclaims acknowledged: {len(shared.acknowledged)} "
              f"(new contradictions reported: {shared.new_contradictions})")
        lost = asyncio.run(read_back(base, shared.acknowledged))
    print(f"read back before restart: {len(shared.acknowledged) - len(lost)} found, "
          f"{len(lost)} missing")
    with server(store, port, server_log) as base:
        lost_after_restart = asyncio.run(read_back(base, shared.acknowledged))
    print(f"read back after restart:  {len(shared.acknowledged) - len(lost_after_restart)} "
          f"found, {len(lost_after_restart)} missing")
    for line in missed:
        print(f"TARGET MISSED  {line}")
    if not missed:
        print("every target met")
    print(f"store and server log: {work}" if args.keep else "")
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    if lost or lost_after_restart:
        print(f"LOST WRITES: {sorted(set(lost) | set(lost_after_restart))[:20]}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
