"""The dispute list at scale: the first page of /disputes (each filter, each sort, a deep
offset) and the review queue's JSON, through the ASGI app, over a synthesized dispute layer.

Ingesting a million claims takes hours, so the layer detection would have written is
inserted directly, in exactly the shapes ``DetectionStore.commit`` writes (contradictions
with their types, claims, subject, property, rule, confidence, time and dispute; disputes
with status and time) over claims with minimal provenance (speaker, relay, article, one
assertion). Per claim-scale ``n``: ≈0.044·n disputes and ≈0.18·n contradictions, the ratios of
the full benchmark's corpus (100,000 claims: ≈4,400 disputes, ≈18,000 contradictions).

    python -m bench.disputes [--sizes 100000 1000000] [--requests 30]

``run(sizes)`` returns the figures as a dict (bench/run.py may call it).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from rdflib import Literal, URIRef

from app.model.vocab import (
    ARTICLE,
    CG,
    CGV,
    CLAIM,
    CONTRADICTION,
    DISPUTE,
    ENTITY,
    PROV,
    RDF,
    RULE,
    SCHEMA,
    SKOS,
    XSD,
)
from app.store.base import GraphStore, Quad

ROOT = Path(__file__).resolve().parents[1]
DISPUTES_PER_CLAIM = 0.044
CONTRADICTIONS_PER_DISPUTE = 4.1
TYPES = (CG.ValueContradiction, CG.NegationContradiction, CG.GradedContradiction,
         CG.NumericContradiction)
STATUSES = ((CGV.Open, 0.7), (CGV.InReview, 0.15), (CGV.Resolved, 0.1), (CGV.Dismissed, 0.05))
REVIEWED_SHARE = 0.2
LOW_SHARE = 0.1


def log(msg: str) -> None:
    print(f"[bench.disputes {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def pct(values: Iterable[float], q: float) -> float:
    data = sorted(values)
    return data[max(0, math.ceil(q / 100 * len(data)) - 1)] if data else float("nan")


def _time(t: dt.datetime) -> Literal:
    return Literal(t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), datatype=XSD.dateTime)


def synthesize(n: int, rules: list[URIRef], seed: int = 11) -> Iterator[list[Quad]]:
    """Batches of quads: entities, then per dispute its claims, contradictions and itself."""
    rng = random.Random(seed)
    n_disputes = max(1, round(n * DISPUTES_PER_CLAIM))
    n_places = max(10, n // 50)
    n_orgs = max(6, 20 + n // 1000)
    n_people = max(20, n // 25)
    n_outlets = max(3, min(200, 10 + n // 2000))
    batch: list[Quad] = []
    for i in range(n_places):
        e = ENTITY[f"bench-place-{i}"]
        batch += [(e, RDF.type, CG.Place, None),
                  (e, SKOS.prefLabel, Literal(f"Place {i}", lang="en"), None)]
    for i in range(n_orgs):
        e = ENTITY[f"bench-org-{i}"]
        batch += [(e, RDF.type, CG.Organization, None),
                  (e, SKOS.prefLabel, Literal(f"Front {i}", lang="en"), None)]
    for i in range(n_people):
        e = ENTITY[f"bench-person-{i}"]
        batch += [(e, RDF.type, CG.Person, None),
                  (e, SKOS.prefLabel, Literal(f"Person {i}", lang="en"), None)]
        if rng.random() < 0.6:
            batch.append((e, SCHEMA.memberOf, ENTITY[f"bench-org-{rng.randrange(n_orgs)}"], None))
    for i in range(n_outlets):
        e = ENTITY[f"bench-outlet-{i}"]
        batch += [(e, RDF.type, CG.Outlet, None),
                  (e, SKOS.prefLabel, Literal(f"Outlet {i}", lang="en"), None)]
    yield batch
    batch = []
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    span = 2 * 365 * 86400
    claim_no = 0
    for d_no in range(n_disputes):
        created = start + dt.timedelta(
            seconds=rng.randrange(span), microseconds=rng.randrange(10**6))
        stamp = _time(created)
        place = ENTITY[f"bench-place-{rng.randrange(n_places)}"]
        art = ARTICLE[f"bench-d{d_no:07d}"]
        outlet = ENTITY[f"bench-outlet-{rng.randrange(n_outlets)}"]
        batch += [
            (art, RDF.type, CG.Article, None),
            (art, SCHEMA.url, URIRef(f"https://bench.example.org/d/{d_no}"), None),
            (art, SCHEMA.headline, Literal(f"Dispatch {d_no}", lang="en"), None),
            (art, SCHEMA.publisher, outlet, None),
            (art, SCHEMA.datePublished, Literal(created.date().isoformat(), datatype=XSD.date),
             None),
        ]
        claims: list[tuple[URIRef, URIRef]] = []
        for _ in range(rng.randint(2, 5)):
            c = CLAIM[f"bench-c{claim_no:08d}"]
            claim_no += 1
            speaker = ENTITY[f"bench-person-{rng.randrange(n_people)}"]
            value = rng.choice((CGV.FullyControlled, CGV.PartlyControlled, CGV.Contested))
            batch += [
                (place, CG.controlStatus, value, c),
                (c, RDF.type, CG.Claim, None),
                (c, PROV.wasAttributedTo, speaker, None),
                (c, CG.relayedBy, outlet, None),
                (c, PROV.wasDerivedFrom, art, None),
                (c, CG.reportingVerb, Literal("said"), None),
                (c, CG.polarity, CGV.Positive, None),
                (c, CG.certainty, CGV.Certain, None),
            ]
            claims.append((c, speaker))
        d = DISPUTE[f"bench-{d_no:07d}"]
        n_k = max(1, min(12, round(rng.expovariate(1 / CONTRADICTIONS_PER_DISPUTE))))
        for k_no in range(n_k):
            (a, _), (b, _) = rng.sample(claims, 2)
            k = CONTRADICTION[f"bench-{d_no:07d}-{k_no}"]
            low = rng.random() < LOW_SHARE
            batch += [
                (k, RDF.type, CG.Contradiction, None),
                (k, RDF.type, rng.choice(TYPES), None),
                (k, CG.claim, a, None),
                (k, CG.claim, b, None),
                (k, CG.detectedBy, rng.choice(rules), None),
                (k, PROV.generatedAtTime, stamp, None),
                (k, CG.confidence, Literal("low" if low else "high"), None),
                (k, CG.onSubject, place, None),
                (k, CG.onProperty, CG.controlStatus, None),
                (k, CG.inDispute, d, None),
            ]
        r, status = rng.random(), CGV.Open
        for value, share in STATUSES:
            if r < share:
                status = value
                break
            r -= share
        batch += [
            (d, RDF.type, CG.Dispute, None),
            (d, CG.status, status, None),
            (d, PROV.generatedAtTime, stamp, None),
        ]
        if status != CGV.Open or rng.random() < REVIEWED_SHARE:
            act = URIRef(f"{d}/review-1")
            batch += [(act, RDF.type, CG.ReviewAction, None), (act, CG.reviewOf, d, None)]
        if len(batch) > 50_000:
            yield batch
            batch = []
    yield batch


def run_size(n: int, workdir: Path, requests: int = 30) -> dict[str, Any]:
    """Build a store of claim-scale ``n`` under ``workdir`` and time the dispute list."""
    import httpx

    from app.api.deps import AppState
    from app.config import Settings
    from app.detect.service import ClaimService
    from app.main import create_app
    from app.store.base import open_store
    from app.store.dispute_index import index_of

    out: dict[str, Any] = {"size": n}
    store_dir = workdir / f"store-{n}"
    store = open_store(str(store_dir))
    service = ClaimService(store, ROOT / "ontology")
    service.bootstrap()
    rules = [RULE[r.id] for r in service.detector.all_rules]
    t0 = time.perf_counter()
    quads = 0
    for batch in synthesize(n, rules):
        store.insert(batch)
        quads += len(batch)
    out["synthesize_insert_s"] = time.perf_counter() - t0
    out["quads"] = quads
    out["disputes"] = _count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?d a cg:Dispute }")
    out["contradictions"] = _count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?k a cg:Contradiction }")
    log(f"n={n}: {quads:,} quads, {out['disputes']:,} disputes, "
        f"{out['contradictions']:,} contradictions in {out['synthesize_insert_s']:.0f} s")

    index = index_of(store)
    assert index is not None
    t0 = time.perf_counter()
    len(index)
    out["index_build_s"] = time.perf_counter() - t0
    # the index's own memory: what a second build leaves allocated (the first build's
    # structures, allocated before tracing, are freed untraced)
    tracemalloc.start()
    index.rebuild()
    out["index_mb"] = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    log(f"n={n}: index built in {out['index_build_s']:.2f} s, {out['index_mb']:.0f} MB")

    some = store.select(
        "PREFIX cg: <https://w3id.org/claimgraph/ns#> SELECT ?s (COUNT(?k) AS ?n) WHERE { "
        "?k cg:onSubject ?s } GROUP BY ?s ORDER BY DESC(?n) LIMIT 1"
    )
    subject = str(some[0]["s"]).rsplit("/", 1)[-1]
    speaker = store.select(
        "PREFIX schema: <https://schema.org/> SELECT ?o (COUNT(?p) AS ?n) WHERE { "
        "?p schema:memberOf ?o } GROUP BY ?o ORDER BY DESC(?n) LIMIT 1"
    )
    org = str(speaker[0]["o"]).rsplit("/", 1)[-1]
    variants = [
        "/disputes",
        f"/disputes?subject={subject}",
        f"/disputes?source={org}",
        "/disputes?source=bench-person-3",
        "/disputes?type=value",
        "/disputes?type=negation",
        "/disputes?status=open",
        "/disputes?status=dismissed",
        "/disputes?confidence=high",
        "/disputes?confidence=low",
        "/disputes?sort=sources",
        "/disputes?sort=unreviewed",
        "/disputes?offset=10000",
        "/disputes?type=graded&status=in-review&sort=sources",
        f"/disputes?source={org}&sort=unreviewed&offset=100",
        "/ui/disputes.json",
        "/ui/disputes.json?since=2025-01-01&until=2025-03-31",
        "/ui/disputes.json?status=resolved&type=value",
    ]
    settings = Settings(store=str(store_dir), seed=False, environment="test")
    state = AppState(settings=settings, store=store, service=service)
    app = create_app(settings, state=state)

    async def drive() -> dict[str, Any]:
        lat: dict[str, list[float]] = {v: [] for v in variants}
        cold: dict[str, list[float]] = {v: [] for v in variants}
        totals: dict[str, Any] = {}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t", timeout=600) as c:
            for v in variants:  # warm-up, not counted
                r = await c.get(v, headers={"accept": "application/json"})
                if r.status_code != 200:
                    raise RuntimeError(f"{v}: {r.status_code} {r.text[:300]}")
                body = r.json()
                totals[v] = body.get("total")
            for _ in range(requests):
                for v in variants:
                    # warm: the page's views were built by an earlier request
                    t = time.perf_counter()
                    await c.get(v, headers={"accept": "application/json"})
                    lat[v].append(time.perf_counter() - t)
            for _ in range(requests):
                for v in variants:
                    # cold: every view of the page built from the store
                    index.clear_views()
                    t = time.perf_counter()
                    await c.get(v, headers={"accept": "application/json"})
                    cold[v].append(time.perf_counter() - t)
            # a write that touches one dispute, then the next page (its refresh by id)
            refresh: list[float] = []
            for i in range(min(requests, 20)):
                d = DISPUTE[f"bench-{i:07d}"]
                act = URIRef(f"{d}/bench-review-{i}")
                store.insert([(act, RDF.type, CG.ReviewAction, None), (act, CG.reviewOf, d, None)])
                t = time.perf_counter()
                await c.get("/disputes?sort=unreviewed")
                refresh.append(time.perf_counter() - t)
        return {"lat": lat, "cold": cold, "totals": totals, "refresh": refresh}

    found = asyncio.run(drive())
    out["ms_p50"] = {v: statistics.median(x) * 1e3 for v, x in found["lat"].items()}
    out["ms_p99"] = {v: pct(x, 99) * 1e3 for v, x in found["lat"].items()}
    out["cold_ms_p50"] = {v: statistics.median(x) * 1e3 for v, x in found["cold"].items()}
    out["cold_ms_p99"] = {v: pct(x, 99) * 1e3 for v, x in found["cold"].items()}
    out["totals"] = found["totals"]
    out["after_write_ms_p50"] = statistics.median(found["refresh"]) * 1e3
    out["index_refreshed"] = index.refreshed
    # an unknown change (a raw SPARQL Update): the whole index is rebuilt at the next read
    store.update("PREFIX cg: <https://w3id.org/claimgraph/ns#> INSERT DATA { "
                 "<urn:bench:x> cg:note 'x' }")
    t0 = time.perf_counter()
    len(index)
    out["index_rebuild_s"] = time.perf_counter() - t0
    store.close()
    return out


def _count(store: GraphStore, query: str) -> int:
    rows = store.select("PREFIX cg: <https://w3id.org/claimgraph/ns#> " + query)
    return int(str(rows[0]["n"]))


def run(sizes: Iterable[int] = (100_000, 1_000_000), requests: int = 30) -> dict[str, Any]:
    """Figures for each claim-scale size (a fresh store in a temp dir each)."""
    results: dict[str, Any] = {}
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="claimgraph-bench-disputes-") as tmp:
            results[str(n)] = run_size(n, Path(tmp), requests)
        print_size(results[str(n)])
    return results


def print_size(r: dict[str, Any]) -> None:
    print(f"\n== claim scale {r['size']:,}: {r['disputes']:,} disputes, "
          f"{r['contradictions']:,} contradictions, {r['quads']:,} quads ==")
    print(f"index build {r['index_build_s']:.2f} s ({r['index_mb']:.0f} MB), "
          f"rebuild after an unknown change {r['index_rebuild_s']:.2f} s; "
          f"first page after a one-dispute write {r['after_write_ms_p50']:.1f} ms p50")
    width = max(len(v) for v in r["ms_p50"])
    print("warm: the page's views cached from an earlier request; cold: views built anew")
    print(f"{'request':<{width}}  {'warm p50':>8}  {'warm p99':>8}  {'cold p50':>8}  "
          f"{'cold p99':>8}  {'total':>7}")
    for v, p50 in r["ms_p50"].items():
        total = r["totals"].get(v)
        print(f"{v:<{width}}  {p50:8.1f}  {r['ms_p99'][v]:8.1f}  {r['cold_ms_p50'][v]:8.1f}  "
              f"{r['cold_ms_p99'][v]:8.1f}  {'' if total is None else total:>7}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    p.add_argument("--requests", type=int, default=30, help="timed requests per variant")
    p.add_argument("--json", type=Path, help="write the figures here")
    args = p.parse_args(argv)
    results = run(args.sizes, args.requests)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
