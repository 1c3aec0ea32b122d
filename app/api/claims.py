"""Claims: read one, or submit a structured claim with provenance."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from app.analysis import reports
from app.api.auth import EditorDep
from app.api.deps import StateDep
from app.model.claims import ClaimIn
from app.model.vocab import CLAIM, ENTITY, local_id

router = APIRouter(tags=["claims"])


@router.get("/claims/{claim_id}")
def get_claim(state: StateDep, claim_id: str) -> dict[str, Any]:
    """One claim: speaker, outlet, article, quote anchor, times, factuality, statements."""
    return reports.get_claim(state.store, claim_id)


@router.post("/claims", status_code=201)
def post_claim(
    state: StateDep, _: EditorDep, claim: ClaimIn, response: Response
) -> dict[str, Any]:
    """Validate (SHACL), store atomically, detect incrementally; return the disputes joined.

    Re-submitting an identical claim changes nothing and answers 200."""
    result = state.service.submit(claim)
    if not result.created:
        response.status_code = 200
    claim_id = local_id(str(result.claim), str(CLAIM))
    response.headers["Location"] = f"/claims/{claim_id}"
    view = reports.get_claim(state.store, claim_id)
    disputes = [reports.get_dispute(state.store, d) for d in view["disputes"]]
    return {
        "claim": view,
        "created": result.created,
        "minted_entities": [local_id(str(m), str(ENTITY)) for m in result.minted],
        "new_contradictions": result.detection.new_contradictions,
        "disputes": disputes,
    }
