"""The review workflow over HTTP: auth, versions, history, verdicts and ClaimReview JSON-LD."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shlex
import shutil
import subprocess
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import PROV, RDF

from app.api.deps import AppState
from app.config import Settings
from app.main import build_state, create_app
from app.model.reviews import REVIEWER, Reviewer, Role, Status
from app.model.vocab import CG, CGV, CLAIM, DISPUTE
from app.review.service import review_service
from app.store import reviews as db
from app.store.tokens import TokenStore
from tests.conftest import ROOT, bearer, claim, make_tokens, running_server, settings, st

Auth = Callable[[str], dict[str, str]]
SDO = Namespace("https://schema.org/")
SOHR = "voa-hajin-sohr-1"
BALI = "voa-hajin-bali-1"


def seed_dispute(client: TestClient) -> str:
    dispute_id: str = client.get("/disputes").json()["items"][0]["id"]
    return dispute_id


def etag(client: TestClient, dispute_id: str) -> str:
    response = client.get(f"/disputes/{dispute_id}")
    assert response.status_code == 200
    tag: str = response.headers["etag"]
    return tag


def verdict(outcome: str = "supports-b", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "outcome": outcome,
        "rationale": "Later reports from the town say fighting went on for weeks.",
        "evidence": ["https://example.org/evidence/hajin-fighting"],
        "ratings": [{"claim": SOHR, "rating": "mostly-false"}, {"claim": BALI, "rating": "true"}],
    }
    body.update(overrides)
    return body


def post(
    client: TestClient, dispute_id: str, body: dict[str, Any], headers: dict[str, str]
) -> Any:
    return client.post(f"/disputes/{dispute_id}/reviews", json=body, headers=headers)


def start_review(client: TestClient, auth: Auth, dispute_id: str) -> None:
    headers = {**auth("reviewer"), "If-Match": etag(client, dispute_id)}
    response = post(client, dispute_id, {"status": "in-review", "note": "picked up"}, headers)
    assert response.status_code == 201, response.text


def resolve(client: TestClient, auth: Auth, dispute_id: str, **kw: Any) -> Any:
    headers = {**auth("reviewer"), "If-Match": etag(client, dispute_id)}
    return post(client, dispute_id, {"status": "resolved", "verdict": verdict(**kw)}, headers)


def quads(client: TestClient) -> int:
    count: int = client.get("/health").json()["quads"]
    return count


# -- access ---------------------------------------------------------------------------------
def test_reviews_need_a_known_token_with_the_reviewer_role(
    client: TestClient, auth: Auth
) -> None:
    d = seed_dispute(client)
    body = {"status": "in-review"}
    tag = {"If-Match": etag(client, d)}
    before = quads(client)
    missing = post(client, d, body, tag)
    assert missing.status_code == 401
    assert post(client, d, {"status": "bogus"}, tag).status_code == 401  # auth comes first
    assert missing.headers["www-authenticate"].startswith("Bearer")
    unknown = post(client, d, body, {**tag, **bearer("not-a-token")})
    assert unknown.status_code == 401 and unknown.headers["www-authenticate"].startswith("Bearer")
    wrong_role = post(client, d, body, {**tag, **auth("editor")})
    assert wrong_role.status_code == 403
    assert "reviewer" in wrong_role.json()["message"]
    assert quads(client) == before
    assert client.get(f"/disputes/{d}").json()["status"] == "open"
    assert post(client, d, body, {**tag, **auth("reviewer")}).status_code == 201


def test_admin_may_review_and_editor_may_post_claims_but_reviewer_may_not(
    client: TestClient, auth: Auth
) -> None:
    d = seed_dispute(client)
    admin = post(client, d, {"status": "in-review"}, {**auth("admin"), "If-Match": etag(client, d)})
    assert admin.status_code == 201
    claim = {"speakers": ["Reuters"], "article": {"url": "https://example.org/x", "text": "a b"},
             "quote": {"exact": "a b"}, "proposition": "a b"}
    assert client.post("/claims", json=claim).status_code == 401
    assert client.post("/claims", json=claim, headers=auth("reviewer")).status_code == 403


def test_reading_stays_public(client: TestClient, auth: Auth) -> None:
    d = seed_dispute(client)
    start_review(client, auth, d)
    assert resolve(client, auth, d).status_code == 201
    for path in (f"/disputes/{d}", f"/disputes/{d}/history", f"/disputes/{d}/review",
                 f"/claims/{SOHR}/claimreview", "/claimreviews", "/disputes"):
        assert client.get(path).status_code == 200, path


# -- versions -------------------------------------------------------------------------------
def test_two_reviewers_on_the_same_etag_first_wins_second_gets_409(
    client: TestClient, auth: Auth, seeded_state: AppState
) -> None:
    d = seed_dispute(client)
    tag = etag(client, d)
    assert tag == '"0"'
    second_reviewer = review_service(seeded_state.store, seeded_state.settings).tokens.create(
        "second-reviewer", Role.reviewer
    )
    first = post(client, d, {"status": "in-review"}, {**auth("reviewer"), "If-Match": tag})
    assert first.status_code == 201 and first.headers["etag"] == '"1"'
    before = quads(client)
    second = post(client, d, {"status": "dismissed", "note": "dupe"},
                  {**bearer(second_reviewer), "If-Match": tag})
    assert second.status_code == 409
    assert second.json()["error"] == "stale_version"
    assert second.json()["detail"]["current_version"] == 1
    assert quads(client) == before
    assert client.get(f"/disputes/{d}").json()["status"] == "in-review"
    assert etag(client, d) == '"1"'


def test_a_version_is_required_and_may_come_in_the_body(client: TestClient, auth: Auth) -> None:
    d = seed_dispute(client)
    missing = post(client, d, {"status": "in-review"}, auth("reviewer"))
    assert missing.status_code == 428
    assert "If-Match" in missing.json()["message"]
    stale = post(client, d, {"status": "in-review", "version": 7}, auth("reviewer"))
    assert stale.status_code == 409
    ok = post(client, d, {"status": "in-review", "version": 0}, auth("reviewer"))
    assert ok.status_code == 201 and ok.json()["version"] == 1


def test_concurrent_reviews_on_one_version_record_exactly_one(
    client: TestClient, auth: Auth
) -> None:
    d = seed_dispute(client)
    tag = etag(client, d)
    codes: list[int] = []

    def attempt() -> None:
        response = post(client, d, {"status": "in-review"}, {**auth("reviewer"), "If-Match": tag})
        codes.append(response.status_code)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [201] + [409] * 7
    assert len(client.get(f"/disputes/{d}/history").json()["items"]) == 1


def test_the_store_refuses_a_stale_write_even_without_the_service_lock(
    seeded_state: AppState,
) -> None:
    """The version check is inside the SPARQL update itself (other processes, remote store)."""
    store = seeded_state.store
    d = URIRef(DISPUTE[seed_dispute_id(seeded_state)])
    before = store.count()
    reviewer = Reviewer("r", Role.reviewer, REVIEWER["r"])
    now = dt.datetime.now(dt.UTC)
    action = db.ActionRecord(dispute=d, version=4, reviewer=reviewer, from_status=Status.open,
                             to_status=Status.in_review, started=now, ended=now)
    assert db.record(store, action, expected_version=3) is False
    assert store.count() == before
    action.version = 1
    assert db.record(store, action, expected_version=0) is True
    state = db.dispute_state(store, d)
    assert state is not None and state.version == 1 and state.status is Status.in_review


def seed_dispute_id(state: AppState) -> str:
    rows = state.store.select(
        "PREFIX cg: <https://w3id.org/claimgraph/ns#> SELECT ?d WHERE { ?d a cg:Dispute }"
    )
    return str(rows[0]["d"]).rsplit("/", 1)[-1]


# -- workflow and history ----------------------------------------------------------------------
def test_history_is_appended_in_order_with_states_and_prov(
    client: TestClient, auth: Auth, seeded_state: AppState
) -> None:
    d = seed_dispute(client)
    start_review(client, auth, d)
    assert resolve(client, auth, d).status_code == 201
    reopened = post(client, d, {"status": "in-review", "note": "new evidence"},
                    {**auth("reviewer"), "If-Match": etag(client, d)})
    assert reopened.status_code == 201
    history = client.get(f"/disputes/{d}/history").json()
    assert history["version"] == 3
    items = history["items"]
    assert [(h["version"], h["from"], h["to"]) for h in items] == [
        (1, "open", "in-review"), (2, "in-review", "resolved"), (3, "resolved", "in-review"),
    ]
    assert [h["verdict"] is not None for h in items] == [False, True, False]
    assert items[0]["note"] == "picked up" and items[2]["note"] == "new evidence"
    assert all(h["started"] <= h["ended"] for h in items)
    assert items[0]["reviewer"]["name"].startswith("test-reviewer")
    # the same history in the graph, as PROV
    store = seeded_state.store
    act = URIRef(items[1]["iri"])
    assert act == URIRef(f"https://w3id.org/claimgraph/id/review/{d}/2")
    for p, o in ((RDF.type, PROV.Activity), (RDF.type, CG.ReviewAction),
                 (CG.fromState, CGV.InReview), (CG.toState, CGV.Resolved),
                 (PROV.wasAssociatedWith, URIRef(items[1]["reviewer"]["iri"]))):
        assert store.ask("ASK WHERE { ?s ?p ?o }", {"s": act, "p": p, "o": o}), (p, o)
    assert store.ask(
        "PREFIX prov: <http://www.w3.org/ns/prov#> ASK WHERE { ?v prov:wasGeneratedBy ?act ;"
        " prov:generatedAtTime ?t . ?act prov:startedAtTime ?s ; prov:endedAtTime ?e }",
        {"act": act},
    )


def test_a_second_verdict_supersedes_and_keeps_the_first(client: TestClient, auth: Auth) -> None:
    d = seed_dispute(client)
    start_review(client, auth, d)
    first = resolve(client, auth, d).json()
    second_response = resolve(
        client, auth, d, outcome="both-partly", rationale="Both were partly right.",
        ratings=[{"claim": SOHR, "rating": "mixed"}],
    )
    assert second_response.status_code == 201, second_response.text
    second = second_response.json()
    assert (second["from"], second["to"]) == ("resolved", "resolved")
    assert second["verdict"]["revision_of"] == first["verdict"]["iri"]
    items = client.get(f"/disputes/{d}/history").json()["items"]
    kept = items[1]["verdict"]
    assert kept["outcome"] == "supports-b" and kept["superseded_by"] == second["verdict"]["iri"]
    assert kept["rationale"] == verdict()["rationale"]
    dispute = client.get(f"/disputes/{d}").json()
    assert dispute["verdict"]["outcome"] == "both-partly"
    assert dispute["version"] == 3 and dispute["status"] == "resolved"
    review = client.get(f"/claims/{SOHR}/claimreview").json()
    assert review["reviewRating"]["alternateName"] == "Mixed"
    assert review["reviewRating"]["ratingValue"] == 3
    feed = client.get("/claimreviews").json()["@graph"]
    # the superseded verdict's reviews are no longer published; the current one's are
    assert [r["itemReviewed"]["@id"] for r in feed] == [str(CLAIM[SOHR])]
    assert client.get(f"/claims/{BALI}/claimreview").status_code == 404


@pytest.mark.parametrize(
    ("status", "body_verdict", "fragment"),
    [
        ("resolved", None, "needs a verdict"),
        ("in-review", verdict(), "cannot come with status"),
        ("resolved", verdict(rationale="   "), "rationale"),
        ("resolved", verdict(rationale=""), "rationale"),
        ("resolved", verdict(outcome="probably"), "outcome"),
        ("resolved", verdict(evidence=["not a url"]), "evidence"),
        ("resolved", verdict(ratings=[]), "ratings"),
        ("resolved", verdict(ratings=[{"claim": SOHR, "rating": 7}]), "rating"),
        ("resolved", verdict(ratings=[{"claim": SOHR, "rating": "true"}] * 2), "once"),
        ("resolved", verdict(ratings=[{"claim": "voa-hajin-sean-ryan-1", "rating": "true"}]),
         "not in dispute"),
        ("resolved", verdict(extra="field"), "extra"),
    ],
)
def test_bad_verdicts_are_422_and_store_nothing(
    client: TestClient, auth: Auth, status: str, body_verdict: dict[str, Any] | None,
    fragment: str,
) -> None:
    d = seed_dispute(client)
    start_review(client, auth, d)
    before, tag = quads(client), etag(client, d)
    body: dict[str, Any] = {"status": status}
    if body_verdict is not None:
        body["verdict"] = body_verdict
    response = post(client, d, body, {**auth("reviewer"), "If-Match": tag})
    assert response.status_code == 422, response.text
    assert fragment in response.text
    assert quads(client) == before and etag(client, d) == tag


def test_moves_the_workflow_does_not_allow_are_409(client: TestClient, auth: Auth) -> None:
    d = seed_dispute(client)
    before = quads(client)
    response = post(client, d, {"status": "open"},
                    {**auth("reviewer"), "If-Match": etag(client, d)})
    assert response.status_code == 409
    assert response.json()["error"] == "invalid_transition"
    assert "'open' cannot move to 'open'" in response.json()["message"]
    assert "allowed: dismissed, in-review, resolved" in response.json()["message"]
    assert quads(client) == before
    dismissed = post(client, d, {"status": "dismissed", "note": "not a real conflict"},
                     {**auth("reviewer"), "If-Match": etag(client, d)})
    assert dismissed.status_code == 201
    again = post(client, d, {"status": "in-review"},
                 {**auth("reviewer"), "If-Match": etag(client, d)})
    assert again.status_code == 409
    panel = client.get(f"/disputes/{d}/review").json()
    assert panel["status"] == "dismissed" and panel["allowed"] == ["open"]


def test_unknown_dispute_is_404(client: TestClient, auth: Auth) -> None:
    response = post(client, "d-nope", {"status": "in-review", "version": 0}, auth("reviewer"))
    assert response.status_code == 404
    assert client.get("/disputes/d-nope/history").status_code == 404
    assert client.get("/claims/nope/claimreview").status_code == 404
    assert client.get(f"/claims/{SOHR}/claimreview").status_code == 404  # not reviewed yet


# -- the dispute list ------------------------------------------------------------------------
def test_list_filters_by_state_and_sorts(client: TestClient, auth: Auth) -> None:
    d = seed_dispute(client)
    for sort in ("newest", "sources", "unreviewed"):
        page = client.get("/disputes", params={"sort": sort}).json()
        assert [i["id"] for i in page["items"]] == [d]
    assert client.get("/disputes", params={"sort": "bogus"}).status_code == 422
    start_review(client, auth, d)
    assert client.get("/disputes", params={"status": "in-review"}).json()["total"] == 1
    assert client.get("/disputes", params={"status": "open"}).json()["total"] == 0
    item = client.get("/disputes").json()["items"][0]
    assert item["version"] == 1 and item["verdict"] is None


# -- ClaimReview JSON-LD ---------------------------------------------------------------------
def parse_jsonld(text: str) -> Graph:
    with warnings.catch_warnings():  # rdflib's JSON-LD parser warns about ConjunctiveGraph
        warnings.simplefilter("ignore", DeprecationWarning)
        return Graph().parse(data=text, format="json-ld")


def test_claimreview_json_ld_parses_into_schema_org_triples(
    client: TestClient, auth: Auth
) -> None:
    d = seed_dispute(client)
    start_review(client, auth, d)
    assert resolve(client, auth, d).status_code == 201
    response = client.get(f"/claims/{SOHR}/claimreview")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    g = parse_jsonld(response.text)
    reviews = list(g.subjects(RDF.type, SDO.ClaimReview))
    assert len(reviews) == 1
    cr = reviews[0]
    claim = URIRef(CLAIM[SOHR])
    assert (cr, SDO.itemReviewed, claim) in g
    assert (claim, RDF.type, SDO.Claim) in g
    assert g.value(cr, SDO.claimReviewed) == Literal("SDF fighters had taken Hajin from IS")
    rating = g.value(cr, SDO.reviewRating)
    assert rating is not None
    assert g.value(rating, SDO.ratingValue).toPython() == 2  # type: ignore[union-attr]
    assert g.value(rating, SDO.bestRating).toPython() == 5  # type: ignore[union-attr]
    assert g.value(rating, SDO.worstRating).toPython() == 1  # type: ignore[union-attr]
    assert str(g.value(rating, SDO.alternateName)) == "Mostly false"
    author = g.value(cr, SDO.author)
    assert (author, RDF.type, SDO.Organization) in g
    assert str(g.value(author, SDO.name)) == "claimgraph"
    speaker = g.value(claim, SDO.author)
    assert speaker == URIRef("https://w3id.org/claimgraph/id/entity/sohr")
    assert str(g.value(speaker, SDO.name)) == "Syrian Observatory for Human Rights"
    appearance = g.value(claim, SDO.appearance)
    assert str(g.value(appearance, SDO.url)).startswith("https://www.voanews.com/")
    assert g.value(cr, SDO.datePublished) is not None
    assert str(g.value(cr, SDO.url)) == f"http://127.0.0.1:8000/ui/disputes/{d}"


def test_the_feed_lists_every_published_review_newest_first(
    client: TestClient, auth: Auth
) -> None:
    assert client.get("/claimreviews").json()["@graph"] == []
    d = seed_dispute(client)
    start_review(client, auth, d)
    assert resolve(client, auth, d).status_code == 201
    response = client.get("/claimreviews")
    assert response.headers["content-type"].startswith("application/ld+json")
    g = parse_jsonld(response.text)
    reviewed = {g.value(cr, SDO.itemReviewed) for cr in g.subjects(RDF.type, SDO.ClaimReview)}
    assert reviewed == {URIRef(CLAIM[SOHR]), URIRef(CLAIM[BALI])}
    dates = [r["datePublished"] for r in response.json()["@graph"]]
    assert dates == sorted(dates, reverse=True)


def test_the_verdict_is_in_sparql(client: TestClient, auth: Auth) -> None:
    d = seed_dispute(client)
    start_review(client, auth, d)
    assert resolve(client, auth, d).status_code == 201
    query = """PREFIX schema: <https://schema.org/>
    SELECT ?claim ?label WHERE { ?cr a schema:ClaimReview ; schema:itemReviewed ?claim ;
      schema:reviewRating/schema:alternateName ?label } ORDER BY ?claim"""
    rows = client.get("/sparql", params={"query": query},
                      headers={"accept": "application/sparql-results+json"}).json()
    labels = [b["label"]["value"] for b in rows["results"]["bindings"]]
    assert labels == ["True", "Mostly false"]


def test_sort_by_newest_most_sources_and_oldest_unreviewed(empty_state: AppState) -> None:
    service = empty_state.service
    service.submit(claim("sohr", [st("hajin", "fightingStatus", "ended")]))
    older = service.submit(claim("sean-ryan", [st("hajin", "fightingStatus", "ongoing")]))
    service.submit(claim("sohr", [st("merv", "fightingStatus", "ended")]))
    service.submit(claim("sean-ryan", [st("merv", "fightingStatus", "ongoing")]))
    newer = service.submit(claim("mustafa-bali", [st("merv", "fightingStatus", "ongoing")]))
    d_old = sorted(older.detection.disputes)[0]
    d_new = sorted(newer.detection.disputes)[0]
    assert d_old != d_new
    reviewer = bearer(make_tokens(empty_state)["reviewer"])
    with TestClient(create_app(empty_state.settings, state=empty_state)) as c:
        def order(sort: str) -> list[str]:
            items = c.get("/disputes", params={"sort": sort}).json()["items"]
            return [i["id"] for i in items]

        assert order("newest") == [d_new, d_old]
        assert order("sources") == [d_new, d_old]  # three speakers against two
        assert order("unreviewed") == [d_old, d_new]  # oldest first
        assert post(c, d_old, {"status": "in-review", "version": 0}, reviewer).status_code == 201
        assert order("unreviewed") == [d_new, d_old]  # the reviewed one goes last


def test_current_verdicts_for_pages(client: TestClient, auth: Auth, seeded_state: AppState) -> None:
    d = seed_dispute(client)
    service = review_service(seeded_state.store, seeded_state.settings)
    assert service.current_verdicts([d]) == []
    start_review(client, auth, d)
    resolve(client, auth, d)
    [current] = service.current_verdicts([d, "d-nope"])
    assert current["dispute"] == d and current["outcome"] == "supports-b"
    assert {r["claim"]: r["rating"] for r in current["ratings"]} == {
        SOHR: "mostly-false", BALI: "true"}


def test_new_contradiction_reopens_a_resolved_dispute(seeded_state: AppState) -> None:
    from app.model.reviews import ReviewIn
    from app.store import views

    service = review_service(seeded_state.store, seeded_state.settings)
    (dispute,) = views.find_disputes(seeded_state.store, subject=None, source=None, type_=None, status=None)
    reviewer = service.authenticate(make_tokens(seeded_state)["reviewer"], Role.reviewer)
    service.submit(dispute, ReviewIn.model_validate({"status": "in-review"}), reviewer, 0)
    panel = service.panel(dispute)
    ratings = [{"claim": c, "rating": "mixed"} for c in panel["sides"]["b"]]
    service.submit(dispute, ReviewIn.model_validate({"status": "resolved", "verdict": {
        "outcome": "neither", "rationale": "checked", "ratings": ratings}}), reviewer, 1)
    assert db.dispute_state(seeded_state.store, DISPUTE[dispute]).status.value == "resolved"
    seeded_state.service.submit(claim("coalition", [st("hajin", "controlStatus", "fully-controlled")]))
    state = db.dispute_state(seeded_state.store, DISPUTE[dispute])
    assert state.status.value == "open" and state.version == 3
    last = service.history(dispute)[-1]
    assert "new contradictions" in (last.get("note") or "")


# -- one-step verdicts ---------------------------------------------------------------------
def test_an_open_dispute_is_resolved_in_one_request_recorded_as_one_action(
    client: TestClient, auth: Auth, seeded_state: AppState
) -> None:
    d = seed_dispute(client)
    assert client.get(f"/disputes/{d}/review").json()["allowed"] == [
        "dismissed", "in-review", "resolved"]
    before = quads(client)
    response = resolve(client, auth, d)
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"1"'
    action = response.json()
    assert (action["version"], action["from"], action["to"]) == (1, "open", "resolved")
    assert action["verdict"]["outcome"] == "supports-b"
    history = client.get(f"/disputes/{d}/history").json()
    assert [(h["version"], h["from"], h["to"]) for h in history["items"]] == [
        (1, "open", "resolved")]
    # one prov:Activity in the graph, not an invented in-review step
    acts = seeded_state.store.select(
        "PREFIX cg: <https://w3id.org/claimgraph/ns#> SELECT ?a ?from WHERE "
        "{ ?a a cg:ReviewAction ; cg:reviewOf ?d ; cg:fromState ?from }",
        {"d": URIRef(DISPUTE[d])},
    )
    assert [(str(r["a"]), r["from"]) for r in acts] == [(action["iri"], CGV.Open)]
    assert quads(client) > before
    dispute = client.get(f"/disputes/{d}").json()
    assert dispute["status"] == "resolved" and dispute["version"] == 1
    assert client.get(f"/claims/{SOHR}/claimreview").status_code == 200
    # the optimistic version check still holds for one-step verdicts
    stale = post(client, d, {"status": "resolved", "verdict": verdict(outcome="neither")},
                 {**auth("reviewer"), "If-Match": '"0"'})
    assert stale.status_code == 409 and stale.json()["error"] == "stale_version"
    missing = post(client, d, {"status": "resolved", "verdict": verdict()}, auth("reviewer"))
    assert missing.status_code == 428


def test_a_one_step_verdict_without_a_verdict_is_422_and_stores_nothing(
    client: TestClient, auth: Auth
) -> None:
    d = seed_dispute(client)
    before, tag = quads(client), etag(client, d)
    response = post(client, d, {"status": "resolved"}, {**auth("reviewer"), "If-Match": tag})
    assert response.status_code == 422 and "needs a verdict" in response.text
    assert quads(client) == before and etag(client, d) == tag


def test_the_verdict_form_resolves_an_open_dispute_in_one_submit(
    client: TestClient, auth: Auth, tokens: dict[str, str]
) -> None:
    d = seed_dispute(client)
    page = client.get(f"/ui/disputes/{d}")
    assert 'name="status" value="resolved"' in page.text
    # no move is preselected: a reviewer always says which one they mean
    assert 'value="resolved" required checked' not in page.text
    assert 'name="status" value="dismissed" required checked' not in page.text
    response = client.post(f"/ui/disputes/{d}/reviews", data={
        "token": tokens["reviewer"], "version": "0", "status": "resolved",
        "outcome": "supports-b", "rationale": "Fighting went on for weeks.",
        "evidence": "https://example.org/evidence/1",
        "rating:voa-hajin-sohr-1": "mostly-false", "rating:voa-hajin-bali-1": "true",
    }, follow_redirects=False)
    assert response.status_code == 303
    assert "ok=" in response.headers["location"]
    shown = client.get(response.headers["location"]).text
    assert "open → resolved" in shown
    review = client.get(f"/ui/disputes/{d}.json").json()["review"]
    assert review["status"] == "resolved" and review["version"] == 1
    assert [(h["from"], h["to"]) for h in review["history"]] == [("open", "resolved")]
    assert review["current"]["outcome"] == "supports-b"


def _readme_review_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Reviewing disputes"):]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    [block] = [b for b in blocks if "curl" in b and "/reviews" in b]
    return block


def _curl_request(block: str) -> tuple[str, str, dict[str, str], str]:
    """Method, URL, headers and body of the README's curl command."""
    args = shlex.split(block.replace("\\\n", " "))
    assert args[0] == "curl"
    method, url, headers, body = "GET", "", {}, ""
    i = 1
    while i < len(args):
        arg = args[i]
        if arg == "-X":
            method, i = args[i + 1], i + 1
        elif arg == "-H":
            name, _, value = args[i + 1].partition(":")
            headers[name.strip()] = value.strip()
            i += 1
        elif arg == "-d":
            body, i = args[i + 1], i + 1
        elif not arg.startswith("-"):
            url = arg
        i += 1
    return method, url, headers, body


def test_the_readme_review_example_works_verbatim(
    client: TestClient, tokens: dict[str, str]
) -> None:
    """The request exactly as the README writes it, on a freshly seeded store."""
    method, url, headers, body = _curl_request(_readme_review_example())
    assert method == "POST" and url.startswith("localhost:8000/disputes/")
    headers["Authorization"] = headers["Authorization"].replace("$TOKEN", tokens["reviewer"])
    path = url.removeprefix("localhost:8000")
    assert path == f"/disputes/{seed_dispute(client)}/reviews"  # the seed's dispute id
    response = client.request(method, path, content=body.encode(), headers=headers)
    assert response.status_code == 201, response.text
    action = response.json()
    assert (action["from"], action["to"]) == ("open", "resolved")
    # the README's words about the sides hold: A is the SDF's, B the Observatory's
    assert action["verdict"]["outcome"] == "supports-a"
    # side A: the SDF and everyone else who says the fighting goes on; side B: the Observatory
    assert {BALI, "voa-hajin-sdf-officials-1", "voa-hajin-sdf-officials-2"} <= set(
        action["verdict"]["side_a"])
    assert action["verdict"]["side_b"] == [SOHR]
    assert len(client.get(path.removesuffix("/reviews") + "/history").json()["items"]) == 1


def test_the_readme_review_example_with_real_curl_on_a_real_server(tmp_path: Path) -> None:
    """The README's commands run by a shell: a token, then the curl command, against a
    server started as a user starts it."""
    if shutil.which("curl") is None:  # pragma: no cover - curl is on the development machine
        pytest.skip("curl is not installed")
    store = tmp_path / "store"
    token_store = TokenStore(Settings(store=str(store)).tokens_file)
    token = token_store.create("alice", Role.reviewer)
    token_store.close()
    with running_server(store, tmp_path / "server.log") as base:
        block = _readme_review_example().replace("localhost:8000", base.removeprefix("http://"))
        done = subprocess.run(
            ["bash", "-c", block.replace("curl -s", "curl -s -w '\\n%{http_code}'", 1)],
            env={**os.environ, "TOKEN": token}, capture_output=True, text=True, timeout=60,
        )
        body, _, code = done.stdout.rpartition("\n")
        assert code == "201", done.stdout + done.stderr
        assert json.loads(body)["to"] == "resolved"


# -- ClaimReview export: Google's fields, URLs from the setting ----------------------------------
GOOGLE_REQUIRED = {
    # https://developers.google.com/search/docs/appearance/structured-data/factcheck
    "ClaimReview": ("claimReviewed", "reviewRating", "url"),
    "Rating": ("alternateName",),
}
GOOGLE_RECOMMENDED = {
    "ClaimReview": ("author", "datePublished", "itemReviewed"),
    "Claim": ("author", "appearance", "datePublished", "firstAppearance"),
    "Rating": ("bestRating", "name", "ratingValue", "worstRating"),
}


@pytest.fixture
def public_state() -> Iterator[AppState]:
    """A seeded store whose app is published as https://checks.example.org/claimgraph."""
    state = build_state(settings(seed=True, public_url="https://checks.example.org/claimgraph/"))
    yield state
    state.store.close()


def test_claimreview_export_has_googles_fields_and_urls_from_the_setting(
    public_state: AppState,
) -> None:
    with TestClient(create_app(public_state.settings, state=public_state)) as client:
        check_export(client, make_tokens(public_state))


def check_export(client: TestClient, tokens: dict[str, str]) -> None:
    d = seed_dispute(client)
    response = post(client, d, {"status": "resolved", "verdict": verdict()},
                    {**bearer(tokens["reviewer"]), "If-Match": '"0"'})
    assert response.status_code == 201, response.text
    evil = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    one = client.get(f"/claims/{SOHR}/claimreview", headers=evil)
    feed = client.get("/claimreviews", headers=evil)
    for answer in (one, feed):
        assert answer.status_code == 200
        assert "evil.example" not in answer.text
        assert "testserver" not in answer.text
    docs = [one.json(), *feed.json()["@graph"]]
    assert len(docs) == 3
    for doc in docs:
        for name in GOOGLE_REQUIRED["ClaimReview"] + GOOGLE_RECOMMENDED["ClaimReview"]:
            assert doc.get(name), (name, doc)
        assert doc["@type"] == "ClaimReview"
        for name in GOOGLE_REQUIRED["Rating"] + GOOGLE_RECOMMENDED["Rating"]:
            assert doc["reviewRating"].get(name) is not None, name
        item = doc["itemReviewed"]
        assert item["@type"] == "Claim"
        for name in GOOGLE_RECOMMENDED["Claim"]:
            assert item.get(name), name
        assert doc["url"] == f"https://checks.example.org/claimgraph/ui/disputes/{d}"
        assert doc["author"] == {"@type": "Organization", "name": "claimgraph",
                                 "url": "https://checks.example.org/claimgraph/"}
    # every absolute URL of claimgraph's own is under the public URL; the others are the
    # w3id identifiers and the reviewed article's own address
    urls = set(re.findall(r'"(https?://[^"]+)"', one.text + feed.text))
    ours = {u for u in urls if "checks.example.org" in u}
    assert ours and all(u.startswith("https://checks.example.org/claimgraph/") for u in ours)
    others = urls - ours
    assert all(u.startswith(("https://w3id.org/claimgraph/", "https://www.voanews.com/"))
               or u == "https://schema.org/" for u in others), others


def test_public_url_setting_refuses_what_is_not_a_base_url() -> None:
    with pytest.raises(ValidationError):
        Settings(public_url="checks.example.org")
    with pytest.raises(ValidationError):
        Settings(public_url="https://checks.example.org/?x=1")
    assert Settings(public_url="https://checks.example.org").public_url == (
        "https://checks.example.org")


@pytest.mark.parametrize("value", ['"\u00b2"', "\u0663", 'W/"\uff11"', '"1 "', '"-1"'])
def test_if_match_with_a_digit_that_is_not_ascii_is_a_4xx(value: str) -> None:
    from app.model.errors import DomainError
    from app.review.service import parse_etag

    with pytest.raises(DomainError) as caught:
        parse_etag(value)
    assert 400 <= caught.value.status_code < 500
