"""Store reads and writes for article ingest: known names, article versions, speaker records."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from app.model.claims import ArticleIn
from app.model.vocab import ARTICLE, CG, PROV, RDF, SCHEMA, SKOS
from app.store.base import GraphStore, Quad
from app.store.claims import ClaimBuilder
from app.store.queries import load_query


@dataclass(frozen=True)
class StoredArticle:
    """An article already in the store."""

    iri: URIRef
    url: str | None
    text: str | None


def text_hash(text: str) -> str:
    """SHA-256 of the text, hex (part of a new article version's IRI)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ingest_gazetteer(store: GraphStore) -> list[dict[str, str]]:
    """Every entity label and alias with the entity, display label, type and organisation."""
    return [
        {k: str(v) for k, v in row.items()} for row in store.select(load_query("ingest_gazetteer"))
    ]


def latest_article(store: GraphStore, url: str) -> StoredArticle | None:
    """The newest stored version of the article at this URL."""
    rows = store.select(load_query("article_latest"), {"url": URIRef(url)})
    if not rows:
        return None
    row = sorted(rows, key=lambda r: str(r["article"]))[0]
    text = row.get("text")
    return StoredArticle(URIRef(str(row["article"])), url, str(text) if text is not None else None)


def article_with_text(store: GraphStore, text: str) -> StoredArticle | None:
    """A stored article whose text is exactly this text (any URL)."""
    rows = store.select(load_query("article_by_hash"), {"text": Literal(text)})
    if not rows:
        return None
    row = sorted(rows, key=lambda r: str(r["article"]))[0]
    return StoredArticle(URIRef(str(row["article"])), str(row["url"]), text)


def article_claims(store: GraphStore, article: URIRef) -> list[URIRef]:
    """The claims derived from an article."""
    rows = store.select(load_query("article_claims"), {"article": article})
    return [URIRef(str(r["claim"])) for r in rows]


def version_iri(url: str, text: str) -> URIRef:
    """The IRI of a later version of an article: its URL's id plus a hash of the new text."""
    base = hashlib.sha256(url.encode()).hexdigest()[:16]
    return ARTICLE[f"a-{base}-v{text_hash(text)[:12]}"]


def article_quads(
    builder: ClaimBuilder, article: ArticleIn, iri: URIRef, revision_of: URIRef | None
) -> list[Quad]:
    """The article record (written even when no claim comes out of it), and for a new
    version its link to the version it revises."""
    minted: dict[str, URIRef] = {}
    _, quads, _ = builder._article(article, minted, iri)
    for entity in minted.values():
        quads += [(entity, SKOS.prefLabel, Literal(article.outlet or "", lang="en"), None),
                  (entity, RDF.type, CG.Outlet, None)]
    if revision_of is not None:
        quads += [(iri, PROV.wasRevisionOf, revision_of, None),
                  (iri, DCTERMS.isVersionOf, revision_of, None)]
    return quads


def speaker_quads(
    builder: ClaimBuilder, name: str, kind: str, org: str | None, role: str | None
) -> list[Quad]:
    """A new speaker's record, written before its claims so that alias resolution finds it
    and the pair filter knows its organisation (Kino Gabriel, SDF spokesman → memberOf SDF).
    Nothing is returned for a name the store already knows."""
    minted: dict[str, URIRef] = {}
    iri = builder.resolve_entity(name, minted)
    if not minted:
        return []
    cls = {"person": CG.Person, "group": CG.Group, "org": CG.Organization}.get(kind, CG.Source)
    triples: list[tuple[Node, Node, Node]] = [
        (iri, RDF.type, cls), (iri, SKOS.prefLabel, Literal(name, lang="en")),
    ]
    if role:
        triples.append((iri, SCHEMA.jobTitle, Literal(role, lang="en")))
    if org:
        new_org: dict[str, URIRef] = {}
        org_iri = builder.resolve_entity(org, new_org)
        if org_iri != iri:
            triples.append((iri, SCHEMA.memberOf, org_iri))
            if new_org:
                triples.append((org_iri, SKOS.prefLabel, Literal(org, lang="en")))
                triples.append((org_iri, RDF.type, CG.Organization))
    return [(s, p, o, None) for s, p, o in triples]
