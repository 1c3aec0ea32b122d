"""The app factory: settings in, a FastAPI app out. Nothing runs at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import __version__
from app.api import articles, claims, disputes, health, reviews, sources, sparql, store_protocol
from app.api.deps import AppState
from app.api.metrics import install as install_metrics
from app.api.openapi import document_errors
from app.config import Settings
from app.detect.service import ClaimService
from app.model.errors import DomainError
from app.store import names, open_store
from app.store.base import GraphStore
from app.store.dispute_index import index_of
from app.store.engines import RemoteConfig
from app.store.sandbox import CLIENT
from app.web import pages

log = logging.getLogger("claimgraph")

SEED_FILES = ("voa-hajin-2018-12.trig",)
WRITER_STOP_S = 30.0  # how long shutdown waits for the claim writer to finish its queue
# Sync endpoints run in anyio's worker threads, 40 by default: under load, 40 readers that
# contend for the GIL with the one claim writer, which then gets about 1/41 of it. The server
# is CPU-bound, so fewer threads serve reads as fast and leave the writer a real share.
READ_THREADS = 8


def build_state(settings: Settings) -> AppState:
    """Open the store, install the vocabulary, and load the seed into a new store."""
    store = open_store(
        settings.store, query_url=settings.sparql_query_url,
        update_url=settings.sparql_update_url, timeout_s=settings.remote_timeout_s,
        isolate_queries=settings.sparql_isolation, remote=RemoteConfig.from_settings(settings),
    )
    service = ClaimService(store, settings.ontology_dir)
    service.bootstrap()
    if settings.seed and is_empty(store, service):
        for name in SEED_FILES:
            service.import_dataset(settings.seed_dir / name)
            log.info("loaded seed %s", name)
    return AppState(settings=settings, store=store, service=service)


def is_empty(store: GraphStore, service: ClaimService) -> bool:
    """True when the store holds no claims yet."""
    return not service.detector.db.all_claims()


class BodyLimit:
    """Refuse request bodies over the limit with 413, whether or not they announce their size
    (a chunked upload is counted as it arrives and cut off at the limit)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(send)
            return
        if length.isdigit() or scope["method"] in ("GET", "HEAD", "DELETE", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        # No declared length (chunked): read up to the limit here, then hand the body on.
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([body], receive), send)

    async def _refuse(self, send: Send) -> None:
        response = JSONResponse(
            {"error": "payload_too_large",
             "message": f"the request body is over the {self.max_bytes} byte limit"},
            status_code=413,
        )
        await response({"type": "http"}, _no_receive, send)


class QueryClient:
    """Tell the query worker pool who is asking, so that it schedules fairly per client
    (app.store.sandbox.CLIENT): the client's address as the server sees it. Behind a reverse
    proxy, run uvicorn with ``--proxy-headers`` so that this is the real client."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        token = CLIENT.set(str(client[0]) if client else "unknown")
        try:
            await self.app(scope, receive, send)
        finally:
            CLIENT.reset(token)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def _replay(messages: list[Message], then: Receive) -> Receive:
    """A receive callable that yields these messages, then hands over to ``then``."""
    pending = list(messages)

    async def receive() -> Message:
        return pending.pop(0) if pending else await then()

    return receive


def create_app(settings: Settings | None = None, state: AppState | None = None) -> FastAPI:
    """Build the app. Tests pass their own settings (and may share a state)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.claimgraph = state or build_state(settings)
        to_thread.current_default_thread_limiter().total_tokens = READ_THREADS
        if state is None:
            # the dispute list's index takes seconds to build on a large store: build it now,
            # in the background, rather than in the first reader's request
            index = index_of(app.state.claimgraph.store)
            if index is not None:
                index.warm()
            names.index_of(app.state.claimgraph.store).warm()  # the queue's type-ahead
        try:
            yield
        finally:
            if state is None:
                # claims still waiting for the writer are stored (or, past the time limit,
                # failed unstored) before the store closes; never closed under a write
                if app.state.claimgraph.commits.stop(timeout=WRITER_STOP_S):
                    app.state.claimgraph.store.close()
                else:
                    log.warning("a claim write was still running after %s s; the store is "
                                "left to close at exit", WRITER_STOP_S)

    app = FastAPI(
        title="claimgraph",
        version=__version__,
        summary="Attributed claims as RDF with provenance, and the contradictions between sources.",
        lifespan=lifespan,
    )
    if state is not None:
        app.state.claimgraph = state

    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(QueryClient)
    install_metrics(app)  # its own registry; outside BodyLimit, so 413s are counted

    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(
            exc.to_json(), status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors: list[dict[str, Any]] = [
            {"loc": list(e.get("loc", [])), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        # the deepest error names the problem: for a value that may be a string or an
        # interval, "exact: must be finite" rather than "must be a string"
        first = max(errors, key=lambda e: len(e["loc"])) if errors else {
            "loc": [], "msg": "invalid request"}
        # union branches ("function-after[…]", "constrained-str") are pydantic's, not fields
        where = ".".join(str(p) for p in first["loc"] if p != "body" and not (
            isinstance(p, str) and ("[" in p or p.startswith("constrained-")))) or "body"
        return JSONResponse(
            {"error": "invalid", "message": f"{where}: {first['msg']}", "detail": errors},
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"error": "http_error", "message": str(exc.detail)}, status_code=exc.status_code
        )

    for module in (
        health, disputes, claims, sources, sparql, articles, reviews, store_protocol, pages,
    ):
        app.include_router(module.router)

    build_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(build_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
