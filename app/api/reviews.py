"""The review workflow over HTTP: record a review, read a dispute's history, and publish
verdicts as schema.org ClaimReview JSON-LD.

Concurrency: ``GET /disputes/{id}`` (and ``/review``) return an ``ETag``, the dispute's review
version. ``POST /disputes/{id}/reviews`` needs it back in ``If-Match`` (or as ``version`` in
the body, for HTML forms): missing → 428; stale → 409 (not RFC 9110's 412, so that every
lost race is the same "conflict, reload and retry" answer, whichever way the version came)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Response
from fastapi.responses import JSONResponse

from app.api.auth import ReviewerDep, ReviewsDep
from app.model.reviews import ReviewIn
from app.review.service import JSONLD_CONTEXT, etag, parse_etag

router = APIRouter(tags=["reviews"])
JSONLD = "application/ld+json"


@router.post("/disputes/{dispute_id}/reviews", status_code=201)
def post_review(
    reviews: ReviewsDep, reviewer: ReviewerDep, dispute_id: str, review: ReviewIn,
    response: Response,
    if_match: Annotated[str | None, Header(description="The dispute's ETag as read")] = None,
) -> dict[str, Any]:
    """Record one review action (a move, with a verdict when resolving) on the version read."""
    action = reviews.submit(dispute_id, review, reviewer, parse_etag(if_match))
    response.headers["ETag"] = etag(action["version"])
    response.headers["Location"] = f"/disputes/{dispute_id}/history"
    return action


@router.get("/disputes/{dispute_id}/review")
def get_review_panel(reviews: ReviewsDep, dispute_id: str, response: Response) -> dict[str, Any]:
    """Where the dispute stands: status, version, allowed moves, sides A and B, verdict."""
    panel = reviews.panel(dispute_id)
    response.headers["ETag"] = panel["etag"]
    return panel


@router.get("/disputes/{dispute_id}/history")
def get_history(reviews: ReviewsDep, dispute_id: str, response: Response) -> dict[str, Any]:
    """Every review action on the dispute, oldest first (appended, never rewritten)."""
    items = reviews.history(dispute_id)
    version = reviews.version(dispute_id)
    response.headers["ETag"] = etag(version)
    return {"dispute": dispute_id, "version": version, "items": items}


@router.get("/claims/{claim_id}/claimreview", response_class=JSONResponse,
            responses={200: {"content": {JSONLD: {}}}})
def get_claim_review(reviews: ReviewsDep, claim_id: str) -> JSONResponse:
    """The claim's published review as schema.org ClaimReview (JSON-LD). Absolute URLs come
    from the CLAIMGRAPH_PUBLIC_URL setting, never from the request's Host header."""
    doc = reviews.claim_review(claim_id)
    return JSONResponse(doc, media_type=JSONLD)


@router.get("/claimreviews", response_class=JSONResponse,
            responses={200: {"content": {JSONLD: {}}}})
def get_claim_reviews(reviews: ReviewsDep) -> JSONResponse:
    """Every published ClaimReview (of current verdicts), newest first, as one JSON-LD graph.
    Absolute URLs come from CLAIMGRAPH_PUBLIC_URL."""
    docs = reviews.claim_reviews()
    return JSONResponse({"@context": JSONLD_CONTEXT, "@graph": docs}, media_type=JSONLD)
