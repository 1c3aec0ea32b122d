"""Shared fixtures: real stores (in memory or on disk), the real app, driven in-process."""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.api.deps import AppState
from app.config import Settings
from app.detect.service import ClaimService
from app.main import build_state, create_app
from app.model.claims import ClaimIn
from app.model.reviews import Role
from app.review.service import review_service

pytest_plugins = ["tests.engines.fixtures"]

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


def make_tokens(state: AppState) -> dict[str, str]:
    """One real token per role (reviewer, editor, admin) for the state's store."""
    tokens = review_service(state.store, state.settings).tokens
    return {role.value: tokens.create(f"test-{role.value}-{next(_counter)}", role) for role in Role}


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for a token."""
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def tokens(seeded_state: AppState) -> dict[str, str]:
    """Tokens for the seeded store, by role."""
    return make_tokens(seeded_state)


@pytest.fixture
def auth(tokens: dict[str, str]) -> Callable[[str], dict[str, str]]:
    """Headers that authenticate as a role: ``client.post(..., headers=auth("editor"))``."""
    return lambda role: bearer(tokens[role])


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


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def running_server(store: Path, log: Path) -> Iterator[str]:
    """`python -m app serve` as a user starts it, on a free port; yields its base URL once
    /health answers, and stops it afterwards. Its output goes to ``log``."""
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--store", str(store)],
            stdout=out, stderr=subprocess.STDOUT, env={**os.environ},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=20)
