"""Dependencies shared by the routers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from app.config import Settings
from app.detect.group_commit import GroupCommit
from app.detect.service import ClaimService
from app.store.base import GraphStore


@dataclass
class AppState:
    """Everything the app holds for its lifetime."""

    settings: Settings
    store: GraphStore
    service: ClaimService
    commits: GroupCommit = field(init=False)  # POST /claims goes through its group writes

    def __post_init__(self) -> None:
        self.commits = GroupCommit(self.service)


async def get_state(request: Request) -> AppState:
    """The app's state, set up by the lifespan handler. Async, so that resolving it costs no
    trip through the worker threads (under load, a wait behind every queued read)."""
    state: AppState = request.app.state.claimgraph
    return state


StateDep = Annotated[AppState, Depends(get_state)]
