"""A GraphStore on any SPARQL 1.1 Query + Update endpoint (Oxigraph server, Fuseki, Virtuoso,
GraphDB, Neptune …). Everything engine-specific stays here; the queries are the same `.rq`
files the embedded store runs."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence

import httpx
import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from app.model.errors import BadQuery, QueryTimeout, StoreError
from app.store.base import GraphStore, Quad, QueryResult, Row, bind, data_block
from app.store.oxigraph import from_ox
from app.store.queries import load_query

_RESULTS_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"


class SparqlHttpStore(GraphStore):
    """GraphStore over the SPARQL 1.1 Protocol. Each update request is one transaction on
    the server (as Oxigraph, Fuseki and GraphDB apply them), which keeps claim writes atomic."""

    def __init__(
        self, query_url: str, update_url: str, *, timeout_s: float = 30.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.query_url = query_url
        self.update_url = update_url
        self._client = client or httpx.Client(timeout=timeout_s)
        self.timeout_s = timeout_s

    # -- protocol ---------------------------------------------------------------------------
    def _post_query(
        self, query: str, accept: str, *, timeout_s: float | None = None,
        default_graphs: Sequence[URIRef] = (), named_graphs: Sequence[URIRef] = (),
    ) -> httpx.Response:
        pairs: list[tuple[str, str | int | float | bool | None]] = [
            ("default-graph-uri", str(g)) for g in default_graphs
        ]
        pairs += [("named-graph-uri", str(g)) for g in named_graphs]
        params = httpx.QueryParams(pairs)
        try:
            response = self._client.post(
                self.query_url, data={"query": query}, params=params,
                headers={"Accept": accept}, timeout=timeout_s or self.timeout_s,
            )
        except httpx.TimeoutException as exc:
            raise QueryTimeout("the remote SPARQL endpoint did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise StoreError(f"the remote SPARQL endpoint is unreachable: {exc}") from exc
        if response.status_code >= 400:
            message = response.text[:500]
            if response.status_code == 400:
                raise BadQuery(f"the endpoint refused the query: {message}")
            raise StoreError(f"the endpoint answered {response.status_code}: {message}")
        return response

    def _solutions(
        self, query: str, bindings: Mapping[str, Node | Sequence[Node]] | None
    ) -> object:
        response = self._post_query(bind(query, bindings), f"{_RESULTS_JSON}, {_NTRIPLES};q=0.9")
        kind = response.headers.get("content-type", "").split(";")[0].strip()
        if kind == _NTRIPLES or kind == "text/plain":
            return ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)
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

    def update(self, update: str, base_iri: str | None = None) -> None:
        if base_iri:  # the protocol has no base parameter; a BASE line is standard SPARQL
            update = f"BASE <{base_iri}>\n{update}"
        try:
            response = self._client.post(self.update_url, data={"update": update})
        except httpx.HTTPError as exc:
            raise StoreError(f"the remote endpoint failed; nothing was written: {exc}") from exc
        if response.status_code >= 400:
            raise StoreError(
                f"the remote endpoint refused the update ({response.status_code}); "
                f"nothing was written: {response.text[:300]}"
            )

    def insert(self, quads: Iterable[Quad]) -> None:
        body = data_block(quads)
        if body:
            self.update(f"INSERT DATA {{\n{body}\n}}")

    def replace_graph(self, graph: URIRef, triples: Iterable[tuple[Node, Node, Node]]) -> None:
        body = data_block((s, p, o, graph) for s, p, o in triples)
        self.update(f"DROP SILENT GRAPH {graph.n3()} ;\nINSERT DATA {{\n{body}\n}}")

    def count(self) -> int:
        rows = self.select(load_query("count_quads"))
        return int(str(rows[0]["n"])) if rows else 0

    def run_user_query(
        self, query: str, *, max_rows: int, timeout_s: float, union_default_graph: bool,
        default_graphs: Sequence[URIRef] = (), named_graphs: Sequence[URIRef] = (),
        base_iri: str | None = None,
    ) -> QueryResult:
        # Union-default-graph is the remote engine's own setting (e.g. `oxigraph serve
        # --union-default-graph`, Fuseki's tdb:unionDefaultGraph); it cannot be set per query.
        started = time.monotonic()
        if base_iri:  # the protocol has no base parameter; a BASE line is standard SPARQL
            query = f"BASE <{base_iri}>\n{query}"
        response = self._post_query(
            query, f"{_RESULTS_JSON}, {_NTRIPLES};q=0.9", timeout_s=timeout_s,
            default_graphs=default_graphs, named_graphs=named_graphs,
        )
        kind = response.headers.get("content-type", "").split(";")[0].strip()
        if kind in (_NTRIPLES, "text/plain"):
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
