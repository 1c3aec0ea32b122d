"""Claims: read one, or submit a structured claim with provenance."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Response

from app.analysis import reports
from app.api.auth import EditorDep
from app.api.deps import AppState, StateDep
from app.detect.service import Submission
from app.model.claims import ClaimIn
from app.model.vocab import CLAIM, ENTITY, local_id

router = APIRouter(tags=["claims"])


@router.get("/claims/{claim_id}")
def get_claim(state: StateDep, claim_id: str) -> dict[str, Any]:
    """One claim: speaker, outlet, article, quote anchor, times, factuality, statements."""
    return reports.get_claim(state.store, claim_id)


@router.post("/claims", status_code=201)
async def post_claim(
    state: StateDep, _: EditorDep, claim: ClaimIn, response: Response
) -> dict[str, Any]:
    """Validate (SHACL), store atomically, detect incrementally; return the disputes joined.

    Claims posted at the same time are written together (app.detect.group_commit); the answer
    comes once this claim is stored, with the contradictions that involve it. Re-submitting
    an identical claim changes nothing and answers 200."""
    # awaited, not blocking: claims waiting for the writer hold no worker thread that reads need
    started = time.perf_counter()
    result = await state.commits.submit_async(claim)
    written = time.perf_counter()
    if not result.created:
        response.status_code = 200
    claim_id = local_id(str(result.claim), str(CLAIM))
    response.headers["Location"] = f"/claims/{claim_id}"
    answer = await state.commits.after(lambda: _created(state, claim_id, result))
    # where the time went: waiting for and in the group write, then reading the answer back
    response.headers["Server-Timing"] = (
        f"write;dur={(written - started) * 1000:.1f}, "
        f"answer;dur={(time.perf_counter() - written) * 1000:.1f}")
    return answer


def _created(state: AppState, claim_id: str, result: Submission) -> dict[str, Any]:
    """The answer: the stored claim with its disputes, and what writing it found."""
    view = reports.get_claim(state.store, claim_id)
    disputes = [reports.get_dispute(state.store, d) for d in view["disputes"]]
    return {
        "claim": view,
        "created": result.created,
        "minted_entities": [local_id(str(m), str(ENTITY)) for m in result.minted],
        "new_contradictions": result.detection.new_contradictions,
        "disputes": disputes,
    }
