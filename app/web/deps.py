"""What the pages need from the app's state, without importing the JSON API package."""

from __future__ import annotations

from typing import Protocol

from fastapi import Request

from app.config import Settings
from app.detect.service import ClaimService
from app.store.base import GraphStore


class WebState(Protocol):
    """The parts of the app state the pages use (app.api.deps.AppState satisfies it)."""

    settings: Settings
    store: GraphStore
    service: ClaimService


def get_state(request: Request) -> WebState:
    """The app's state, set up by the lifespan handler."""
    state: WebState = request.app.state.claimgraph
    return state
