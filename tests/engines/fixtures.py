"""The `engine` fixture: each real SPARQL engine in turn, started once per test session."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.engines.servers import STARTERS, Engine

ENGINES = [e.strip() for e in os.environ.get(
    "CLAIMGRAPH_TEST_ENGINES", "oxigraph,fuseki,virtuoso").split(",") if e.strip()]


@pytest.fixture(scope="session", params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Engine]:
    """A running engine (skipped when absent locally; a failure under CI)."""
    with STARTERS[request.param](tmp_path_factory.mktemp(request.param)) as running:
        yield running
