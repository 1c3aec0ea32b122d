"""Shared fixtures: real stores (in memory or on disk), the real app, driven in-process."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api.deps import AppState
from app.config import Settings
from app.detect.service import ClaimService
from app.main import build_state, create_app
from app.model.claims import ClaimIn

ROOT = Path(__file__).resolve().parents[1]
ARTICLE_TEXT = (ROOT / "graph_data" / "seed" / "voa-hajin-2018-12.txt").read_text(encoding="utf-8")
_counter = itertools.count()


def settings(**overrides: Any) -> Settings:
    """Test settings: in-memory store unless told otherwise."""
    values: dict[str, Any] = {"store": "memory", "environment": "test"}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def empty_state() -> Iterator[AppState]:
    """A bootstrapped, empty in-memory store (vocabulary and entities only)."""
    state = build_state(settings(seed=False))
    yield state
    state.store.close()


@pytest.fixture
def service(empty_state: AppState) -> ClaimService:
    """The claim service on an empty store."""
    return empty_state.service


@pytest.fixture
def seeded_state() -> Iterator[AppState]:
    """An in-memory store with the seed article loaded."""
    state = build_state(settings(seed=True))
    yield state
    state.store.close()


@pytest.fixture
def client(seeded_state: AppState) -> Iterator[TestClient]:
    """The app over the seeded store."""
    with TestClient(create_app(seeded_state.settings, state=seeded_state)) as c:
        yield c


def claim(
    speaker: str, statements: list[dict[str, Any]], *, quote: str | None = None,
    outlet: str = "voa", **fields: Any,
) -> ClaimIn:
    """A minimal valid claim in an article of its own whose text is the quote."""
    n = next(_counter)
    text = quote or f"Statement number {n} by {speaker}."
    payload: dict[str, Any] = {
        "speakers": [speaker],
        "article": {"url": f"https://example.org/news/{n}", "text": text, "outlet": outlet,
                    "title": f"Test article {n}"},
        "quote": {"exact": text},
        "statements": statements,
    }
    payload.update(fields)
    return ClaimIn.model_validate(payload)


def st(subject: str, prop: str, value: Any) -> dict[str, Any]:
    """One statement."""
    return {"subject": subject, "property": prop, "value": value}
