"""Who may write: API tokens (``Authorization: Bearer <token>``) and their roles.

Reading stays public. Writes take one of the aliases below: ``ReviewerDep`` (verdicts),
``EditorDep`` (claims and articles), ``AdminDep`` (everything). A missing or unknown token is
a 401 with ``WWW-Authenticate: Bearer``; a token without the role is a 403."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.api.deps import StateDep
from app.model.reviews import Reviewer, Role
from app.review.service import ReviewService, review_service

bearer = HTTPBearer(auto_error=False, description="An API token from `claimgraph token create`")


async def get_reviews(state: StateDep) -> ReviewService:
    """The review service of the app's store. Async, like the token check below: both are
    cheap (a dictionary, a sqlite lookup well under 1 ms) and run on the event loop, so a
    write or a review does not wait for a worker thread behind queued reads."""
    return review_service(state.store, state.settings)


ReviewsDep = Annotated[ReviewService, Depends(get_reviews)]


def require(role: Role) -> Callable[..., Awaitable[Reviewer]]:
    """A dependency that returns the token's holder when it may act in ``role``."""

    async def dependency(
        reviews: ReviewsDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Reviewer:
        token = None if credentials is None else credentials.credentials
        return reviews.authenticate(token, role)

    dependency.__name__ = f"require_{role.value}"
    return dependency


ReviewerDep = Annotated[Reviewer, Depends(require(Role.reviewer))]
EditorDep = Annotated[Reviewer, Depends(require(Role.editor))]
AdminDep = Annotated[Reviewer, Depends(require(Role.admin))]
