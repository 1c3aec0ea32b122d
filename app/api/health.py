"""Liveness and basic store figures."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app import __version__
from app.api.deps import StateDep

router = APIRouter(tags=["health"])


@router.get("/health")
def health(state: StateDep) -> dict[str, Any]:
    """Is the service up, and how big is the graph."""
    return {
        "status": "ok",
        "version": __version__,
        "store": "memory" if state.settings.in_memory else "oxigraph-rocksdb",
        "quads": state.store.count(),
    }
