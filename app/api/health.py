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
        "store": _backend(state.settings.store),
        "quads": state.store.count(),
    }


def _backend(location: str) -> str:
    if location == "memory":
        return "memory"
    if location.startswith("sparql+"):
        return "remote-sparql"
    return "oxigraph-rocksdb"
