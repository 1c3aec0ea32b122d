"""Figures for ``/metrics``: the store's size, read at scrape time, and counters of what
ingest and detection did since the process started.

The counters are prometheus_client objects that belong to no registry. Each claim service
holds its own set, and each app reads them into its own registry through a collector, so
many apps and services in one process (the tests) never clash over a global registry."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client import Counter, Histogram
from prometheus_client.metrics_core import Metric

from app.store.base import GraphStore
from app.store.queries import load_query


@dataclass(frozen=True)
class StoreSize:
    """How big the graph is."""

    quads: int
    claims: int
    contradictions: int


def store_size(store: GraphStore) -> StoreSize:
    """Count quads, claims and contradictions now. Claims and contradictions are index
    counts; the quad count is the store's own (a full scan on Oxigraph, about 0.4 s per
    million quads here), the same figure ``/health`` reports."""
    rows = store.select(load_query("count_claims"))
    row = rows[0] if rows else {}
    return StoreSize(
        quads=store.count(),
        claims=int(str(row.get("claims", 0))),
        contradictions=int(str(row.get("contradictions", 0))),
    )


class Counters:
    """What ingest and detection did in this process (reset at restart; Prometheus's
    ``rate()`` and ``increase()`` expect that)."""

    def __init__(self) -> None:
        self.articles = Counter(
            "claimgraph_articles_ingested", "Articles through the ingest pipeline, by outcome "
            "(ingested, new-version, unchanged).", ["status"], registry=None,
        )
        self.claims = Counter(
            "claimgraph_claims_stored", "New claims written (POST /claims, articles, imports).",
            registry=None,
        )
        self.skipped = Counter(
            "claimgraph_statements_skipped", "Extracted statements that made no stored claim: "
            "no_claim (no resolved speaker, or not a proposition), invalid (the claim could "
            "not be built or failed its shapes).", ["reason"], registry=None,
        )
        self.detection_runs = Counter(
            "claimgraph_detection_runs", "Detection passes: incremental (new claims) or full "
            "(repair).", ["mode"], registry=None,
        )
        self.contradictions = Counter(
            "claimgraph_contradictions_found", "New contradictions stored by detection.",
            registry=None,
        )
        self.detection_seconds = Histogram(
            "claimgraph_detection_duration_seconds", "Time of one detection pass.", ["mode"],
            registry=None, buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
                                    30, 60, 300, 1800),
        )
        for status in ("ingested", "new-version", "unchanged"):
            self.articles.labels(status)
        for reason in ("no_claim", "invalid"):
            self.skipped.labels(reason)
        for mode in ("incremental", "full"):
            self.detection_runs.labels(mode)
            self.detection_seconds.labels(mode)

    def article(self, status: str, *, no_claim: int, invalid: int) -> None:
        """One article went through ingest."""
        self.articles.labels(status).inc()
        self.skipped.labels("no_claim").inc(no_claim)
        self.skipped.labels("invalid").inc(invalid)

    def detected(self, mode: str, new_contradictions: int, seconds: float) -> None:
        """One detection pass finished."""
        self.detection_runs.labels(mode).inc()
        self.contradictions.inc(new_contradictions)
        self.detection_seconds.labels(mode).observe(seconds)

    def collect(self) -> Iterator[Metric]:
        """Every counter's current samples, for an app's collector."""
        for metric in (self.articles, self.claims, self.skipped, self.detection_runs,
                       self.contradictions, self.detection_seconds):
            yield from metric.collect()
