"""The benchmark: bulk ingest, full and incremental detection, /disputes, memory, and a
side-by-side of the same rule text on rdflib's engine.

Each size runs in a child process of its own (fresh on-disk store in a temp dir, and a peak
RSS that belongs to that size alone). Figures are medians and percentiles; a phase that is
timed once says so.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import queue
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "latest.json"
RULES = ROOT / "ontology" / "rules"
T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------
def pct(values: Iterable[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    data = sorted(values)
    if not data:
        return float("nan")
    k = max(0, math.ceil(q / 100 * len(data)) - 1)
    return data[k]


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Timer:
    """Accumulates the time spent in wrapped callables, by name."""

    def __init__(self) -> None:
        self.total: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.last: dict[str, float] = {}

    def wrap(self, name: str, fn: Callable[..., T]) -> Callable[..., T]:
        def wrapped(*args: Any, **kwargs: Any) -> T:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                dt = time.perf_counter() - t0
                self.total[name] = self.total.get(name, 0.0) + dt
                self.calls[name] = self.calls.get(name, 0) + 1
                self.last[name] = dt

        return wrapped

    def reset(self) -> None:
        self.total.clear()
        self.calls.clear()
        self.last.clear()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def dir_size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


# --------------------------------------------------------------------------------------------
# One size (runs in a child process)
# --------------------------------------------------------------------------------------------
def run_size(
    n: int,
    conflict_rate: float,
    seed: int,
    batch: int,
    n_incremental: int,
    n_requests: int,
    workdir: Path,
    disputes_budget: float = 600.0,
) -> dict[str, Any]:
    import httpx

    import app.detect.service as service_module
    from app.api.deps import AppState
    from app.config import Settings
    from app.detect.service import ClaimService
    from app.main import create_app
    from app.store.base import open_store
    from app.store.loader import load_entities, read_quads
    from bench.generate import generate

    out: dict[str, Any] = {
        "size": n,
        "conflict_rate": conflict_rate,
        "seed": seed,
        "batch_claims": batch,
    }

    # -- generate ----------------------------------------------------------------------------
    t0 = time.perf_counter()
    corpus = generate(n, conflict_rate=conflict_rate, seed=seed)
    out["generate_s"] = time.perf_counter() - t0
    out["corpus"] = corpus.stats()
    entities = workdir / "entities.ttl"
    entities.write_text(corpus.entities_ttl(), encoding="utf-8")
    log(f"n={n}: generated {out['corpus']} in {out['generate_s']:.1f} s")

    # -- raw Oxigraph insert of the same quads (no validation, no detection) ------------------
    raw = open_store(str(workdir / "raw"))
    parse_s = insert_s = 0.0
    n_quads = 0
    for _, text in corpus.trig_batches(batch):
        t0 = time.perf_counter()
        quads = read_quads(text)
        parse_s += time.perf_counter() - t0
        t0 = time.perf_counter()
        raw.insert(quads)
        insert_s += time.perf_counter() - t0
        n_quads += len(quads)
    raw.close()
    del raw
    shutil.rmtree(workdir / "raw", ignore_errors=True)
    out["raw"] = {
        "quads": n_quads,
        "parse_s": parse_s,
        "insert_s": insert_s,
        "insert_claims_per_s": n / insert_s,
        "insert_quads_per_s": n_quads / insert_s,
        "parse_plus_insert_claims_per_s": n / (parse_s + insert_s),
    }
    log(
        f"n={n}: raw insert {n_quads} quads: parse {parse_s:.1f} s, insert {insert_s:.1f} s "
        f"({n / insert_s:,.0f} claims/s)"
    )

    # -- bulk ingest through ClaimService.import_dataset --------------------------------------
    store_dir = workdir / "store"
    store = open_store(str(store_dir))
    service = ClaimService(store, ROOT / "ontology")
    t0 = time.perf_counter()
    service.bootstrap()
    load_entities(store, entities)
    out["bootstrap_s"] = time.perf_counter() - t0

    timer = Timer()
    service_module.read_quads = timer.wrap("parse", service_module.read_quads)  # type: ignore[assignment]
    service_module.check_dataset = timer.wrap("shacl", service_module.check_dataset)  # type: ignore[assignment]
    store.insert = timer.wrap("insert", store.insert)  # type: ignore[method-assign]
    service.detector.detect = timer.wrap("detect", service.detector.detect)  # type: ignore[method-assign]
    service.builder.build = timer.wrap("build", service.builder.build)  # type: ignore[method-assign]
    service.builder.validate_many = timer.wrap("validate", service.builder.validate_many)  # type: ignore[method-assign]
    db = service.detector.db
    for name in ("run_rule", "pair_verdicts", "same_source", "neighbourhood", "existing", "commit"):
        setattr(db, name, timer.wrap("db." + name, getattr(db, name)))

    batch_rates: list[float] = []
    t_all = time.perf_counter()
    done = 0
    next_log = time.perf_counter() + 30
    for count, text in corpus.trig_batches(batch):
        t0 = time.perf_counter()
        service.import_dataset(text)
        dt_ = time.perf_counter() - t0
        batch_rates.append(count / dt_)
        done += count
        if time.perf_counter() > next_log:
            log(
                f"n={n}: imported {done}/{n} ({done / (time.perf_counter() - t_all):,.0f} claims/s)"
            )
            next_log = time.perf_counter() + 30
    ingest_s = time.perf_counter() - t_all
    split = dict(timer.total)
    tenth = max(1, len(batch_rates) // 10)
    out["ingest"] = {
        "total_s": ingest_s,
        "claims_per_s": n / ingest_s,
        "batches": len(batch_rates),
        "batch_claims_per_s_p50": statistics.median(batch_rates),
        "first_10pct_batches_claims_per_s": statistics.median(batch_rates[:tenth]),
        "last_10pct_batches_claims_per_s": statistics.median(batch_rates[-tenth:]),
        "split_s": {
            "parse (oxigraph TriG)": split.get("parse", 0.0),
            "SHACL validation (pyshacl)": split.get("shacl", 0.0),
            "store insert": split.get("insert", 0.0),
            "incremental detection": split.get("detect", 0.0),
            "other (claim_exists checks)": ingest_s
            - sum(split.get(k, 0.0) for k in ("parse", "shacl", "insert", "detect")),
        },
        "detection_split_s": {k: v for k, v in split.items() if k.startswith("db.")},
        "detection_calls": {k: v for k, v in timer.calls.items() if k.startswith("db.")},
    }
    log(
        f"n={n}: import_dataset {ingest_s:.1f} s ({n / ingest_s:,.0f} claims/s); split "
        + ", ".join(f"{k} {v:.1f}s" for k, v in out["ingest"]["split_s"].items())
    )

    def count(query: str) -> int:
        rows = store.select(query)
        return int(rows[0]["n"].toPython()) if rows else 0  # type: ignore[union-attr]

    cg = "PREFIX cg: <https://w3id.org/claimgraph/ns#> "
    stored = {str(r["k"]) for r in store.select(cg + "SELECT ?k WHERE { ?k a cg:Contradiction }")}
    out["after_ingest"] = {
        "quads": store.count(),
        "contradictions": len(stored),
        "disputes": count(
            cg + "SELECT (COUNT(*) AS ?n) WHERE { ?d a cg:Dispute "
            "FILTER NOT EXISTS { ?d cg:mergedInto ?x } }"
        ),
        "pending": len(service.detector.db.pending()),
        "store_dir_mb": dir_size_mb(store_dir),
    }
    log(f"n={n}: after ingest {out['after_ingest']}")

    # -- full detection ----------------------------------------------------------------------
    times: list[float] = []
    found_iris: set[str] = set()
    per_rule: dict[str, float] = {}
    for i in range(3):
        t0 = time.perf_counter()
        found, _sup = service.detector.find(None)
        times.append(time.perf_counter() - t0)
        found_iris = {str(f.iri) for f in found}
        if i == 0 and times[0] > 60:
            break
    for rule in service.detector.rules:  # per-rule split, one run each
        t0 = time.perf_counter()
        rows = service.detector.db.run_rule(rule.query, None)
        per_rule[rule.id] = time.perf_counter() - t0
        per_rule[rule.id + " rows"] = len(rows)
    repair_s: float | None = None
    if times[0] <= 60:
        t0 = time.perf_counter()
        service.repair()
        repair_s = time.perf_counter() - t0
    out["full_detection"] = {
        "find_all_s_median": statistics.median(times),
        "runs": len(times),
        "find_all_runs_s": times,
        "per_rule_single_run_s": per_rule,
        "repair_s_single_run": repair_s,
        "repair_note": None
        if repair_s is not None
        else "skipped: find(None) > 60 s; repair = find(None) + commit",
        "findings": len(found_iris),
        "found_by_full_not_incremental": len(found_iris - stored),
        "stored_not_found_by_full": len(stored - found_iris),
    }
    log(
        f"n={n}: full detection median {statistics.median(times):.2f} s over {len(times)} runs; "
        f"repair {repair_s} s; findings {len(found_iris)} vs stored {len(stored)}"
    )

    # -- incremental detection through submit() ----------------------------------------------
    followups = corpus.followups(n_incremental, seed=seed + 1)
    timer.reset()
    lat: list[float] = []
    det: list[float] = []
    build: list[float] = []
    lat_conflict: list[float] = []
    lat_agree: list[float] = []
    produced = {"conflicting_with_new_contradiction": 0, "agreeing_with_new_contradiction": 0}
    errors: list[str] = []
    shacl: list[float] = []
    for claim, conflict in followups:
        t0 = time.perf_counter()
        try:
            result = service.submit(claim)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}"[:300])
            continue
        dt_ = time.perf_counter() - t0
        lat.append(dt_)
        det.append(timer.last.get("detect", float("nan")))
        build.append(timer.last.get("build", float("nan")))
        shacl.append(timer.last.get("validate", float("nan")))
        (lat_conflict if conflict else lat_agree).append(dt_)
        if result.detection.new_contradictions:
            key = "conflicting" if conflict else "agreeing"
            produced[f"{key}_with_new_contradiction"] += 1
    out["incremental"] = {
        "submitted": len(lat),
        "errors": len(errors),
        "first_errors": errors[:3],
        "submit_ms_p50": pct(lat, 50) * 1e3,
        "submit_ms_p99": pct(lat, 99) * 1e3,
        "detect_ms_p50": pct(det, 50) * 1e3,
        "detect_ms_p99": pct(det, 99) * 1e3,
        "build_ms_p50": pct(build, 50) * 1e3,
        "build_ms_p99": pct(build, 99) * 1e3,
        "shacl_ms_p50": pct(shacl, 50) * 1e3,
        "shacl_ms_p99": pct(shacl, 99) * 1e3,
        "conflicting_submit_ms_p50": pct(lat_conflict, 50) * 1e3,
        "agreeing_submit_ms_p50": pct(lat_agree, 50) * 1e3,
        **produced,
        "detection_split_s_total": {k: v for k, v in timer.total.items() if k.startswith("db.")},
        "detection_calls": {k: v for k, v in timer.calls.items() if k.startswith("db.")},
    }
    log(f"n={n}: incremental {out['incremental']}")

    # -- /disputes through the ASGI app, in-process ------------------------------------------
    settings = Settings(store=str(store_dir), seed=False, environment="test")
    state = AppState(settings=settings, store=store, service=service)
    app = create_app(settings, state=state)
    import app.store.views as views_module

    timer.reset()
    views_module.find_disputes = timer.wrap("views.find_disputes", views_module.find_disputes)
    views_module.disputes = timer.wrap("views.disputes", views_module.disputes)
    deadline = time.perf_counter() + disputes_budget
    some = store.select(
        cg + "PREFIX prov: <http://www.w3.org/ns/prov#> SELECT ?s ?sp WHERE { "
        "?k a cg:Contradiction ; cg:onSubject ?s ; cg:claim ?c . ?c prov:wasAttributedTo ?sp } LIMIT 1"  # noqa: E501
    )
    subject = str(some[0]["s"]).rsplit("/", 1)[-1] if some else corpus.places[0]
    source = str(some[0]["sp"]).rsplit("/", 1)[-1] if some else corpus.orgs[0]
    variants = [
        "/disputes",
        "/disputes?type=value",
        "/disputes?type=graded",
        "/disputes?type=numeric",
        "/disputes?type=negation",
        f"/disputes?subject={subject}",
        f"/disputes?source={source}",
        "/disputes?limit=100",
        "/disputes?offset=200&limit=20",
        "/disputes?status=open",
    ]

    async def drive() -> tuple[list[float], dict[str, list[float]], dict[str, int], list[str]]:
        transport = httpx.ASGITransport(app=app)
        by_variant: dict[str, list[float]] = {}
        totals: dict[str, int] = {}
        bad: list[str] = []
        all_lat: list[float] = []
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t", timeout=600
        ) as client:
            await client.get("/disputes")  # warm-up, not counted
            for i in range(n_requests):
                if time.perf_counter() > deadline:
                    bad.append(f"stopped after {i} requests: {disputes_budget:g} s budget")
                    break
                url = variants[i % len(variants)]
                t0 = time.perf_counter()
                r = await client.get(url)
                dt_ = time.perf_counter() - t0
                if r.status_code != 200:
                    bad.append(f"{url}: {r.status_code} {r.text[:200]}")
                    continue
                totals[url] = r.json()["total"]
                all_lat.append(dt_)
                by_variant.setdefault(url, []).append(dt_)
        return all_lat, by_variant, totals, bad

    all_lat, by_variant, totals, bad = asyncio.run(drive())
    out["disputes_api"] = {
        "requests": len(all_lat),
        "errors": bad[:3],
        "ms_p50": pct(all_lat, 50) * 1e3,
        "ms_p99": pct(all_lat, 99) * 1e3,
        "variant_ms_p50": {k: statistics.median(v) * 1e3 for k, v in by_variant.items()},
        "variant_total": totals,
        "split_s_total": dict(timer.total),
        "split_calls": dict(timer.calls),
    }
    log(
        f"n={n}: /disputes p50 {out['disputes_api']['ms_p50']:.1f} ms, "
        f"p99 {out['disputes_api']['ms_p99']:.1f} ms"
    )

    store.close()
    out["peak_rss_mb"] = peak_rss_mb()
    out["store_dir_mb_final"] = dir_size_mb(store_dir)
    return out


# --------------------------------------------------------------------------------------------
# rdflib side-by-side
# --------------------------------------------------------------------------------------------
def comparison_queries(bound_claim: str) -> list[tuple[str, str]]:
    """(name, query text): the rule files as they are, and bound to one claim."""
    from rdflib import URIRef

    from app.store.base import bind

    out: list[tuple[str, str]] = []
    for rule in ("graded", "value"):
        text = (RULES / f"{rule}.rq").read_text(encoding="utf-8")
        out.append(
            (f"{rule}.rq bound to one claim (incremental)", bind(text, {"c1": URIRef(bound_claim)}))
        )
    for rule in ("value", "graded", "numeric", "negation"):
        out.append(
            (f"{rule}.rq unbound (full)", (RULES / f"{rule}.rq").read_text(encoding="utf-8"))
        )
    return out


def rdflib_worker(nquads: str, queries_path: str) -> None:
    """Child: load N-Quads into an rdflib Dataset and run each query, one JSON line each."""
    from rdflib import Dataset

    queries = json.loads(Path(queries_path).read_text(encoding="utf-8"))
    skip = set(json.loads(os.environ.get("BENCH_SKIP", "[]")))
    t0 = time.perf_counter()
    ds = Dataset()
    ds.parse(nquads, format="nquads")
    print(json.dumps({"load_s": time.perf_counter() - t0, "quads": len(ds)}), flush=True)
    for name, text in queries:
        if name in skip:
            continue
        t0 = time.perf_counter()
        rows = len(list(ds.query(text)))
        print(json.dumps({"name": name, "s": time.perf_counter() - t0, "rows": rows}), flush=True)


def run_rdflib_comparison(
    n: int, conflict_rate: float, seed: int, timeout: float, workdir: Path
) -> dict[str, Any]:
    import pyoxigraph as ox

    from app.detect.service import ClaimService
    from app.store.base import open_store
    from app.store.loader import load_entities, read_quads
    from bench.generate import generate

    corpus = generate(n, conflict_rate=conflict_rate, seed=seed)
    entities = workdir / "entities.ttl"
    entities.write_text(corpus.entities_ttl(), encoding="utf-8")
    store = open_store("memory")
    ClaimService(store, ROOT / "ontology").bootstrap()
    load_entities(store, entities)
    store.insert(read_quads(corpus.trig()))
    nquads = workdir / "data.nq"
    store._store.dump(str(nquads), format=ox.RdfFormat.N_QUADS)  # type: ignore[attr-defined]
    bound = next(
        c
        for c in corpus.claims
        if c.conflict_with and c.key[1] == "controlStatus" and c.polarity == "positive"
    )
    queries = comparison_queries("https://w3id.org/claimgraph/id/claim/" + bound.id)
    qpath = workdir / "queries.json"
    qpath.write_text(json.dumps(queries), encoding="utf-8")

    # Oxigraph on the same file and the same text (median of 3).
    t0 = time.perf_counter()
    oxs = ox.Store()
    oxs.load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    ox_load = time.perf_counter() - t0
    ox_times: dict[str, tuple[float, int]] = {}
    for name, text in queries:
        runs = []
        rows = 0
        for _ in range(3):
            t0 = time.perf_counter()
            rows = len(list(oxs.query(text)))  # type: ignore[arg-type]
            runs.append(time.perf_counter() - t0)
        ox_times[name] = (statistics.median(runs), rows)
    log(f"rdflib comparison: oxigraph side done ({len(oxs)} quads)")

    # rdflib in a child process, with a time limit per query.
    results: dict[str, dict[str, Any]] = {}
    rdflib_load: float | None = None
    skip: list[str] = []
    pending = [name for name, _ in queries]
    while pending:
        env = dict(os.environ, BENCH_SKIP=json.dumps(skip))
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from bench.run import rdflib_worker; rdflib_worker(sys.argv[1], sys.argv[2])",  # noqa: E501
                str(nquads),
                str(qpath),
            ],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        lines: queue.Queue[str | None] = queue.Queue()

        def pump(p: subprocess.Popen[str] = proc, q: queue.Queue[str | None] = lines) -> None:
            assert p.stdout is not None
            for line in p.stdout:
                q.put(line)
            q.put(None)

        threading.Thread(target=pump, daemon=True).start()
        try:
            first = lines.get(timeout=max(timeout, 300))
        except queue.Empty:
            proc.kill()
            return {"size": n, "skipped": "rdflib load took too long"}
        if first is None:
            return {"size": n, "skipped": f"rdflib worker failed (exit {proc.wait()})"}
        head = json.loads(first)
        rdflib_load = head["load_s"]
        while pending:
            name = pending[0]
            try:
                line = lines.get(timeout=timeout)
            except queue.Empty:
                proc.kill()
                proc.wait()
                results[name] = {"skipped": f"> {timeout:g} s"}
                skip.append(name)
                pending.pop(0)
                log(f"rdflib: {name} skipped (> {timeout:g} s)")
                break
            if line is None:
                results[name] = {"skipped": f"worker exited ({proc.wait()})"}
                skip.append(name)
                pending.pop(0)
                break
            got = json.loads(line)
            results[got["name"]] = {"s": got["s"], "rows": got["rows"]}
            skip.append(got["name"])
            pending.remove(got["name"])
            log(f"rdflib: {got['name']} {got['s']:.2f} s")
        else:
            proc.wait()

    table = []
    for name, _ in queries:
        ox_s, ox_rows = ox_times[name]
        r = results.get(name, {})
        row: dict[str, Any] = {"query": name, "oxigraph_s_median3": ox_s, "oxigraph_rows": ox_rows}
        if "s" in r:
            row.update(
                rdflib_s_single_run=r["s"],
                rdflib_rows=r["rows"],
                ratio_rdflib_over_oxigraph=r["s"] / ox_s if ox_s > 0 else None,
                rows_equal=r["rows"] == ox_rows,
            )
        else:
            row["rdflib"] = "skipped: " + r.get("skipped", "?")
        table.append(row)
    return {
        "size": n,
        "quads": len(oxs),
        "oxigraph_load_s": ox_load,
        "rdflib_load_s": rdflib_load,
        "queries": table,
    }


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------
def print_report(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=140)
    sizes = results["sizes"]
    if sizes:
        t = Table(
            title=f"claimgraph bench (conflict rate {results['conflict_rate']}, "
            f"seed {results['seed']}, batch {results['batch_claims']} claims)"
        )
        t.add_column("metric")
        for s in sizes:
            t.add_column(f"{s['size']:,} claims", justify="right")

        def row(label: str, fn: Callable[[dict[str, Any]], str]) -> None:
            vals = []
            for s in sizes:
                try:
                    vals.append(fn(s))
                except (KeyError, TypeError, ValueError):
                    vals.append("-")
            t.add_row(label, *vals)

        row("quads in store after ingest", lambda s: f"{s['after_ingest']['quads']:,}")
        row(
            "deliberate conflicts / keys",
            lambda s: f"{s['corpus']['deliberate_conflicts']:,} / {s['corpus']['keys']:,}",
        )
        row(
            "bulk ingest, import_dataset (claims/s)",
            lambda s: f"{s['ingest']['claims_per_s']:,.0f}",
        )
        row("  total (s, 1 run)", lambda s: f"{s['ingest']['total_s']:.1f}")
        row("  per-batch p50 (claims/s)", lambda s: f"{s['ingest']['batch_claims_per_s_p50']:,.0f}")
        row(
            "  first / last 10% batches (claims/s)",
            lambda s: (
                f"{s['ingest']['first_10pct_batches_claims_per_s']:,.0f} / {s['ingest']['last_10pct_batches_claims_per_s']:,.0f}"  # noqa: E501
            ),
        )
        for k in (
            "parse (oxigraph TriG)",
            "SHACL validation (pyshacl)",
            "store insert",
            "incremental detection",
            "other (claim_exists checks)",
        ):
            row(f"  of which {k} (s)", lambda s, k=k: f"{s['ingest']['split_s'][k]:.1f}")
        row("raw Oxigraph insert (claims/s)", lambda s: f"{s['raw']['insert_claims_per_s']:,.0f}")
        row("raw Oxigraph insert (quads/s)", lambda s: f"{s['raw']['insert_quads_per_s']:,.0f}")
        row(
            "raw parse + insert (claims/s)",
            lambda s: f"{s['raw']['parse_plus_insert_claims_per_s']:,.0f}",
        )
        row(
            "contradictions / disputes after ingest",
            lambda s: (
                f"{s['after_ingest']['contradictions']:,} / {s['after_ingest']['disputes']:,}"
            ),
        )
        row(
            "full detection find(None) (s)",
            lambda s: (
                f"{s['full_detection']['find_all_s_median']:.2f} (median of {s['full_detection']['runs']})"  # noqa: E501
            ),
        )
        row(
            "  repair() incl. commit (s, 1 run)",
            lambda s: (
                f"{s['full_detection']['repair_s_single_run']:.2f}"
                if s["full_detection"]["repair_s_single_run"] is not None
                else "skipped (find > 60 s)"
            ),
        )
        row(
            "  full vs incremental: extra / missing",
            lambda s: (
                f"{s['full_detection']['found_by_full_not_incremental']} / {s['full_detection']['stored_not_found_by_full']}"  # noqa: E501
            ),
        )
        row(
            "incremental submit p50 / p99 (ms)",
            lambda s: (
                f"{s['incremental']['submit_ms_p50']:.1f} / {s['incremental']['submit_ms_p99']:.1f}"
            ),
        )
        row(
            "  detection only p50 / p99 (ms)",
            lambda s: (
                f"{s['incremental']['detect_ms_p50']:.1f} / {s['incremental']['detect_ms_p99']:.1f}"
            ),
        )
        row(
            "  build p50 / p99 (ms)",
            lambda s: (
                f"{s['incremental']['build_ms_p50']:.1f} / {s['incremental']['build_ms_p99']:.1f}"
            ),
        )
        row(
            "  SHACL (pyshacl) p50 / p99 (ms)",
            lambda s: (
                f"{s['incremental']['shacl_ms_p50']:.1f} / {s['incremental']['shacl_ms_p99']:.1f}"
            ),
        )
        row(
            "  submitted (errors)",
            lambda s: f"{s['incremental']['submitted']} ({s['incremental']['errors']})",
        )
        row(
            "/disputes p50 / p99 (ms)",
            lambda s: f"{s['disputes_api']['ms_p50']:.1f} / {s['disputes_api']['ms_p99']:.1f}",
        )
        row(
            "  requests (errors)",
            lambda s: f"{s['disputes_api']['requests']} ({len(s['disputes_api']['errors'])})",
        )
        row("peak RSS (MB)", lambda s: f"{s['peak_rss_mb']:,.0f}")
        row("store on disk (MB)", lambda s: f"{s['store_dir_mb_final']:,.0f}")
        console.print(t)
        for s in sizes:
            pr = s["full_detection"]["per_rule_single_run_s"]
            console.print(
                f"  {s['size']:,}: per-rule full run (1 run each): "
                + ", ".join(
                    f"{k} {pr[k]:.2f}s ({pr[k + ' rows']} rows)"
                    for k in pr
                    if not k.endswith(" rows")
                )
            )
            console.print(
                f"  {s['size']:,}: /disputes p50 by variant (ms): "
                + ", ".join(
                    f"{k.removeprefix('/disputes') or '(none)'} {v:.0f}"
                    for k, v in s["disputes_api"]["variant_ms_p50"].items()
                )
            )
            for label, d in (
                ("ingest detection split", s["ingest"].get("detection_split_s", {})),
                (
                    "incremental detection split",
                    s["incremental"].get("detection_split_s_total", {}),
                ),
                ("/disputes split", s["disputes_api"].get("split_s_total", {})),
            ):
                if d:
                    console.print(
                        f"  {s['size']:,}: {label} (s, total): "
                        + ", ".join(f"{k} {v:.1f}" for k, v in d.items())
                    )
            if s["incremental"]["first_errors"] or s["disputes_api"]["errors"]:
                console.print(
                    f"  errors: {s['incremental']['first_errors']} {s['disputes_api']['errors']}"
                )
    cmp_ = results.get("rdflib")
    if cmp_:
        if "skipped" in cmp_:
            console.print(f"rdflib comparison: skipped: {cmp_['skipped']}")
            return
        t = Table(
            title=f"Same rule text, Oxigraph vs rdflib, {cmp_['size']:,} claims "
            f"({cmp_['quads']:,} quads)"
        )
        for c in (
            "query",
            "Oxigraph (s, median of 3)",
            "rdflib (s, 1 run)",
            "rdflib / Oxigraph",
            "rows ox / rdflib",
        ):
            t.add_column(c, justify="left" if c == "query" else "right")
        t.add_row(
            "load N-Quads",
            f"{cmp_['oxigraph_load_s']:.2f}",
            f"{cmp_['rdflib_load_s']:.2f}" if cmp_["rdflib_load_s"] is not None else "-",
            f"{cmp_['rdflib_load_s'] / cmp_['oxigraph_load_s']:,.0f}x"
            if cmp_["rdflib_load_s"]
            else "-",
            "",
        )
        for q in cmp_["queries"]:
            if "rdflib_s_single_run" in q:
                t.add_row(
                    q["query"],
                    f"{q['oxigraph_s_median3']:.4f}",
                    f"{q['rdflib_s_single_run']:.2f}",
                    f"{q['ratio_rdflib_over_oxigraph']:,.0f}x",
                    f"{q['oxigraph_rows']} / {q['rdflib_rows']}",
                )
            else:
                t.add_row(
                    q["query"],
                    f"{q['oxigraph_s_median3']:.4f}",
                    q["rdflib"],
                    "-",
                    f"{q['oxigraph_rows']} / -",
                )
        console.print(t)


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[10_000, 100_000],
        help="claim counts to run (e.g. 10000 100000 1000000)",
    )
    p.add_argument("--conflict-rate", type=float, default=0.05)
    p.add_argument("--quick", action="store_true", help="smoke run: 2,000 claims only")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--batch", type=int, default=1000, help="claims per import_dataset call")
    p.add_argument("--incremental", type=int, default=200, help="claims submitted one by one")
    p.add_argument("--requests", type=int, default=50, help="/disputes requests")
    p.add_argument("--rdflib-size", type=int, default=2000, help="0 skips the rdflib comparison")
    p.add_argument("--rdflib-timeout", type=float, default=120.0, help="seconds per rdflib query")
    p.add_argument(
        "--disputes-budget", type=float, default=600.0, help="seconds for the /disputes phase"
    )
    p.add_argument(
        "--protocol-size", type=int, default=5000,
        help="claims for the /sparql and remote-backend comparison (0 skips it)",
    )
    p.add_argument(
        "--disputes-sizes", type=int, nargs="*", default=[100_000],
        help="claim scales for the /disputes page bench on a synthesized dispute layer "
        "(bench/disputes.py; none skips it)",
    )
    p.add_argument("--out", type=Path, default=RESULTS)
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    p.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    os.chdir(ROOT)

    if args.child is not None:
        with tempfile.TemporaryDirectory(prefix="claimgraph-bench-") as tmp:
            res = run_size(
                args.child,
                args.conflict_rate,
                args.seed,
                args.batch,
                args.incremental,
                args.requests,
                Path(tmp),
                args.disputes_budget,
            )
        args.child_out.write_text(json.dumps(res, indent=2), encoding="utf-8")
        return 0

    sizes = [2000] if args.quick else args.sizes
    if args.quick:  # a smoke run: fewer samples, shorter limits
        args.incremental = min(args.incremental, 40)
        args.requests = min(args.requests, 10)
        args.disputes_budget = min(args.disputes_budget, 120.0)
        args.rdflib_timeout = min(args.rdflib_timeout, 30.0)
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "conflict_rate": args.conflict_rate,
        "seed": args.seed,
        "batch_claims": args.batch,
        "python": sys.version.split()[0],
        "sizes": [],
        "failed": [],
    }
    for n in sizes:
        log(f"size {n:,}: starting child process")
        with tempfile.TemporaryDirectory(prefix="claimgraph-bench-") as tmp:
            child_out = Path(tmp) / "result.json"
            t0 = time.perf_counter()
            rc = subprocess.call(
                [
                    sys.executable,
                    "-m",
                    "bench",
                    "--child",
                    str(n),
                    "--child-out",
                    str(child_out),
                    "--conflict-rate",
                    str(args.conflict_rate),
                    "--seed",
                    str(args.seed),
                    "--batch",
                    str(args.batch),
                    "--incremental",
                    str(args.incremental),
                    "--requests",
                    str(args.requests),
                    "--disputes-budget",
                    str(args.disputes_budget),
                ],
                cwd=ROOT,
            )
            if rc != 0 or not child_out.exists():
                log(f"size {n:,}: child failed with exit code {rc}")
                results["failed"].append({"size": n, "exit_code": rc})
                continue
            res = json.loads(child_out.read_text(encoding="utf-8"))
            res["wall_s"] = time.perf_counter() - t0
            results["sizes"].append(res)
    if args.rdflib_size:
        log(f"rdflib comparison at {args.rdflib_size:,} claims")
        with tempfile.TemporaryDirectory(prefix="claimgraph-bench-") as tmp:
            results["rdflib"] = run_rdflib_comparison(
                args.rdflib_size, args.conflict_rate, args.seed, args.rdflib_timeout, Path(tmp)
            )
    if args.protocol_size:
        from bench import protocol

        log(f"SPARQL endpoint and remote backend at {args.protocol_size:,} claims")
        results["protocol"] = protocol.run(args.protocol_size)
    if args.disputes_sizes:
        from bench import disputes

        log(f"/disputes pages on a synthesized dispute layer at {args.disputes_sizes}")
        results["disputes_pages"] = disputes.run(args.disputes_sizes)
    log("extraction and POST /articles (text -> claims)")
    from bench import articles

    results["ingest"] = articles.run()
    results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print_report(results)
    if "protocol" in results:
        from bench import protocol

        print(protocol.report(results["protocol"]))
    if "disputes_pages" in results:
        from bench import disputes

        for figures in results["disputes_pages"].values():
            disputes.print_size(figures)
    print(articles.report(results["ingest"]))
    print(f"figures written to {args.out}")
    return 1 if results["failed"] else 0
