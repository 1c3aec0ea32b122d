"""Writes over the standard protocols: SPARQL 1.1 Update at /sparql/update and the SPARQL 1.1
Graph Store HTTP Protocol at /store. Writing needs a token whose role may write (editor or
admin); reading /store is public like the rest of the graph."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from rdflib import Graph, URIRef

from app.api.auth import EditorDep
from app.api.deps import StateDep
from app.api.negotiation import choose
from app.api.sparql import check_nesting
from app.detect.writes import ProtocolWrites, WriteResult
from app.model.errors import BadQuery, NotFound, UnsupportedMediaType
from app.model.iri import is_iri
from app.store.loader import RDF_MEDIA_TYPES, parse_graph
from app.store.queries import load_query
from app.store.results import GRAPH_FORMATS

router = APIRouter(tags=["sparql"])


def _body_text(raw: bytes, parameters: str) -> str:
    for part in parameters.split(";"):
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8", "utf8",
        ):
            raise UnsupportedMediaType(f"SPARQL Update must be UTF-8, not {value.strip()}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadQuery("the request body is not valid UTF-8") from exc


def _result(result: WriteResult) -> dict[str, Any]:
    return {
        "claims": result.claims, "new_contradictions": result.new_contradictions,
        "disputes": result.disputes,
    }


@router.post("/sparql/update", summary="SPARQL 1.1 Update (authenticated)")
async def sparql_update(
    request: Request, state: StateDep, editor: EditorDep
) -> dict[str, Any]:
    """Run a SPARQL Update request (form `update=` or an application/sparql-update body).

    Claims may only be added, by INSERT DATA, and must pass the claim shapes; graph-level and
    pattern-based operations may only write reference graphs (not the default graph, claim
    graphs or the vocabulary). Detection runs for every claim the write touches."""
    content_type, _, parameters = request.headers.get("content-type", "").partition(";")
    content_type = content_type.strip().lower()
    params = request.query_params
    protocol_dataset = bool(
        params.getlist("using-graph-uri") or params.getlist("using-named-graph-uri")
    )
    if content_type == "application/x-www-form-urlencoded":
        form = await request.form()
        updates = form.getlist("update")
        if len(updates) != 1 or not isinstance(updates[0], str):
            raise BadQuery("give exactly one 'update' parameter")
        protocol_dataset = protocol_dataset or bool(
            form.getlist("using-graph-uri") or form.getlist("using-named-graph-uri")
        )
        text = updates[0]
    elif content_type == "application/sparql-update":
        text = _body_text(await request.body(), parameters)
    else:
        raise UnsupportedMediaType(
            "POST a form with 'update', or an application/sparql-update body; got "
            f"{content_type or 'no content type'!r}"
        )
    check_nesting(text)  # the same nesting limits as /sparql, before any parser recurses
    writes = ProtocolWrites(state.service)
    base = str(request.url.remove_query_params(list(request.query_params)))
    return _result(writes.update(text, protocol_dataset=protocol_dataset, base_iri=base))


def _target(graph: str | None, default: str | None) -> URIRef | None:
    if (graph is None) == (default is None):
        raise BadQuery("give exactly one of ?graph=IRI or ?default")
    if graph is not None:
        if not graph.startswith(("http://", "https://", "urn:")) or not is_iri(graph):
            raise BadQuery(f"graph must be an absolute IRI, got {graph!r}")
        return URIRef(graph)
    return None


GraphParam = Annotated[str | None, Query(description="IRI of the named graph")]
DefaultParam = Annotated[str | None, Query(description="present (empty) for the default graph")]


@router.get("/store", summary="Graph Store Protocol: read a graph")
def store_get(
    request: Request, state: StateDep, graph: GraphParam = None, default: DefaultParam = None
) -> Response:
    """The triples of one graph, in the RDF syntax chosen by Accept, up to the row cap of
    /sparql (a larger graph is cut and says so in X-Claimgraph-Truncated)."""
    target = _target(graph, default)
    media = choose(request.headers.get("accept"), list(GRAPH_FORMATS))
    cap = state.settings.sparql_max_rows
    if target is not None and not state.store.ask(load_query("graph_exists"), {"g": target}):
        raise NotFound(f"no graph {target}")
    query = load_query("default_graph_content" if target is None else "graph_content")
    bindings = None if target is None else {"g": target}
    content = state.store.construct(query + f"\nLIMIT {int(cap) + 1}", bindings)
    headers = {"Vary": "Accept"}
    if len(content) > cap:
        for triple in list(content)[cap:]:
            content.remove(triple)
        headers["X-Claimgraph-Truncated"] = f"true; limit={cap}"
    body = content.serialize(format=GRAPH_FORMATS[media], encoding="utf-8")
    return Response(body, media_type=media, headers=headers)


async def _read_graph(request: Request) -> Graph:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in RDF_MEDIA_TYPES:
        raise UnsupportedMediaType(
            f"send RDF as one of {sorted(RDF_MEDIA_TYPES)}; got {content_type or 'none'!r}"
        )
    return parse_graph(await request.body(), content_type)


@router.put("/store", summary="Graph Store Protocol: replace a named graph")
async def store_put(
    request: Request, state: StateDep, editor: EditorDep, graph: GraphParam = None,
    default: DefaultParam = None,
) -> dict[str, Any]:
    """Replace a reference graph with the body."""
    target = _target(graph, default)
    return _result(ProtocolWrites(state.service).put_graph(target, await _read_graph(request)))


@router.post("/store", summary="Graph Store Protocol: add triples to a graph")
async def store_post(
    request: Request, state: StateDep, editor: EditorDep, graph: GraphParam = None,
    default: DefaultParam = None,
) -> dict[str, Any]:
    """Merge the body into a graph (claims in it must pass validation)."""
    target = _target(graph, default)
    return _result(ProtocolWrites(state.service).post_graph(target, await _read_graph(request)))


@router.delete("/store", summary="Graph Store Protocol: delete a named graph")
def store_delete(
    state: StateDep, editor: EditorDep, graph: GraphParam = None, default: DefaultParam = None
) -> dict[str, Any]:
    """Drop a reference graph."""
    target = _target(graph, default)
    if target is not None and not state.store.ask(load_query("graph_exists"), {"g": target}):
        raise NotFound(f"no graph {target}")
    return _result(ProtocolWrites(state.service).delete_graph(target))
