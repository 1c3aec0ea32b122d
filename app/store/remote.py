"""A GraphStore on any SPARQL 1.1 Query + Update endpoint (Oxigraph server, Fuseki, Virtuoso,
GraphDB, Neptune …). Everything engine-specific stays here and in `app.store.engines`; the
queries are the same `.rq` files the embedded store runs."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping, Sequence

import httpx
import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from app.model.errors import BadQuery, QueryTimeout, StoreError
from app.store.base import GraphStore, Quad, QueryResult, Row, StoreChange, bind, data_block
from app.store.engines import PROFILES, EngineProfile, RemoteAuth, rule_variant
from app.store.oxigraph import from_ox
from app.store.queries import load_query

_RESULTS_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"
# The query form is the first keyword after the prologue (BASE, PREFIX) and comments.
_PROLOGUE = re.compile(
    r"""\A(?:\s+|\#[^\n]*\n?|BASE\s*<[^>]*>|PREFIX\s*[\w.-]*:\s*<[^>]*>)*""", re.IGNORECASE
)
_FORM = re.compile(r"(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
# DROP/CLEAR of one named graph without SILENT (Virtuoso fails these for graphs it never
# registered, which is every graph made by INSERT).
_DROP = re.compile(r"\b(DROP|CLEAR)\s+GRAPH\s*(<[^>\s]*>)", re.IGNORECASE)
_GRAPH_IRI = re.compile(r"\bGRAPH\s*<([^>\s]*)>\s*\{", re.IGNORECASE)
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def graphs_as_values(query: str) -> str:
    """``GRAPH <iri> {`` as ``GRAPH ?cg_graphN {`` with ``VALUES ?cg_graphN { <iri> }`` at the
    head of the WHERE clause: the same query, for engines that mis-evaluate the constant form.
    (claimgraph's queries name constant graphs outside subqueries only.)"""
    iris: dict[str, str] = {}

    def variable(match: re.Match[str]) -> str:
        name = iris.setdefault(match.group(1), f"cg_graph{len(iris)}")
        return f"GRAPH ?{name} {{"

    if not _WHERE.search(query):
        return query
    rewritten = _GRAPH_IRI.sub(variable, query)
    return bind(rewritten, {name: URIRef(iri) for iri, name in iris.items()}) if iris else query


def query_form(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: what the query will answer with."""
    match = _FORM.match(query, _PROLOGUE.match(query).end())  # type: ignore[union-attr]
    return match.group(1).upper() if match else "SELECT"


def accept_for(query: str) -> str:
    """The Accept header for a query: results for SELECT/ASK, a graph for CONSTRUCT/DESCRIBE
    (an engine that honours a mixed header may answer a CONSTRUCT with a results table)."""
    return _NTRIPLES if query_form(query) in ("CONSTRUCT", "DESCRIBE") else _RESULTS_JSON


class SparqlHttpStore(GraphStore):
    """GraphStore over the SPARQL 1.1 Protocol. Each update request is one transaction on
    the server (as Oxigraph, Fuseki and GraphDB apply them), which keeps claim writes atomic;
    on an engine whose profile says otherwise a failed write says it may be partial."""

    def __init__(
        self, query_url: str, update_url: str, *, timeout_s: float = 30.0,
        client: httpx.Client | None = None, profile: EngineProfile = PROFILES["generic"],
        auth: RemoteAuth = RemoteAuth(),
    ) -> None:
        self.query_url = query_url
        self.update_url = update_url
        self.profile = profile
        self._client = client or httpx.Client(timeout=timeout_s, auth=auth.httpx_auth())
        self.timeout_s = timeout_s

    # -- protocol ---------------------------------------------------------------------------
    def _dataset(
        self, default_graphs: Sequence[URIRef], named_graphs: Sequence[URIRef]
    ) -> httpx.QueryParams:
        if not default_graphs and not named_graphs and self.profile.own_default_graph:
            default_graphs = [self.profile.own_default_graph]
        pairs: list[tuple[str, str | int | float | bool | None]] = [
            ("default-graph-uri", str(g)) for g in default_graphs
        ]
        pairs += [("named-graph-uri", str(g)) for g in named_graphs]
        return httpx.QueryParams(pairs)

    def _post(
        self, url: str, data: dict[str, str], params: httpx.QueryParams, accept: str | None,
        timeout_s: float,
    ) -> httpx.Response:
        headers = {"Accept": accept} if accept else {}
        try:
            return self._client.post(
                url, data=data, params=params, headers=headers, timeout=timeout_s
            )
        except httpx.TimeoutException as exc:
            raise QueryTimeout("the remote SPARQL endpoint did not answer in time") from exc
        except httpx.HTTPError as exc:
            # the exception names the URL only; credentials travel in headers, never in it
            raise StoreError(
                f"the remote SPARQL endpoint is unreachable: {type(exc).__name__}"
            ) from exc

    def _post_query(
        self, query: str, accept: str, *, timeout_s: float | None = None,
        default_graphs: Sequence[URIRef] = (), named_graphs: Sequence[URIRef] = (),
    ) -> httpx.Response:
        if self.profile.graph_constants_as_values:
            query = graphs_as_values(query)
        query = self.profile.query_prologue + query
        response = self._post(
            self.query_url, {"query": query}, self._dataset(default_graphs, named_graphs),
            accept, timeout_s or self.timeout_s,
        )
        if response.status_code >= 400:
            _refused(response, "query")
            message = response.text[:500]
            if response.status_code == 400:
                raise BadQuery(f"the endpoint refused the query: {message}")
            raise StoreError(f"the endpoint answered {response.status_code}: {message}")
        return response

    def _solutions(
        self, query: str, bindings: Mapping[str, Node | Sequence[Node]] | None
    ) -> object:
        if self.profile.rule_variants:
            query = rule_variant(self.profile.name, query)
        query = bind(query, bindings)
        response = self._post_query(query, accept_for(query))
        return ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)

    # -- GraphStore ---------------------------------------------------------------------------
    def select(
        self, query: str, bindings: Mapping[str, Node | Sequence[Node]] | None = None
    ) -> list[Row]:
        solutions = self._solutions(query, bindings)
        if not isinstance(solutions, ox.QuerySolutions):
            raise RuntimeError("expected SELECT results")
        names = [v.value for v in solutions.variables]
        return [
            {n: from_ox(s[n]) for n in names if s[n] is not None} for s in solutions
        ]

    def ask(self, query: str, bindings: Mapping[str, Node | Sequence[Node]] | None = None) -> bool:
        result = self._solutions(query, bindings)
        if not isinstance(result, ox.QueryBoolean):
            raise RuntimeError("expected an ASK result")
        return bool(result)

    def construct(
        self, query: str, bindings: Mapping[str, Node | Sequence[Node]] | None = None
    ) -> Graph:
        response = self._post_query(bind(query, bindings), _NTRIPLES)
        graph = Graph()
        for triple in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES):
            graph.add((from_ox(triple.subject), from_ox(triple.predicate), from_ox(triple.object)))
        return graph

    def _update(self, update: str, base_iri: str | None) -> None:
        if self.profile.drop_needs_existing_graph:
            update = self._checked_drops(update)
        if base_iri:  # the protocol has no base parameter; a BASE line is standard SPARQL
            update = f"BASE <{base_iri}>\n{update}"
        # On an engine without a default graph of its own, default-graph-uri names the graph
        # that plays it, for INSERT DATA and for templates and patterns outside GRAPH.
        response = self._post(
            self.update_url, {"update": update}, self._dataset((), ()), None, self.timeout_s
        )
        if response.status_code >= 400:
            _refused(response, "update")
            written = ("nothing was written" if self.profile.atomic_updates
                       or ";" not in update else "part of it may have been applied")
            raise StoreError(
                f"the remote endpoint refused the update ({response.status_code}); "
                f"{written}: {response.text[:300]}"
            )

    def _checked_drops(self, update: str) -> str:
        """DROP/CLEAR GRAPH <g> made SILENT after checking that <g> has triples, so that
        the engine's registry of "created" graphs does not matter, and a missing graph still
        fails as the standard says."""
        def silent(match: re.Match[str]) -> str:
            graph = match.group(2)
            if not self.ask(f"ASK WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"):
                raise StoreError(f"the graph {graph} does not exist; nothing was written")
            return f"{match.group(1)} SILENT GRAPH {graph}"

        return _DROP.sub(silent, update)

    def _explicit(self, quads: Iterable[Quad]) -> list[Quad]:
        graph = self.profile.own_default_graph
        return [(s, p, o, graph if g is None else g) for s, p, o, g in quads]

    def insert(self, quads: Iterable[Quad]) -> None:
        quads = tuple(quads)
        body = data_block(self._explicit(quads))
        if body:
            self._update(f"INSERT DATA {{\n{body}\n}}", None)
            self._notify(StoreChange(inserted=quads))

    def write(self, insert: Iterable[Quad] = (), delete: Iterable[Quad] = ()) -> None:
        super().write(self._explicit(insert), self._explicit(delete))

    def replace_graph(self, graph: URIRef, triples: Iterable[tuple[Node, Node, Node]]) -> None:
        body = data_block((s, p, o, graph) for s, p, o in triples)
        self.update(f"DROP SILENT GRAPH {graph.n3()} ;\nINSERT DATA {{\n{body}\n}}")

    def count(self) -> int:
        if not self.profile.own_default_graph and not self.profile.system_graphs:
            rows = self.select(load_query("count_quads"))
            return int(str(rows[0]["n"])) if rows else 0
        # The default graph is a named graph here (counted once, not twice as the default
        # graph's union would), and the engine's own graphs are not claimgraph's.
        rows = self.select(load_query("count_quads_by_graph"))
        return sum(int(str(r["n"])) for r in rows
                   if str(r["g"]) not in self.profile.system_graphs)

    def run_user_query(
        self, query: str, *, max_rows: int, timeout_s: float, union_default_graph: bool,
        default_graphs: Sequence[URIRef] = (), named_graphs: Sequence[URIRef] = (),
        base_iri: str | None = None,
    ) -> QueryResult:
        # Union-default-graph is the remote engine's own setting (e.g. `oxigraph serve
        # --union-default-graph`, Fuseki's tdb:unionDefaultGraph); it cannot be set per query.
        started = time.monotonic()
        accept = accept_for(query)
        if base_iri:  # the protocol has no base parameter; a BASE line is standard SPARQL
            query = f"BASE <{base_iri}>\n{query}"
        response = self._post_query(
            query, accept, timeout_s=timeout_s,
            default_graphs=default_graphs, named_graphs=named_graphs,
        )
        if accept == _NTRIPLES:
            out = QueryResult(kind="graph")
            for triple in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES):
                if len(out.triples) >= max_rows:
                    out.truncated = True
                    break
                out.triples.append(
                    (from_ox(triple.subject), from_ox(triple.predicate), from_ox(triple.object))
                )
            return out
        parsed = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
        if isinstance(parsed, ox.QueryBoolean):
            return QueryResult(kind="ask", boolean=bool(parsed))
        names = [v.value for v in parsed.variables]
        result = QueryResult(kind="select", variables=names)
        for solution in parsed:
            if len(result.rows) >= max_rows:
                result.truncated = True
                break
            if time.monotonic() - started > timeout_s:
                raise QueryTimeout(f"the query ran past the {timeout_s:g} s limit")
            result.rows.append({n: from_ox(solution[n]) for n in names if solution[n] is not None})
        return result

    def close(self) -> None:
        self._client.close()


def _refused(response: httpx.Response, what: str) -> None:
    """Authentication failures, told without the server's page (which may echo headers)."""
    if response.status_code in (401, 403):
        raise StoreError(
            f"the remote SPARQL endpoint refused the {what} ({response.status_code}): check "
            "the remote credentials (CLAIMGRAPH_REMOTE_AUTH, _USER, _PASSWORD, _TOKEN)"
        )
