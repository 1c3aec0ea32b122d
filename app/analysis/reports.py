"""The data behind the list and detail endpoints (JSON now; HTML pages reuse it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from rdflib import URIRef

from app.model.claims import Page
from app.model.errors import InvalidInput, NotFound
from app.model.vocab import CGV, CLAIM, DISPUTE, ENTITY
from app.store import dispute_index, reviews, views
from app.store.base import GraphStore
from app.store.claims import ClaimBuilder
from app.store.dispute_index import DisputeFilter

SORTS = ("newest", "sources", "unreviewed")
STATUSES = {"open": CGV.Open, "in-review": CGV.InReview, "resolved": CGV.Resolved,
            "dismissed": CGV.Dismissed}


def _entity(builder: ClaimBuilder, ref: str) -> URIRef | None:
    minted: dict[str, URIRef] = {}
    iri = builder.resolve_entity(ref, minted)
    return None if minted else iri


CONFIDENCES = ("high", "low")


def _filter(
    store: GraphStore, builder: ClaimBuilder, *, subject: str | None, source: str | None,
    type_: str | None, status: str | None, confidence: str | None,
    since: dt.date | None = None, until: dt.date | None = None,
) -> DisputeFilter | None:
    """The filters resolved to IRIs; None when an entity is unknown (nothing matches)."""
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
        return None
    return DisputeFilter(
        subject=subject_iri, type_=type_iri, status=status_iri, confidence=confidence,
        speakers=None if source_iri is None else tuple(views.source_speakers(store, source_iri)),
        since=since, until=until,
    )


def list_disputes(
    store: GraphStore, builder: ClaimBuilder, *, subject: str | None, source: str | None,
    type_: str | None, status: str | None, offset: int, limit: int, sort: str = "newest",
    confidence: str | None = None, since: dt.date | None = None, until: dt.date | None = None,
) -> Page:
    """A page of disputes matching the filters. Unknown entity names match nothing.

    ``sort``: newest first; most sources involved first; or never-reviewed first, oldest
    first (then the reviewed ones, oldest first). ``since``/``until``: the day each dispute
    was created, both days included."""
    if sort not in SORTS:
        raise InvalidInput(f"unknown sort {sort!r}", allowed=list(SORTS))
    f = _filter(store, builder, subject=subject, source=source, type_=type_, status=status,
                confidence=confidence, since=since, until=until)
    if f is None:
        return Page(total=0, offset=offset, limit=limit, items=[])
    index = dispute_index.index_of(store)
    if index is None:
        ids = query_ids(store, f, sort)
        page = ids[offset:offset + limit]
        return Page(total=len(ids), offset=offset, limit=limit, items=views.disputes(store, page))
    total, page = index.page(f, sort, offset, limit)
    # full views of this page only, kept by the index until a write touches them
    items = index.views(page, lambda missing: views.disputes(store, missing))
    return Page(total=total, offset=offset, limit=limit, items=items)


def dispute_counts(
    store: GraphStore, builder: ClaimBuilder, *, subject: str | None, source: str | None,
    type_: str | None, confidence: str | None, since: dt.date | None = None,
    until: dt.date | None = None,
) -> dict[str, int]:
    """How many disputes match the filters in each review state (open, in-review …)."""
    f = _filter(store, builder, subject=subject, source=source, type_=type_, status=None,
                confidence=confidence, since=since, until=until)
    if f is None:
        return dict.fromkeys(STATUSES, 0)
    index = dispute_index.index_of(store)
    if index is not None:
        found = index.status_counts(f)
        return {name: found.get(str(iri), 0) for name, iri in STATUSES.items()}
    return {name: len(query_ids(store, replace(f, status=iri), "newest"))
            for name, iri in STATUSES.items()}


def query_ids(store: GraphStore, f: DisputeFilter, sort: str) -> list[str]:
    """Every matching dispute id in ``sort`` order, from the store's queries (for stores that
    others may write to, where no index is kept; and the reference the index is tested on)."""
    ids = views.find_disputes(
        store, subject=f.subject, speakers=f.speakers, type_=f.type_, status=f.status,
        confidence=f.confidence,
    )
    if f.since is not None or f.until is not None:
        ranks = reviews.ranks(store, [DISPUTE[i] for i in ids])
        ids = [i for i in ids if _in_days(ranks.get(str(DISPUTE[i]), ("", 0, 0))[0], f)]
    if sort != "newest":
        ids = _sorted(store, ids, sort)
    return ids


def _in_days(created: str, f: DisputeFilter) -> bool:
    day = created[:10]
    if not day:
        return False
    return (f.since is None or day >= f.since.isoformat()) and (
        f.until is None or day <= f.until.isoformat())


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
