"""Dependencies shared by the routers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from app.config import Settings
from app.detect.service import ClaimService
from app.store.base import GraphStore


@dataclass
class AppState:
    """Everything the app holds for its lifetime."""

    settings: Settings
    store: GraphStore
    service: ClaimService


def get_state(request: Request) -> AppState:
    """The app's state, set up by the lifespan handler."""
    state: AppState = request.app.state.claimgraph
    return state


StateDep = Annotated[AppState, Depends(get_state)]
