"""GET /metrics: Prometheus text format, one registry per app.

HTTP figures come from prometheus-fastapi-instrumentator, labelled by route template
(``/claims/{claim_id}``), never by raw path; unmatched paths are grouped as ``none``. The
store's size and disputes by state are read at scrape time; ingest and detection counters
are kept by the claim service. Public, like /health: the figures are counts that the
public read endpoints already reveal."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_fastapi_instrumentator import Instrumentator
from prometheus_fastapi_instrumentator import metrics as http_metrics
from starlette.datastructures import URL

from app.analysis import reports
from app.api.deps import AppState
from app.store.metrics import store_size

log = logging.getLogger("claimgraph")

router = APIRouter(tags=["operations"])


def install(app: FastAPI) -> CollectorRegistry:
    """Give ``app`` its own registry, HTTP instrumentation and the /metrics route. Call it
    after the other middleware, so that their answers (413 …) are counted too."""
    registry = CollectorRegistry()
    instrumentator = Instrumentator(registry=registry, excluded_handlers=["^/metrics$"])
    default = http_metrics.default(registry=registry)
    assert default is not None  # None only when metrics are switched off by env var
    instrumentator.add(_bounded(default)).instrument(app)
    registry.register(StoreCollector(app))
    app.state.metrics_registry = registry
    app.include_router(router)
    return registry


def _bounded(inner: Callable[[http_metrics.Info], None]) -> Callable[[http_metrics.Info], None]:
    """Group Starlette's trailing-slash redirects with unmatched paths. For a path that no
    route matches but that would match with its final slash toggled, the instrumentator
    labels the raw path (``/claims/anything/``), which has no bound."""

    def instrumentation(info: http_metrics.Info) -> None:
        response = info.response
        if response is not None and response.status_code in (307, 308):
            path = info.request.url.path
            target = URL(response.headers.get("location", "")).path
            if target != path and target.rstrip("/") == path.rstrip("/"):
                info.modified_handler = "none"
        inner(info)

    return instrumentation


class StoreCollector(Collector):
    """Scrape-time figures of the app's store, and its claim service's counters. A failing
    store never fails the scrape: ``claimgraph_store_up`` drops to 0 instead."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        """Counters, store size and disputes by state."""
        up = GaugeMetricFamily("claimgraph_store_up", "1 when the store answered this scrape.")
        state: AppState | None = getattr(self.app.state, "claimgraph", None)
        if state is None:  # not started yet
            up.add_metric([], 0)
            yield up
            return
        yield from state.service.counters.collect()
        try:
            size = store_size(state.store)
            builder = state.service.builder
            disputes = {
                status: reports.list_disputes(
                    state.store, builder, subject=None, source=None, type_=None,
                    status=status, offset=0, limit=0,
                ).total
                for status in reports.STATUSES
            }
        except Exception:  # a scrape reports the failure; it never becomes a 500
            log.exception("metrics: the store did not answer")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for name, value, text in (
            ("claimgraph_store_quads", size.quads, "Quads in the store (all graphs)."),
            ("claimgraph_store_claims", size.claims, "Claims stored (one named graph each)."),
            ("claimgraph_store_contradictions", size.contradictions,
             "Contradictions stored."),
        ):
            yield GaugeMetricFamily(name, text, value=value)
        by_state = GaugeMetricFamily(
            "claimgraph_disputes", "Current disputes (merged ones not counted), by review state.",
            labels=["state"],
        )
        for status, count in disputes.items():
            by_state.add_metric([status], count)
        yield by_state


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics(request: Request) -> Response:
    """Prometheus metrics: HTTP requests and latency by route template, store size, disputes
    by state, ingest and detection counters. OpenMetrics when the scraper asks for it."""
    registry: CollectorRegistry = request.app.state.metrics_registry
    encoder, media_type = choose_encoder(request.headers.get("accept", ""))
    try:
        body = encoder(registry)
    except Exception:  # never a 5xx: say so in the exposition format itself
        log.exception("metrics: exposition failed")
        body = b"# claimgraph: metrics could not be collected, see the server log\n"
    return Response(body, media_type=media_type)
