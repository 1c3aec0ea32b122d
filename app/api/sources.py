"""Sources: speakers and the outlets that relay them; and name completion for sources and
the subjects of disputes (the review queue's type-ahead)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.analysis import reports
from app.api.deps import AppState, StateDep
from app.store import names

router = APIRouter(tags=["sources"])


def _prefix() -> Any:
    return Query(
        min_length=1, max_length=200,
        description="Part of a name, in any case: entities with a label or alias where a "
                    "word starts with it come first, then those with a name containing it.",
    )


Limit = Annotated[int | None, Query(
    ge=1, le=names.MAX_LIMIT,
    description=f"At most this many items (1 to {names.MAX_LIMIT}; with `q`, "
                f"{names.DEFAULT_LIMIT} when absent).",
)]


def complete(state: AppState, kind: names.Kind, q: str, limit: int | None) -> dict[str, Any]:
    """``{"items": [{"id", "iri", "label", "name"}, …]}``: up to ``limit`` entities of
    ``kind`` whose names match ``q``; ``label`` is the display name, ``name`` the label or
    alias that matched."""
    found = names.index_of(state.store).complete(kind, q, limit or names.DEFAULT_LIMIT)
    return {"items": [{"id": s.entity.id, "iri": s.entity.iri, "label": s.entity.label,
                       "name": s.name} for s in found]}


@router.get("/sources")
def list_sources(
    state: StateDep, q: Annotated[str | None, _prefix()] = None, limit: Limit = None
) -> dict[str, Any]:
    """Without ``q``: every speaker and outlet with claim and contradiction counts (the
    first ``limit`` of them, most contradictions first, when given).

    With ``q``: name completion over speakers, outlets and the organisations speakers belong
    to, as ``{"items": [{"id", "iri", "label", "name"}, …]}`` (``name``: the label or alias
    that matched), words starting with ``q`` first; answered from names kept in memory, so it
    costs no scan of the store per call. A ``limit`` outside 1 to 100, or an empty or over-long
    ``q``, is a 422."""
    if q is not None:
        return complete(state, "source", q, limit)
    items = reports.list_sources(state.store)
    return {"items": items if limit is None else items[:limit]}


@router.get("/subjects")
def complete_subjects(
    state: StateDep, q: Annotated[str, _prefix()], limit: Limit = None
) -> dict[str, Any]:
    """Name completion over the subjects of current disputes (what the review queue's subject
    filter can match), as ``/sources?q=`` does for sources: ``{"items": [{"id", "iri",
    "label", "name"}, …]}``, at most ``limit`` (default 20, at most 100; else a 422)."""
    return complete(state, "subject", q, limit)
