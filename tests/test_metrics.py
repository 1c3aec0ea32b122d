"""GET /metrics: Prometheus exposition, per-app registries, route templates, store figures,
ingest and detection counters, and no 5xx when the store fails."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.api.deps import AppState
from app.main import build_state, create_app
from app.model.errors import StoreError
from tests.conftest import ARTICLE_TEXT, make_tokens, settings
from tests.test_api import Auth, conflicting_claim, seed_dispute
from tests.test_reviews import start_review

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient) -> Samples:
    """Every sample of /metrics, parsed by prometheus_client's own parser."""
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    """One sample's value, or None when it is absent."""
    return samples.get((name, frozenset(labels.items())))


def handlers(samples: Samples) -> set[str]:
    """The handler labels of http_requests_total."""
    return {dict(k[1])["handler"] for k in samples if k[0] == "http_requests_total"}


def test_metrics_are_public_and_parse(client: TestClient, seeded_state: AppState) -> None:
    samples = scrape(client)  # no token
    assert value(samples, "claimgraph_store_up") == 1
    assert value(samples, "claimgraph_store_quads") == client.get("/health").json()["quads"]
    assert value(samples, "claimgraph_store_claims") == len(
        seeded_state.service.detector.db.all_claims()) == 15  # the seed's claims
    # the seed's dispute: graded, negation, and control-vs-fighting contradictions
    assert value(samples, "claimgraph_store_contradictions") == 7


def test_openmetrics_when_asked(client: TestClient) -> None:
    response = client.get("/metrics", headers={"accept": "application/openmetrics-text"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")


def test_route_label_is_the_template_and_unmatched_paths_are_grouped(client: TestClient) -> None:
    claim_id = seed_dispute(client)["contradictions"][0]["sides"][0]["id"]
    assert client.get(f"/claims/{claim_id}").status_code == 200
    assert client.get("/claims/no-such-claim").status_code == 404
    assert client.get("/no/such/path/12345").status_code == 404
    # Starlette redirects a toggled trailing slash; the raw path must not become a label
    assert client.get(f"/claims/{claim_id}/", follow_redirects=False).status_code == 307
    samples = scrape(client)
    seen = handlers(samples)
    assert value(samples, "http_requests_total", handler="/claims/{claim_id}", method="GET",
                 status="2xx") == 1
    assert value(samples, "http_requests_total", handler="/claims/{claim_id}", method="GET",
                 status="4xx") == 1
    assert value(samples, "http_requests_total", handler="none", method="GET", status="4xx") == 1
    assert value(samples, "http_requests_total", handler="none", method="GET", status="3xx") == 1
    assert not any(claim_id in h or "no-such" in h or "12345" in h for h in seen), seen
    assert "/metrics" not in seen  # scrapes do not count themselves
    count = value(samples, "http_request_duration_seconds_count", handler="/claims/{claim_id}",
                  method="GET")
    assert count == 2  # latency per route (both answers)


def test_each_app_has_its_own_registry(seeded_state: AppState) -> None:
    one, two = create_app(seeded_state.settings, state=seeded_state), create_app(
        seeded_state.settings, state=seeded_state)
    assert one.state.metrics_registry is not two.state.metrics_registry
    with TestClient(one) as a, TestClient(two) as b:
        for _ in range(3):
            assert a.get("/health").status_code == 200
        assert value(scrape(a), "http_requests_total", handler="/health", method="GET",
                     status="2xx") == 3
        assert value(scrape(b), "http_requests_total", handler="/health", method="GET",
                     status="2xx") is None


def test_posting_a_claim_raises_the_counters(client: TestClient, auth: Auth) -> None:
    before = scrape(client)
    response = client.post("/claims", json=conflicting_claim(), headers=auth("editor"))
    assert response.status_code == 201, response.text
    found = len(response.json()["new_contradictions"])
    assert found == 7
    assert client.post("/claims", json=conflicting_claim(),
                       headers=auth("editor")).status_code == 200  # a repeat stores nothing
    after = scrape(client)

    def rise(name: str, **labels: str) -> float:
        return (value(after, name, **labels) or 0) - (value(before, name, **labels) or 0)

    assert rise("claimgraph_claims_stored_total") == 1
    assert rise("claimgraph_store_claims") == 1
    assert rise("claimgraph_detection_runs_total", mode="incremental") == 1
    assert rise("claimgraph_contradictions_found_total") == found
    assert rise("claimgraph_store_contradictions") == found
    assert rise("claimgraph_detection_duration_seconds_count", mode="incremental") == 1
    assert rise("http_requests_total", handler="/claims", method="POST", status="2xx") == 2


def test_disputes_by_state_match_the_dispute_list(client: TestClient, auth: Auth) -> None:
    samples = scrape(client)
    for state in ("open", "in-review", "resolved", "dismissed"):
        total = client.get("/disputes", params={"status": state}).json()["total"]
        assert value(samples, "claimgraph_disputes", state=state) == total
    assert value(samples, "claimgraph_disputes", state="open") == 1
    start_review(client, auth, seed_dispute(client)["id"])
    samples = scrape(client)
    assert value(samples, "claimgraph_disputes", state="open") == 0
    assert value(samples, "claimgraph_disputes", state="in-review") == 1


def test_full_detection_is_counted(seeded_state: AppState) -> None:
    with TestClient(create_app(seeded_state.settings, state=seeded_state)) as c:
        seeded_state.service.repair()
        samples = scrape(c)
    assert value(samples, "claimgraph_detection_runs_total", mode="full") == 1
    assert value(samples, "claimgraph_detection_duration_seconds_count", mode="full") == 1


@pytest.fixture
def empty_app() -> Iterator[tuple[TestClient, AppState]]:
    state = build_state(settings(seed=False))
    with TestClient(create_app(state.settings, state=state)) as c:
        yield c, state
    state.store.close()


def test_ingest_counters(empty_app: tuple[TestClient, AppState]) -> None:
    client, state = empty_app
    headers = {"Authorization": f"Bearer {make_tokens(state)['editor']}"}
    body = {"url": "https://example.org/voa-hajin", "text": ARTICLE_TEXT, "outlet": "VOA",
            "published": "2018-12"}
    first = client.post("/articles", json=body, headers=headers)
    assert first.status_code == 201, first.text
    out = first.json()
    assert client.post("/articles", json=body, headers=headers).json()["status"] == "unchanged"
    samples = scrape(client)
    assert value(samples, "claimgraph_articles_ingested_total", status="ingested") == 1
    assert value(samples, "claimgraph_articles_ingested_total", status="unchanged") == 1
    assert value(samples, "claimgraph_claims_stored_total") == out["new_claims"] > 0
    assert value(samples, "claimgraph_store_claims") == out["new_claims"]
    no_claim = sum(1 for s in out["statements"] if not s["makes_claim"])
    assert value(samples, "claimgraph_statements_skipped_total", reason="no_claim") == no_claim
    assert value(samples, "claimgraph_statements_skipped_total", reason="invalid") == len(
        out["skipped_claims"])
    assert value(samples, "claimgraph_contradictions_found_total") == len(
        out["new_contradictions"]) > 0


def test_a_failing_store_is_reported_not_a_5xx(
    client: TestClient, seeded_state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise StoreError("the store is gone")

    monkeypatch.setattr(seeded_state.store, "select", broken)
    monkeypatch.setattr(seeded_state.store, "count", broken)
    samples = scrape(client)  # asserts 200
    assert value(samples, "claimgraph_store_up") == 0
    assert value(samples, "claimgraph_store_quads") is None
    assert value(samples, "claimgraph_detection_runs_total", mode="incremental") is not None


def test_before_startup_the_store_is_not_up(seeded_state: AppState) -> None:
    app = create_app(seeded_state.settings)  # no state yet: the lifespan has not run
    response = TestClient(app).get("/metrics")  # no `with`: no lifespan
    assert response.status_code == 200
    assert "claimgraph_store_up 0.0" in response.text
