"""The read-only SPARQL 1.1 query endpoint (Protocol: GET, form POST, direct POST)."""

from __future__ import annotations

import asyncio
import re
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from rdflib import URIRef
from starlette.concurrency import run_in_threadpool

from app.api.deps import StateDep
from app.api.negotiation import choose
from app.model.errors import BadQuery, Forbidden, QueryTimeout, UnsupportedMediaType
from app.model.iri import is_iri
from app.store.results import (
    GRAPH_FORMATS,
    RESULT_FORMATS,
    SHORT_NAMES,
    describe_service,
    serialize,
)
from app.store.updates import calls_remote_service

router = APIRouter(tags=["sparql"])

_UPDATE = re.compile(
    r"^\s*(?:(?:PREFIX\s+\S*:\s*<[^>]*>|BASE\s+<[^>]*>)\s*)*"
    r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
    re.IGNORECASE,
)
_COMMENT = re.compile(r"(?m)^\s*#.*$")
_SELECT_TYPES = [
    "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
    "text/tab-separated-values", "application/json", "application/xml",
]
_ASK_TYPES = ["application/sparql-results+json", "application/sparql-results+xml",
              "application/json", "application/xml"]
_GRAPH_TYPES = list(GRAPH_FORMATS)

DOC = (
    "SPARQL 1.1 query. Pass the query as `query` (GET or form POST) or as an "
    "`application/sparql-query` body. Results: JSON, XML, CSV or TSV for SELECT; JSON or XML "
    "for ASK; Turtle, N-Triples, JSON-LD or RDF/XML for CONSTRUCT and DESCRIBE, chosen by "
    "`Accept` or overridden by `format=`. Read-only: updates are refused with 403."
)


@router.get("/sparql", summary="SPARQL query (GET)", description=DOC)
async def sparql_get(
    request: Request,
    state: StateDep,
    query: Annotated[str | None, Query()] = None,
    default_graph_uri: Annotated[list[str] | None, Query(alias="default-graph-uri")] = None,
    named_graph_uri: Annotated[list[str] | None, Query(alias="named-graph-uri")] = None,
    format: Annotated[str | None, Query()] = None,
) -> Response:
    """Run a query given in the URL."""
    if request.query_params.get("update") is not None:
        raise Forbidden("SPARQL Update is not accepted at /sparql; this endpoint is read-only")
    if query is None:
        return service_description(request, state)
    if len(request.query_params.getlist("query")) > 1:
        raise BadQuery("give exactly one 'query' parameter")
    return await _run(request, state, query, default_graph_uri or [], named_graph_uri or [], format)


@router.post("/sparql", summary="SPARQL query (POST)", description=DOC)
async def sparql_post(request: Request, state: StateDep) -> Response:
    """Run a query sent as a form or as an application/sparql-query body."""
    content_type, _, parameters = request.headers.get("content-type", "").partition(";")
    content_type = content_type.strip().lower()
    charset = _charset(parameters)
    if charset not in (None, "utf-8", "utf8"):
        raise UnsupportedMediaType(f"SPARQL requests must be UTF-8, not {charset}")
    params = request.query_params
    if content_type == "application/sparql-update":
        raise Forbidden("SPARQL Update is not accepted at /sparql; this endpoint is read-only")
    if content_type == "application/x-www-form-urlencoded":
        form = await request.form()
        if form.get("update") is not None:
            raise Forbidden("SPARQL Update is not accepted at /sparql; this endpoint is read-only")
        queries = form.getlist("query")
        if len(queries) != 1 or not isinstance(queries[0], str):
            raise BadQuery("give exactly one 'query' parameter")
        default = [str(v) for v in form.getlist("default-graph-uri")]
        named = [str(v) for v in form.getlist("named-graph-uri")]
        fmt = form.get("format") or params.get("format")
        return await _run(request, state, queries[0], default, named, str(fmt) if fmt else None)
    if content_type == "application/sparql-query":
        body = await request.body()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadQuery("the query body is not valid UTF-8") from exc
        return await _run(
            request, state, text, params.getlist("default-graph-uri"),
            params.getlist("named-graph-uri"), params.get("format"),
        )
    raise UnsupportedMediaType(
        "POST a form (application/x-www-form-urlencoded) with 'query', or an "
        f"application/sparql-query body; got content type {content_type or 'none'!r}"
    )


def _charset(parameters: str) -> str | None:
    for part in parameters.split(";"):
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def service_description(request: Request, state: StateDep) -> Response:
    """The SPARQL 1.1 Service Description, answered when no query is given."""
    endpoint = str(request.url.remove_query_params(list(request.query_params)))
    media = choose(request.headers.get("accept"), _GRAPH_TYPES)
    body = describe_service(endpoint, state.settings.union_default_graph, media)
    return Response(body, media_type=media, headers={"Vary": "Accept"})


async def _run(
    request: Request, state: StateDep, query: str, default: list[str], named: list[str],
    fmt: str | None,
) -> Response:
    if not query.strip():
        raise BadQuery("the query is empty")
    if _UPDATE.match(_COMMENT.sub("", query)):
        raise Forbidden("SPARQL Update is not accepted at /sparql; this endpoint is read-only")
    if calls_remote_service(query):
        raise Forbidden("SERVICE (federated query) is disabled: this server does not fetch URLs")
    for name, graphs in (("default-graph-uri", default), ("named-graph-uri", named)):
        for graph in graphs:
            if not is_iri(graph):
                raise BadQuery(f"{name} must be an absolute IRI, got {graph!r}")
    settings = state.settings
    try:
        result = await asyncio.wait_for(
            run_in_threadpool(
                state.store.run_user_query, query, max_rows=settings.sparql_max_rows,
                timeout_s=settings.sparql_timeout_s,
                union_default_graph=settings.union_default_graph,
                default_graphs=[URIRef(g) for g in default],
                named_graphs=[URIRef(g) for g in named],
                base_iri=str(request.url.remove_query_params(list(request.query_params))),
            ),
            # The store enforces the limit itself (killing the worker when queries are
            # isolated); this is only a backstop so a request never hangs.
            timeout=settings.sparql_timeout_s + 5,
        )
    except TimeoutError as exc:
        raise QueryTimeout(f"the query ran past the {settings.sparql_timeout_s:g} s limit") from exc
    offered = {"select": _SELECT_TYPES, "ask": _ASK_TYPES, "graph": _GRAPH_TYPES}[result.kind]
    if fmt:
        media = SHORT_NAMES.get(fmt.lower(), fmt.lower())
        if media not in offered:
            raise BadQuery(f"format {fmt!r} is not available for this query", available=offered)
    else:
        media = choose(request.headers.get("accept"), offered)
    body = serialize(result, media)
    headers = {"Vary": "Accept"}
    if result.truncated:
        headers["X-Claimgraph-Truncated"] = f"true; limit={settings.sparql_max_rows}"
    textual = media.startswith("text/") or "json" in media or "xml" in media
    charset = "; charset=utf-8" if textual else ""
    return Response(body, media_type=media + charset, headers=headers)


__all__ = ["RESULT_FORMATS", "router"]
