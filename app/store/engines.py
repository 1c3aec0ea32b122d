"""Engine profiles for the remote backend: endpoint layout, credentials, and the workarounds a
particular SPARQL engine needs. The queries stay standard SPARQL 1.1; what differs between
engines is how requests are addressed and how their answers are read, and that lives here and
in `app.store.remote`, behind the GraphStore interface."""

from __future__ import annotations

import functools
import re
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx
from pydantic import SecretStr
from rdflib import URIRef

from app.config import Settings

EngineName = Literal["oxigraph", "fuseki", "virtuoso", "graphdb", "neptune", "generic"]
AuthKind = Literal["none", "basic", "digest", "bearer"]

DEFAULT_GRAPH = URIRef("https://w3id.org/claimgraph/graph/default")
"""Where claimgraph's default graph lives on an engine that has no separate default graph."""

# Graphs Virtuoso creates for itself (RDF views, its own vocabularies, the service description).
_VIRTUOSO_SYSTEM_GRAPHS = frozenset({
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
    "http://www.w3.org/2002/07/owl#",
    "http://www.openlinksw.com/schemas/RDF_Mapper_Ontology/1.0/",
    "urn:activitystreams-owl:map",
    "urn:core:services:sparql",
    "virtrdf-label",
})


@dataclass(frozen=True)
class EngineProfile:
    """What claimgraph must know about one SPARQL engine."""

    name: EngineName
    query_path: str
    """Query endpoint, relative to the store URL (``sparql+http://HOST:PORT/PATH``)."""
    update_path: str
    """Update endpoint, relative to the store URL."""
    own_default_graph: URIRef | None = None
    """Set when the engine's default graph is the union of all graphs (Virtuoso): claimgraph's
    default graph is then this named graph, passed as ``default-graph-uri`` with every request,
    and every write names it explicitly."""
    system_graphs: frozenset[str] = frozenset()
    """Graphs the engine keeps for itself; never counted or cleared."""
    atomic_updates: bool = True
    """False when an update request of several operations may stop half-way (Virtuoso
    commits each operation): a failed request is then never reported as "nothing written"."""
    graph_constants_as_values: bool = False
    """True when ``GRAPH <iri> { … }`` matches nothing once the request names a default graph
    (Virtuoso 7.2, while ``GRAPH ?g`` with ?g bound to the same IRI works): such queries are
    sent with ``GRAPH ?g`` and ``VALUES ?g { <iri> }``, which means the same."""
    query_prologue: str = ""
    """Engine directives put before every query. Virtuoso: follow the join order as written
    (claimgraph's queries start from the bound terms). Virtuoso compiles every new query text,
    and its join-order search took 3-10 s for a rule bound to a new claim; in written order it
    compiles in about 0.3 s and runs in milliseconds."""
    rule_variants: bool = False
    """True when some rules are sent in an engine-specific form: a file with the same
    ``# id:`` in ``ontology/rules/engines/<name>/`` replaces the standard one (Virtuoso 7.2
    refuses ``BIND(EXISTS … || EXISTS …)`` in the pair filter)."""
    drop_needs_existing_graph: bool = False
    """True when DROP/CLEAR GRAPH without SILENT fails for a graph the engine never registered
    (Virtuoso: graphs made by INSERT are not "created"); such drops are checked, then sent
    SILENT."""


PROFILES: dict[EngineName, EngineProfile] = {
    "generic": EngineProfile("generic", "query", "update"),
    "oxigraph": EngineProfile("oxigraph", "query", "update"),
    # sparql+http://HOST:3030/DATASET
    "fuseki": EngineProfile("fuseki", "query", "update"),
    # sparql+http://HOST:8890 (anonymous /sparql) or sparql+http://HOST:8890 with credentials
    # (the query and update URLs are then /sparql-auth, see Settings.sparql_query_url).
    "virtuoso": EngineProfile(
        "virtuoso", "sparql", "sparql", own_default_graph=DEFAULT_GRAPH,
        system_graphs=_VIRTUOSO_SYSTEM_GRAPHS, atomic_updates=False,
        graph_constants_as_values=True, drop_needs_existing_graph=True, rule_variants=True,
        query_prologue='define sql:select-option "order"\n',
    ),
    # sparql+http://HOST:7200/repositories/REPO
    "graphdb": EngineProfile("graphdb", "", "statements"),
    # sparql+https://CLUSTER:8182
    "neptune": EngineProfile("neptune", "sparql", "sparql"),
}


@dataclass(frozen=True)
class RemoteAuth:
    """Credentials for the remote endpoints. The secrets stay in SecretStr and are only
    unwrapped when httpx signs a request: never in a message, a repr or a log line."""

    kind: AuthKind = "none"
    user: str | None = None
    password: SecretStr | None = None
    token: SecretStr | None = None

    def httpx_auth(self) -> httpx.Auth | None:
        """The httpx authentication for these credentials (None: anonymous)."""
        if self.kind == "none":
            return None
        if self.kind == "bearer":
            if self.token is None:
                raise ValueError("remote_auth=bearer needs remote_token")
            return _Bearer(self.token)
        if self.user is None or self.password is None:
            raise ValueError(f"remote_auth={self.kind} needs remote_user and remote_password")
        if self.kind == "basic":
            return httpx.BasicAuth(self.user, self.password.get_secret_value())
        return httpx.DigestAuth(self.user, self.password.get_secret_value())


class _Bearer(httpx.Auth):
    """An ``Authorization: Bearer`` header on every request."""

    def __init__(self, token: SecretStr) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        yield request


@dataclass(frozen=True)
class RemoteConfig:
    """Everything the remote backend is configured with, besides the store URL."""

    engine: EngineName = "generic"
    query_url: str | None = None
    update_url: str | None = None
    timeout_s: float = 30.0
    auth: RemoteAuth = RemoteAuth()

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteConfig:
        """The remote configuration the settings describe."""
        return cls(
            engine=settings.engine, query_url=settings.sparql_query_url,
            update_url=settings.sparql_update_url, timeout_s=settings.remote_timeout_s,
            auth=RemoteAuth(settings.remote_auth, settings.remote_user,
                            settings.remote_password, settings.remote_token),
        )

    @property
    def profile(self) -> EngineProfile:
        """The engine's profile."""
        return PROFILES[self.engine]

    def urls(self, base: str) -> tuple[str, str]:
        """The query and update URLs for a store URL without its ``sparql+`` prefix."""
        base = base.rstrip("/")

        def join(path: str) -> str:
            return f"{base}/{path}" if path else base

        return (self.query_url or join(self.profile.query_path),
                self.update_url or join(self.profile.update_path))


_VARIANTS_DIR = Path(__file__).resolve().parents[2] / "ontology" / "rules" / "engines"
_RULE_ID = re.compile(r"^# id: (\S+)", re.MULTILINE)


@functools.cache
def _variants(engine: str) -> dict[str, str]:
    folder = _VARIANTS_DIR / engine
    out: dict[str, str] = {}
    for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        found = _RULE_ID.search(text)
        if found:
            out[found.group(1)] = text
    return out


def rule_variant(engine: str, query: str) -> str:
    """The engine's own form of a rule (by its ``# id:`` header), else the query as given."""
    found = _RULE_ID.match(query)
    return _variants(engine).get(found.group(1), query) if found else query
