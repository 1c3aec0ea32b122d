"""Sources: speakers and the outlets that relay them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.analysis import reports
from app.api.deps import StateDep

router = APIRouter(tags=["sources"])


@router.get("/sources")
def list_sources(state: StateDep) -> dict[str, Any]:
    """Every speaker and outlet, with claim and contradiction counts."""
    return {"items": reports.list_sources(state.store)}
