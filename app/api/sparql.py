"""The read-only SPARQL 1.1 query endpoint (Protocol: GET, form POST, direct POST)."""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Iterable

from anyio import CapacityLimiter, to_thread
from anyio.lowlevel import RunVar
from fastapi import APIRouter, Request, Response
from rdflib import URIRef

from app.api.deps import AppState
from app.api.negotiation import choose
from app.model.errors import (
    BadQuery,
    Forbidden,
    NotAcceptable,
    QueryTimeout,
    UnsupportedMediaType,
)
from app.model.iri import is_iri
from app.store.results import (
    FORMAT_NAMES,
    GRAPH_FORMATS,
    MEDIA_ALIASES,
    OFFERED,
    RESULT_FORMATS,
    describe_service,
    format_media,
    serialize,
)
from app.store.sandbox import ANSWER, Answer
from app.store.updates import calls_remote_service

router = APIRouter(tags=["sparql"])

_UPDATE = re.compile(
    r"^\s*(?:(?:PREFIX\s+\S*:\s*<[^>]*>|BASE\s+<[^>]*>)\s*)*"
    r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
    re.IGNORECASE,
)
_COMMENT = re.compile(r"(?m)^\s*#.*$")
_GRAPH_TYPES = list(GRAPH_FORMATS)
# Parameters that name a result format: `format` (Virtuoso, Fuseki), `output` (Sesame,
# sparqler), `results`; SPARQLWrapper sends all three, some twice.
FORMAT_PARAMETERS = ("format", "output", "results")
_FORM_NAMES = {"select": "SELECT", "ask": "ASK", "graph": "CONSTRUCT or DESCRIBE"}

# Oxigraph parses and evaluates recursively: a query nested thousands of levels deep, or a
# chain of hundreds of OPTIONALs or path steps, overflows the stack of the process running
# it. These limits are checked on the text before the engine sees it (the engine ran 2,000
# nested groups, 200 OPTIONALs, 500 path steps and 8,000 `||` in tests; it crashed beyond).
MAX_NESTING = 128  # { ( [ open at once
MAX_CHAINED = 128  # OPTIONAL, UNION, MINUS and '/' (path sequence, division) in one query
MAX_OPERATORS = 2000  # || && + - * | in one query
_TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""' r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"' r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'  # an IRI, or a '<' operator before something IRI-like
    r"|#[^\n\r]*"  # a comment
    r"|\\[^(){}\[\]]"  # an escape in a prefixed name (ex:a\#b); a bracket still counts
    r"|[(){}\[\]/]|\|\||&&|[-+*|]"
    r"|\b(?:OPTIONAL|UNION|MINUS)\b",
    re.IGNORECASE,
)

# Queries wait in threads of their own, not in the pool the app's other sync endpoints share
# (app.main.READ_THREADS, a few): a thread here mostly waits, on a query worker's pipe or for
# its client's turn (one query per client at a time), and holds no GIL meanwhile. In the
# shared pool, one client's queued runaway queries took every thread and other clients'
# queries and pages waited out the time limit. 40 is anyio's default pool size, what
# /sparql had before the shared pool was made small.
QUERY_THREADS = 40
_query_threads: RunVar[CapacityLimiter] = RunVar("sparql_query_threads")

DOC = (
    "SPARQL 1.1 query. Pass the query as `query` (GET or form POST) or as an "
    "`application/sparql-query` body. Results: JSON, XML, CSV or TSV for SELECT; JSON or XML "
    "for ASK; Turtle, N-Triples, JSON-LD or RDF/XML for CONSTRUCT and DESCRIBE, chosen by "
    "`Accept` or overridden by `format=`. Read-only: updates are refused with 403."
)


def _listed(name: str, description: str) -> dict[str, object]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "array", "items": {"type": "string"}}}


# The GET parameters are read from the query string by hand and documented here: FastAPI's
# validation of four optional parameters cost ~0.3 ms a query.
GET_PARAMETERS = [
    {"name": "query", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "the SPARQL query (exactly one); without it, the service description"},
    _listed("default-graph-uri", "the default graph's IRIs (the dataset of the query)"),
    _listed("named-graph-uri", "the named graphs' IRIs (the dataset of the query)"),
    _listed("format", "result format: json, xml, csv, tsv, turtle (or n3), nt, json-ld, "
            "rdf+xml, or a media type; also read from `output` and `results`; a repeated or "
            "comma-separated value means the first one this query form supports"),
]


# Refused, whatever the client's role (app.api.openapi documents the other error statuses).
REFUSED = {"403": {
    "description": "SPARQL Update, or SERVICE (a federated query): this endpoint is read-only "
                   "and fetches no URLs.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}}


@router.get("/sparql", summary="SPARQL query (GET)", description=DOC,
            openapi_extra={"parameters": GET_PARAMETERS, "responses": REFUSED})
async def sparql_get(request: Request) -> Response:
    """Run a query given in the URL."""
    state = _state(request)
    params = request.query_params
    if params.get("update") is not None:
        raise Forbidden("SPARQL Update is not accepted at /sparql; this endpoint is read-only")
    queries = params.getlist("query")
    if not queries:
        return service_description(request, state)
    if len(queries) > 1:
        raise BadQuery("give exactly one 'query' parameter")
    formats = _format_values(params.getlist(n) for n in FORMAT_PARAMETERS)
    return await _run(
        request, state, queries[0], params.getlist("default-graph-uri"),
        params.getlist("named-graph-uri"), formats,
    )


@router.post("/sparql", summary="SPARQL query (POST)", description=DOC,
             openapi_extra={"responses": REFUSED})
async def sparql_post(request: Request) -> Response:
    """Run a query sent as a form or as an application/sparql-query body."""
    state = _state(request)
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
        formats = _format_values(
            [[v for v in form.getlist(n) if isinstance(v, str)] for n in FORMAT_PARAMETERS]
            + [params.getlist(n) for n in FORMAT_PARAMETERS]
        )
        return await _run(request, state, queries[0], default, named, formats)
    if content_type == "application/sparql-query":
        body = await request.body()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadQuery("the query body is not valid UTF-8") from exc
        return await _run(
            request, state, text, params.getlist("default-graph-uri"),
            params.getlist("named-graph-uri"),
            _format_values(params.getlist(n) for n in FORMAT_PARAMETERS),
        )
    raise UnsupportedMediaType(
        "POST a form (application/x-www-form-urlencoded) with 'query', or an "
        f"application/sparql-query body; got content type {content_type or 'none'!r}"
    )


def _state(request: Request) -> AppState:
    """The app's state. Read here rather than through the shared dependency: FastAPI runs a
    plain-function dependency in its thread pool, a thread hop that cost ~0.4 ms a query
    (more on a busy machine)."""
    state: AppState = request.app.state.claimgraph
    return state


def _format_values(groups: Iterable[list[str]]) -> list[str]:
    """Every requested format, in order, comma lists split and empty values dropped."""
    return [v.strip() for group in groups for value in group for v in value.split(",") if v.strip()]


def check_nesting(text: str) -> None:
    """Refuse a query or update nested or chained past the limits above (BadQuery, 400).

    Strings and comments are skipped; brackets inside anything that looks like an IRI still
    count, since the engine may read its '<' as an operator (over-counting is the safe side)."""
    depth = deepest = chained = operators = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        head = token[0]
        if head in "\"'#\\":
            continue
        if head == "<" and len(token) > 1:
            step = peak = 0
            for char in token:
                step += char in "({[" or -(char in ")}]")
                peak = max(peak, step)
            deepest = max(deepest, depth + peak)
            depth += max(step, 0)
        elif head in "({[":
            depth += 1
            deepest = max(deepest, depth)
        elif head in ")}]":
            depth = max(depth - 1, 0)
        elif head == "/" or head.isalpha():
            chained += 1
        else:
            operators += 1
        if deepest > MAX_NESTING:
            raise BadQuery(
                "the request nests groups, brackets or parentheses more than "
                f"{MAX_NESTING} levels deep (this server's limit)",
                limit=MAX_NESTING,
            )
    if chained > MAX_CHAINED:
        raise BadQuery(
            f"the request chains {chained} OPTIONAL, UNION, MINUS or '/' (path step or "
            f"division); this server's limit is {MAX_CHAINED}", limit=MAX_CHAINED,
        )
    if operators > MAX_OPERATORS:
        raise BadQuery(
            f"the request has {operators} operators (|| && + - * |); this server's limit is "
            f"{MAX_OPERATORS}", limit=MAX_OPERATORS,
        )


def _charset(parameters: str) -> str | None:
    for part in parameters.split(";"):
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def service_description(request: Request, state: AppState) -> Response:
    """The SPARQL 1.1 Service Description, answered when no query is given."""
    endpoint = _base_iri(request)
    media = choose(request.headers.get("accept"), _GRAPH_TYPES)
    body = describe_service(endpoint, state.settings.union_default_graph, media)
    return Response(body, media_type=media, headers={"Vary": "Accept"})


async def _run(
    request: Request, state: AppState, query: str, default: list[str], named: list[str],
    formats: list[str],
) -> Response:
    if not query.strip():
        raise BadQuery("the query is empty")
    check_nesting(query)
    if _UPDATE.match(_COMMENT.sub("", query)):
        raise Forbidden("SPARQL Update is not accepted at /sparql; this endpoint is read-only")
    if calls_remote_service(query):
        raise Forbidden("SERVICE (federated query) is disabled: this server does not fetch URLs")
    for name, graphs in (("default-graph-uri", default), ("named-graph-uri", named)):
        for graph in graphs:
            if not is_iri(graph):
                raise BadQuery(f"{name} must be an absolute IRI, got {graph!r}")
    settings = state.settings
    accept = request.headers.get("accept")
    # the query worker writes a SELECT or ASK answer in the negotiated format itself
    answer = Answer({kind: media for kind in ("select", "ask")
                     if (media := _media_or_none(kind, formats, accept)) is not None})
    token = ANSWER.set(answer)
    try:
        # The store enforces the limit itself (killing the worker when queries are
        # isolated); this is only a backstop so a request never hangs. (A timeout block,
        # not wait_for: no extra task per query.)
        async with asyncio.timeout(settings.sparql_timeout_s + 5):
            result = await to_thread.run_sync(functools.partial(
                state.store.run_user_query, query, max_rows=settings.sparql_max_rows,
                timeout_s=settings.sparql_timeout_s,
                union_default_graph=settings.union_default_graph,
                default_graphs=[URIRef(g) for g in default],
                named_graphs=[URIRef(g) for g in named],
                base_iri=_base_iri(request),
            ), limiter=_threads())
    except TimeoutError as exc:
        raise QueryTimeout(f"the query ran past the {settings.sparql_timeout_s:g} s limit") from exc
    finally:
        ANSWER.reset(token)
    media = _media(result.kind, formats, accept)
    if answer.body is not None and answer.kind == result.kind:
        body = answer.body
    else:
        body = serialize(result, media)
    headers = {"Vary": "Accept"}
    if result.truncated:
        headers["X-Claimgraph-Truncated"] = f"true; limit={settings.sparql_max_rows}"
    textual = media.startswith("text/") or "json" in media or "xml" in media
    charset = "; charset=utf-8" if textual else ""
    return Response(body, media_type=media + charset, headers=headers)


def _threads() -> CapacityLimiter:
    """This event loop's pool of query threads."""
    try:
        return _query_threads.get()
    except LookupError:
        limiter = CapacityLimiter(QUERY_THREADS)
        _query_threads.set(limiter)
        return limiter


def _base_iri(request: Request) -> str:
    """The endpoint's own IRI (no query string): the base of relative IRIs in a query."""
    url = request.url
    return f"{url.scheme}://{url.netloc}{url.path}"


def _media_or_none(kind: str, formats: list[str], accept: str | None) -> str | None:
    try:
        return _media(kind, formats, accept)
    except (BadQuery, NotAcceptable):  # raised again, if this is the query's form
        return None


def _media(kind: str, formats: list[str], accept: str | None) -> str:
    """The answer's media type: the first requested format this query form has, else by
    Accept. A format parameter naming nothing this form has is a 400 (not a guess)."""
    offered = OFFERED[kind]
    if not formats:
        return choose(accept, offered, MEDIA_ALIASES[kind])
    for name in formats:
        media = format_media(kind, name)
        if media is not None:
            return media
    names = sorted({n for n, m in FORMAT_NAMES[kind].items() if m in offered})
    asked = ", ".join(dict.fromkeys(formats))
    raise BadQuery(
        f"the requested format ({asked}) is not available for {_FORM_NAMES[kind]} queries; "
        f"use one of {', '.join(names)} or a media type",
        available=offered,
    )


__all__ = ["RESULT_FORMATS", "check_nesting", "router"]
