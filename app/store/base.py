"""The store interface. The embedded Oxigraph store implements it; a SPARQL 1.1 Protocol
endpoint can implement it with the same standard queries and updates."""

from __future__ import annotations

import functools
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypeVar, cast

from rdflib import BNode, Graph
from rdflib import Literal as RDFLiteral
from rdflib.term import Identifier, Node, URIRef

from app.model.iri import is_iri

# bind() runs for every store query and the same IRIs come back again and again (claims,
# entities); the RFC 3987 check costs ~25 us per IRI, a cached answer ~0.2 us
_is_iri = functools.lru_cache(maxsize=1 << 16)(is_iri)

if TYPE_CHECKING:
    from app.store.engines import RemoteConfig

Term = URIRef | BNode | RDFLiteral
Quad = tuple[Node, Node, Node, URIRef | None]
Row = dict[str, Node]

_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


@dataclass
class QueryResult:
    """A query's result, already limited to the row cap."""

    kind: Literal["select", "ask", "graph"]
    variables: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    boolean: bool = False
    triples: list[tuple[Node, Node, Node]] = field(default_factory=list)
    truncated: bool = False


def bind(query: str, bindings: Mapping[str, Node | Sequence[Node]] | None) -> str:
    """Bind variables by a VALUES block at the head of the first WHERE group.

    Values are written with their N3 form (escaped by rdflib), never interpolated as raw text,
    and VALUES is standard SPARQL 1.1, so the same bound query runs on any endpoint. A
    sequence binds one variable to several values.
    """
    if not bindings:
        return query
    match = _WHERE.search(query)
    if match is None:
        raise ValueError("a bound query needs an explicit 'WHERE {'")
    blocks = []
    for name, value in bindings.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ValueError(f"bad variable name {name!r}")
        # anything but a list or tuple is one term (a URIRef is itself a str sequence)
        values: list[Node] = list(value) if isinstance(value, list | tuple) else [cast(Node, value)]
        # a string that is not an IRI ("claim/a b", a control character from a URL path) can
        # name nothing in the store: it matches no row, as an unknown IRI would
        values = [v for v in values if not isinstance(v, URIRef) or _is_iri(str(v))]
        values_text = "" if not values else " ".join(_n3(v) for v in values)
        blocks.append(f"VALUES ?{name} {{ {values_text} }}")
    head = match.end()
    return query[:head] + "\n  " + "\n  ".join(blocks) + "\n" + query[head:]


def bind_rows(query: str, names: Sequence[str], rows: Iterable[Sequence[Node]]) -> str:
    """Bind several variables together, one VALUES row per tuple (``VALUES (?a ?b) {...}``),
    at the head of the first WHERE group, as bind() does for one variable. Used to ask about
    many pairs of terms in one query. Raises ValueError on a bad variable name or a row of
    the wrong length, TypeError on a blank node."""
    match = _WHERE.search(query)
    if match is None:
        raise ValueError("a bound query needs an explicit 'WHERE {'")
    for name in names:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ValueError(f"bad variable name {name!r}")
    lines = []
    for row in rows:
        if len(row) != len(names):
            raise ValueError(f"a row of {len(row)} terms for {len(names)} variables")
        if all(not isinstance(v, URIRef) or _is_iri(str(v)) for v in row):
            lines.append("(" + " ".join(_n3(v) for v in row) + ")")
    head = match.end()
    block = "VALUES (" + " ".join(f"?{n}" for n in names) + ") { " + " ".join(lines) + " }"
    return query[:head] + "\n  " + block + "\n" + query[head:]


def _n3(term: Node) -> str:
    if not isinstance(term, Identifier) or isinstance(term, BNode):
        raise TypeError(f"cannot bind {term!r}: only IRIs and literals are bound")
    return term.n3()


def data_block(quads: Iterable[Quad]) -> str:
    """Quads as the body of INSERT DATA / DELETE DATA, grouped by graph."""
    by_graph: dict[URIRef | None, list[str]] = {}
    for s, p, o, g in quads:
        for term in (s, p, o):
            if isinstance(term, BNode):
                raise TypeError("blank nodes are not written by claimgraph; use fragment IRIs")
        by_graph.setdefault(g, []).append(f"{s.n3()} {p.n3()} {o.n3()} .")
    parts = []
    for g, lines in by_graph.items():
        body = "\n".join(lines)
        parts.append(body if g is None else f"GRAPH {g.n3()} {{\n{body}\n}}")
    return "\n".join(parts)


@dataclass(frozen=True)
class StoreChange:
    """What one successful write changed, told to the store's listeners after it.

    ``inserted``/``deleted`` are the quads written when they are known (``write``,
    ``insert``); ``touched`` names the subjects of every triple an update may have added or
    removed when its author knows them. ``unknown``: anything may have changed (a raw SPARQL
    Update, a Graph Store Protocol write)."""

    inserted: tuple[Quad, ...] = ()
    deleted: tuple[Quad, ...] = ()
    touched: frozenset[Node] = frozenset()
    unknown: bool = False


StoreListener = Callable[[StoreChange], None]
_LISTENERS_LOCK = threading.Lock()


class GraphStore(ABC):
    """What the rest of claimgraph needs from a graph store."""

    # True when every write to the data goes through this object, so that listeners see
    # every change and in-process read models may be kept (an embedded store); False for an
    # endpoint that other clients may write to
    sees_every_write = False

    @abstractmethod
    def select(
        self, query: str, bindings: Mapping[str, Node | Sequence[Node]] | None = None
    ) -> list[Row]:
        """Run a SELECT; rows map variable names to rdflib terms (unbound variables absent)."""

    def select_text(
        self, query: str, names: Sequence[str],
        bindings: Mapping[str, Node | Sequence[Node]] | None = None,
    ) -> list[tuple[str | None, ...]]:
        """Run a SELECT for bulk reads: each row a tuple of the named variables' text (an
        IRI, a literal's lexical form; None when unbound), without building rdflib terms."""
        return [
            tuple(None if (v := r.get(n)) is None else str(v) for n in names)
            for r in self.select(query, bindings)
        ]

    @abstractmethod
    def ask(self, query: str, bindings: Mapping[str, Node | Sequence[Node]] | None = None) -> bool:
        """Run an ASK."""

    @abstractmethod
    def construct(
        self, query: str, bindings: Mapping[str, Node | Sequence[Node]] | None = None
    ) -> Graph:
        """Run a CONSTRUCT or DESCRIBE into an rdflib Graph."""

    def update(
        self, update: str, base_iri: str | None = None, *, touches: Iterable[Node] | None = None
    ) -> None:
        """Run a SPARQL 1.1 Update request atomically: all of it or nothing. ``touches``: the
        subjects of every triple the update may add or remove, when the caller knows them
        (listeners then refresh only those); None tells listeners anything may have changed."""
        self._update(update, base_iri)
        if touches is None:
            self._notify(StoreChange(unknown=True))
        else:
            self._notify(StoreChange(touched=frozenset(touches)))

    @abstractmethod
    def _update(self, update: str, base_iri: str | None) -> None:
        """Run an update without telling listeners (``update`` and ``write`` tell them)."""

    @abstractmethod
    def insert(self, quads: Iterable[Quad]) -> None:
        """Add quads atomically (and tell listeners which)."""

    @abstractmethod
    def replace_graph(self, graph: URIRef, triples: Iterable[tuple[Node, Node, Node]]) -> None:
        """Replace one named graph's content atomically."""

    @abstractmethod
    def run_user_query(
        self, query: str, *, max_rows: int, timeout_s: float, union_default_graph: bool,
        default_graphs: Sequence[URIRef] = (), named_graphs: Sequence[URIRef] = (),
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run an analyst's read-only query under the row cap and time limit. A dataset given
        in the protocol (default/named graphs) replaces the query's FROM clauses; relative
        IRIs resolve against ``base_iri`` (the endpoint's URL)."""

    @abstractmethod
    def count(self) -> int:
        """Number of quads (for health checks)."""

    def write(self, insert: Iterable[Quad] = (), delete: Iterable[Quad] = ()) -> None:
        """Delete then insert, in one atomic update request."""
        inserted, deleted = tuple(insert), tuple(delete)
        ops = []
        delete_body = data_block(deleted)
        insert_body = data_block(inserted)
        if delete_body:
            ops.append(f"DELETE DATA {{\n{delete_body}\n}}")
        if insert_body:
            ops.append(f"INSERT DATA {{\n{insert_body}\n}}")
        if ops:
            self._update(" ;\n".join(ops), None)
            self._notify(StoreChange(inserted=inserted, deleted=deleted))

    # -- listeners ---------------------------------------------------------------------------
    def add_listener(self, listener: StoreListener) -> None:
        """Call ``listener`` after every successful write, in the writer's thread; it must be
        quick (mark things stale, never query)."""
        with _LISTENERS_LOCK:
            self.__dict__["_store_listeners"] = [*self._listeners(), listener]

    def remove_listener(self, listener: StoreListener) -> None:
        """Stop calling ``listener``."""
        with _LISTENERS_LOCK:
            self.__dict__["_store_listeners"] = [x for x in self._listeners() if x is not listener]

    def _listeners(self) -> list[StoreListener]:
        found: list[StoreListener] = self.__dict__.get("_store_listeners", [])
        return found

    def _notify(self, change: StoreChange) -> None:
        for listener in self._listeners():
            listener(change)

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources."""


_T = TypeVar("_T")
_ATTACH_LOCK = threading.Lock()


def attached(store: GraphStore, name: str, make: Callable[[GraphStore], _T]) -> _T | None:
    """The object kept under ``name`` with ``store`` (made by ``make`` on first use, once even
    when threads race), or None when others may write the store, so that nothing derived from
    its content can be kept in this process (``sees_every_write`` is false)."""
    if not store.sees_every_write:
        return None
    found = store.__dict__.get(name)
    if found is None:
        with _ATTACH_LOCK:
            found = store.__dict__.get(name)
            if found is None:
                found = store.__dict__[name] = make(store)
    return cast(_T, found)


def open_store(
    location: str, *, query_url: str | None = None, update_url: str | None = None,
    timeout_s: float = 30.0, isolate_queries: bool = False, remote: RemoteConfig | None = None,
) -> GraphStore:
    """Open the store named in settings: a directory (embedded Oxigraph on disk), 'memory',
    or ``sparql+http(s)://HOST:PORT[/PATH]`` for a remote SPARQL 1.1 Query + Update endpoint
    (``/query`` and ``/update`` under that base unless the URLs, or ``remote`` with an engine
    profile and credentials, say otherwise)."""
    from app.store.oxigraph import OxigraphStore

    if location == "memory":
        return OxigraphStore(None)
    if location.startswith(("sparql+http://", "sparql+https://")):
        from app.store.engines import RemoteConfig as Remote
        from app.store.remote import SparqlHttpStore

        config = remote or Remote(query_url=query_url, update_url=update_url, timeout_s=timeout_s)
        queries, updates = config.urls(location.removeprefix("sparql+"))
        return SparqlHttpStore(
            queries, updates, timeout_s=config.timeout_s, profile=config.profile,
            auth=config.auth,
        )
    if "://" in location:
        raise ValueError(
            f"store {location!r}: give a directory, 'memory' or sparql+http://HOST:PORT"
        )
    return OxigraphStore(location, isolate_queries=isolate_queries)
