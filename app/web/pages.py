"""Server-rendered pages under /ui/, each with a JSON twin built by the same data function.

Every page is declared once with `twin(path, template, data)`: `path` renders `template` from
`data(state, request)`, and `path + ".json"` returns the very same dictionary as JSON
(Datasette's pattern). Templates are autoescaped and never mark data as safe: article text is
hostile input."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader
from starlette.concurrency import run_in_threadpool
from starlette.staticfiles import StaticFiles

from app.model.errors import DomainError
from app.web import data, review_bridge
from app.web.deps import WebState, get_state

HERE = Path(__file__).parent
CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'; "
    # The SPARQL editor (CodeMirror in YASGUI) positions itself with inline styles; inline
    # styles cannot run script, and scripts stay 'self' only.
    "style-src 'self' 'unsafe-inline'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

DataFn = Callable[[WebState, Request], dict[str, Any]]

router = APIRouter(include_in_schema=False)
router.mount("/ui/static", StaticFiles(directory=HERE / "static"), name="ui-static")
# The SPARQL editor (YASGUI), installed from the npm registry by `make install` and served
# from here, never from a CDN. Without it the SPARQL page is a plain form.
YASGUI = HERE / "vendor" / "node_modules" / "@zazuko" / "yasgui" / "build"
router.mount(
    "/ui/vendor/yasgui", StaticFiles(directory=YASGUI, check_dir=False), name="ui-yasgui"
)

_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=True,  # every template, whatever its extension
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals["status_labels"] = data.STATUS_LABELS


def http_only(url: object) -> str:
    """A link target only if it is http(s): no javascript: or data: URLs from the data."""
    text = str(url or "")
    return text if text.lower().startswith(("http://", "https://")) else "#"


_env.filters["http_only"] = http_only


@dataclass(frozen=True)
class Page:
    """One page: its path, template and the one function that computes its data."""

    path: str
    template: str
    data: DataFn


PAGES: dict[str, Page] = {}


def render(template: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """A page rendered from its template, with the security headers."""
    body = _env.get_template(template).render(**context)
    return HTMLResponse(body, status_code=status_code, headers=SECURITY_HEADERS)


def error_page(exc: DomainError, request: Request) -> HTMLResponse:
    """A domain error as an HTML page with the error's own status code."""
    return render("error.html", {"page": exc.to_json(), "status": exc.status_code,
                                 "path": request.url.path, "json_url": None}, exc.status_code)


def twin(path: str, template: str) -> Callable[[DataFn], DataFn]:
    """Register `path` (HTML) and `path.json` (JSON), both rendering `fn(state, request)`."""

    def register(fn: DataFn) -> DataFn:
        PAGES[path] = Page(path, template, fn)

        def as_json(request: Request) -> JSONResponse:
            return JSONResponse(fn(get_state(request), request), headers=SECURITY_HEADERS)

        def as_html(request: Request) -> HTMLResponse:
            try:
                page = fn(get_state(request), request)
            except DomainError as exc:
                return error_page(exc, request)
            json_url = request.url.path + ".json"
            if request.url.query:
                json_url += "?" + request.url.query
            return render(template, {"page": page, "json_url": json_url,
                                     "query": dict(request.query_params),
                                     "path": request.url.path})

        # the .json route first: "{id}" alone would also match "x.json"
        router.add_api_route(path + ".json", as_json, methods=["GET"], name=fn.__name__ + "_json")
        router.add_api_route(path, as_html, methods=["GET"], name=fn.__name__)
        return fn

    return register


@router.get("/")
def home() -> RedirectResponse:
    """The site's front door is the review queue."""
    return RedirectResponse("/ui/disputes", status_code=307)


@router.get("/ui")
@router.get("/ui/")
def ui_home() -> RedirectResponse:
    """The UI's front door is the review queue."""
    return RedirectResponse("/ui/disputes", status_code=307)


@twin("/ui/disputes", "queue.html")
def queue_page(state: WebState, request: Request) -> dict[str, Any]:
    """The review queue."""
    return data.queue(state, request.query_params)


@twin("/ui/disputes/{dispute_id}", "dispute.html")
def dispute_page(state: WebState, request: Request) -> dict[str, Any]:
    """One dispute."""
    page = data.dispute(state, request.path_params["dispute_id"])
    page["review"]["result"] = {k: request.query_params.get(k) for k in ("ok", "error")}
    return page


@twin("/ui/claims/{claim_id}", "claim.html")
def claim_page(state: WebState, request: Request) -> dict[str, Any]:
    """One claim."""
    return data.claim(state, request.path_params["claim_id"])


@twin("/ui/sources", "sources.html")
def sources_page(state: WebState, request: Request) -> dict[str, Any]:
    """Every source."""
    return data.sources(state)


@twin("/ui/sources/{source_id}", "source.html")
def source_page(state: WebState, request: Request) -> dict[str, Any]:
    """One source."""
    return data.source(state, request.path_params["source_id"])


@twin("/ui/sparql", "sparql.html")
def sparql_page(state: WebState, request: Request) -> dict[str, Any]:
    """The SPARQL query form with examples."""
    return data.sparql(state, request.query_params)


@router.post("/ui/disputes/{dispute_id}/reviews")
async def post_review(request: Request, dispute_id: str) -> Response:
    """The verdict form: one review call, then back to the dispute page (303) with the result."""
    form = await request.form()
    fields = {k: [str(v) for v in form.getlist(k)] for k in form}
    outcome = await run_in_threadpool(
        review_bridge.submit_form, get_state(request), dispute_id, fields
    )
    return RedirectResponse(
        f"/ui/disputes/{dispute_id}?{outcome}#review", status_code=303, headers=SECURITY_HEADERS
    )
