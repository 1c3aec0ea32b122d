"""The whole OpenAPI document fuzzed by schemathesis, in process: no request may answer 5xx
or a status the document does not list, and every documented response body must match its
schema. Bounded (a few examples per operation) so that it fits in make test; the CLI gives
a deeper run: ``schemathesis run http://127.0.0.1:8000/openapi.json``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import build_state, create_app
from tests import conftest
from tests.conftest import bearer, make_tokens

STATE = build_state(conftest.settings(seed=True))
TOKENS = make_tokens(STATE)
APP = create_app(STATE.settings, state=STATE)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _close() -> Iterator[None]:
    yield
    STATE.store.close()


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_api_never_errors_and_keeps_its_contract(case: schemathesis.Case, role: str) -> None:
    headers = {} if role == "anonymous" else bearer(TOKENS[role])
    case.call_and_validate(headers=headers, checks=[
        not_a_server_error, status_code_conformance, response_schema_conformance])
