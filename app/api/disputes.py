"""Disputes: groups of contradictions between sources."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from app.analysis import reports
from app.api.auth import ReviewsDep
from app.api.deps import StateDep
from app.model.claims import Page

router = APIRouter(tags=["disputes"])


@router.get("/disputes", response_model=Page)
def list_disputes(
    state: StateDep,
    subject: Annotated[
        str | None, Query(max_length=300, description="Entity id or name, e.g. Hajin")
    ] = None,
    source: Annotated[
        str | None, Query(max_length=300, description="Speaker or organisation id or name")
    ] = None,
    type: Annotated[str | None, Query(description="value, negation, graded or numeric")] = None,
    status: Annotated[
        str | None, Query(description="open, in-review, resolved or dismissed")
    ] = None,
    confidence: Annotated[
        str | None, Query(description="high (some contradiction is sure the claims are about "
                          "one thing) or low (event identity uncertain; see each "
                          "contradiction's confidence_reason)")
    ] = None,
    sort: Annotated[
        str, Query(description="newest (default), sources (most sources involved first) or "
                   "unreviewed (never reviewed first, oldest first)")
    ] = "newest",
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> Page:
    """Disputed claims, newest first, with every contradiction and both sides' provenance."""
    size = min(limit or state.settings.page_size, state.settings.max_page_size)
    return reports.list_disputes(
        state.store, state.service.builder, subject=subject, source=source, type_=type,
        status=status, offset=offset, limit=size, sort=sort, confidence=confidence,
    )


@router.get("/disputes/{dispute_id}")
def get_dispute(
    state: StateDep, reviews: ReviewsDep, dispute_id: str, response: Response
) -> dict[str, Any]:
    """One dispute. Its ETag is its review version: send it back in If-Match when reviewing.
    ``fact_checks`` lists imported fact-checkers' ClaimReviews of its claims' quotes."""
    dispute = reports.get_dispute(state.store, dispute_id)
    claim_ids = sorted({side["id"] for c in dispute["contradictions"] for side in c["sides"]})
    dispute["fact_checks"] = reviews.fact_checks(claim_ids)
    response.headers["ETag"] = f'"{dispute["version"]}"'
    return dispute
