"""The app factory: settings in, a FastAPI app out. Nothing runs at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app import __version__
from app.api import articles, claims, disputes, health, reviews, sources, sparql, store_protocol
from app.api.deps import AppState
from app.config import Settings
from app.detect.service import ClaimService
from app.model.errors import DomainError
from app.store import open_store
from app.store.base import GraphStore
from app.web import pages

log = logging.getLogger("claimgraph")

SEED_FILES = ("voa-hajin-2018-12.trig",)


def build_state(settings: Settings) -> AppState:
    """Open the store, install the vocabulary, and load the seed into a new store."""
    store = open_store(
        settings.store, query_url=settings.sparql_query_url,
        update_url=settings.sparql_update_url, timeout_s=settings.remote_timeout_s,
        isolate_queries=settings.sparql_isolation,
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


def create_app(settings: Settings | None = None, state: AppState | None = None) -> FastAPI:
    """Build the app. Tests pass their own settings (and may share a state)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.claimgraph = state or build_state(settings)
        try:
            yield
        finally:
            if state is None:
                app.state.claimgraph.store.close()

    app = FastAPI(
        title="claimgraph",
        version=__version__,
        summary="Attributed claims as RDF with provenance, and the contradictions between sources.",
        lifespan=lifespan,
    )
    if state is not None:
        app.state.claimgraph = state

    @app.middleware("http")
    async def limit_body(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > settings.max_body_bytes:
            return JSONResponse(
                {"error": "payload_too_large",
                 "message": f"the request body is over the {settings.max_body_bytes} byte limit"},
                status_code=413,
            )
        return await call_next(request)

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
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"] if p != "body") or "body"
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
    return app
