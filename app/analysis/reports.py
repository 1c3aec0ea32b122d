"""The data behind the list and detail endpoints (JSON now; HTML pages reuse it)."""

from __future__ import annotations

from typing import Any

from rdflib import URIRef

from app.model.claims import Page
from app.model.errors import InvalidInput, NotFound
from app.model.vocab import CGV, CLAIM, DISPUTE, ENTITY
from app.store import reviews, views
from app.store.base import GraphStore
from app.store.claims import ClaimBuilder

SORTS = ("newest", "sources", "unreviewed")
STATUSES = {"open": CGV.Open, "in-review": CGV.InReview, "resolved": CGV.Resolved,
            "dismissed": CGV.Dismissed}


def _entity(builder: ClaimBuilder, ref: str) -> URIRef | None:
    minted: dict[str, URIRef] = {}
    iri = builder.resolve_entity(ref, minted)
    return None if minted else iri


CONFIDENCES = ("high", "low")


def list_disputes(
    store: GraphStore, builder: ClaimBuilder, *, subject: str | None, source: str | None,
    type_: str | None, status: str | None, offset: int, limit: int, sort: str = "newest",
    confidence: str | None = None,
) -> Page:
    """A page of disputes matching the filters. Unknown entity names match nothing.

    ``sort``: newest first; most sources involved first; or never-reviewed first, oldest
    first (then the reviewed ones, oldest first)."""
    if sort not in SORTS:
        raise InvalidInput(f"unknown sort {sort!r}", allowed=list(SORTS))
    type_iri = None
    if type_ is not None:
        if type_ not in views.TYPE_BY_NAME:
            raise InvalidInput(f"unknown type {type_!r}", allowed=sorted(views.TYPE_BY_NAME))
        type_iri = views.TYPE_BY_NAME[type_]
    status_iri = None
    if status is not None:
        if status not in STATUSES:
            raise InvalidInput(f"unknown status {status!r}", allowed=sorted(STATUSES))
        status_iri = STATUSES[status]
    if confidence is not None and confidence not in CONFIDENCES:
        raise InvalidInput(f"unknown confidence {confidence!r}", allowed=list(CONFIDENCES))
    subject_iri = _entity(builder, subject) if subject else None
    source_iri = _entity(builder, source) if source else None
    if (subject and subject_iri is None) or (source and source_iri is None):
        return Page(total=0, offset=offset, limit=limit, items=[])
    ids = views.find_disputes(
        store, subject=subject_iri, source=source_iri, type_=type_iri, status=status_iri,
        confidence=confidence,
    )
    if sort != "newest":
        ids = _sorted(store, ids, sort)
    items = views.disputes(store, ids[offset:offset + limit])
    return Page(total=len(ids), offset=offset, limit=limit, items=items)


def _sorted(store: GraphStore, ids: list[str], sort: str) -> list[str]:
    """Re-order newest-first ids (a stable sort keeps newest first among equals)."""
    ranks = reviews.ranks(store, [DISPUTE[i] for i in ids])
    rank = {i: ranks.get(str(DISPUTE[i]), ("", 0, 0)) for i in ids}  # (created, sources, actions)
    if sort == "sources":
        return sorted(ids, key=lambda i: -rank[i][1])
    return sorted(ids, key=lambda i: (rank[i][2] > 0, rank[i][0]))


def get_dispute(store: GraphStore, dispute_id: str) -> dict[str, Any]:
    """One dispute, or NotFound. A merged dispute says which dispute it was merged into."""
    found = views.disputes(store, [dispute_id])
    if not found:
        raise NotFound(f"no dispute {dispute_id!r}")
    return found[0]


def get_claim(store: GraphStore, claim_id: str) -> dict[str, Any]:
    """One claim with its provenance, statements and the disputes it is part of."""
    iri = CLAIM[claim_id]
    found = views.claims(store, [iri])
    if not found:
        raise NotFound(f"no claim {claim_id!r}")
    claim = found[str(iri)]
    claim["disputes"] = views.claim_disputes(store, iri)
    return claim


def list_sources(store: GraphStore) -> list[dict[str, Any]]:
    """Speakers and outlets with their claim and contradiction counts."""
    return views.sources(store)


__all__ = ["ENTITY", "get_claim", "get_dispute", "list_disputes", "list_sources"]
