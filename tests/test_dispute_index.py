"""The dispute list's index (app/store/dispute_index.py): the same ids, order and totals as the
store's queries for every filter and sort, kept current by writes of every kind."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st_
from rdflib import Literal, URIRef

from app.analysis import reports
from app.api.deps import AppState
from app.main import build_state, create_app
from app.model.vocab import (
    CG,
    CGV,
    CLAIM,
    CONTRADICTION,
    DISPUTE,
    ENTITY,
    PROV,
    RDF,
    SCHEMA,
    VOCAB_GRAPH,
    XSD,
)
from app.store.base import Quad
from app.store.dispute_index import DisputeFilter, DisputeIndex, index_of
from tests.conftest import claim, st
from tests.conftest import settings as app_settings
from tests.test_store_protocol import claim_insert

Auth = Callable[[str], dict[str, str]]
TYPES = [CG.ValueContradiction, CG.NegationContradiction, CG.GradedContradiction,
         CG.NumericContradiction]
STATUSES = list(reports.STATUSES.values())
PLACES = [ENTITY[f"ix-place-{i}"] for i in range(6)]
ORGS = [ENTITY[f"ix-org-{i}"] for i in range(3)]
PEOPLE = [ENTITY[f"ix-person-{i}"] for i in range(12)]
SORTS = ["newest", "sources", "unreviewed"]


def _time(t: dt.datetime) -> Literal:
    return Literal(t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), datatype=XSD.dateTime)


def _layer(rng: random.Random, n: int, start: int = 0) -> list[Quad]:
    """``n`` disputes in the shapes detection writes, with ties in time, merged disputes,
    disputes without contradictions, low and high confidence, reviews and nested members."""
    quads: list[Quad] = []
    base = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    for d_no in range(start, start + n):
        d = DISPUTE[f"ix-{d_no:04d}"]
        # few distinct times: many ties, broken by id
        created = base + dt.timedelta(hours=rng.randrange(40) * 7)
        status = rng.choice(STATUSES)
        quads += [(d, RDF.type, CG.Dispute, None), (d, CG.status, status, None),
                  (d, PROV.generatedAtTime, _time(created), None)]
        for k_no in range(rng.choice([0, 1, 1, 2, 3, 5])):
            k = CONTRADICTION[f"ix-{d_no:04d}-{k_no}"]
            a, b = CLAIM[f"ix-{d_no:04d}-{k_no}-a"], CLAIM[f"ix-{d_no:04d}-{k_no}-b"]
            for c in (a, b):
                quads += [(c, RDF.type, CG.Claim, None),
                          (c, PROV.wasAttributedTo, rng.choice(PEOPLE), None)]
            quads += [
                (k, RDF.type, CG.Contradiction, None), (k, RDF.type, rng.choice(TYPES), None),
                (k, CG.claim, a, None), (k, CG.claim, b, None),
                (k, CG.onSubject, rng.choice(PLACES), None),
                (k, CG.onProperty, CG.controlStatus, None),
                (k, PROV.generatedAtTime, _time(created), None),
                (k, CG.inDispute, d, None),
            ]
            if rng.random() < 0.4:
                quads.append((k, CG.confidence, Literal("low"), None))
        for act_no in range(rng.choice([0, 0, 1, 2])):
            act = URIRef(f"{d}/ix-review-{act_no}")
            quads += [(act, RDF.type, CG.ReviewAction, None), (act, CG.reviewOf, d, None)]
        if d_no > start and rng.random() < 0.08:
            quads.append((d, CG.mergedInto, DISPUTE[f"ix-{d_no - 1:04d}"], None))
    return quads


def _entities() -> list[Quad]:
    quads: list[Quad] = []
    for e, kind in [*((p, CG.Place) for p in PLACES), *((o, CG.Organization) for o in ORGS),
                    *((p, CG.Person) for p in PEOPLE)]:
        quads += [(e, RDF.type, kind, None), (e, RDF.type, PROV.Agent, None)]
    for i, person in enumerate(PEOPLE[:8]):
        quads.append((person, SCHEMA.memberOf, ORGS[i % 2], None))
    quads.append((ORGS[1], SCHEMA.memberOf, ORGS[2], None))  # members of members
    return quads


@pytest.fixture(scope="module")
def layered() -> Iterator[AppState]:
    """A bootstrapped store with ~300 synthesized disputes."""
    state = build_state(app_settings(seed=False))
    state.store.insert([*_entities(), *_layer(random.Random(5), 300)])
    yield state
    state.store.close()


FILTERS = st_.fixed_dictionaries({
    "subject": st_.sampled_from([None, *PLACES[:3], ENTITY["ix-nowhere"]]),
    "speakers": st_.sampled_from([None, ORGS[1], ORGS[2], PEOPLE[3], PEOPLE[10]]),
    "type_": st_.sampled_from([None, *TYPES]),
    "status": st_.sampled_from([None, *STATUSES]),
    "confidence": st_.sampled_from([None, "high", "low"]),
    "since": st_.sampled_from([None, dt.date(2024, 3, 5)]),
    "until": st_.sampled_from([None, dt.date(2024, 3, 9)]),
})


def _filter(state: AppState, values: dict[str, Any]) -> DisputeFilter:
    from app.store import views

    source = values["speakers"]
    speakers = None if source is None else tuple(views.source_speakers(state.store, source))
    return DisputeFilter(**{**values, "speakers": speakers})


def _check(state: AppState, index: DisputeIndex, f: DisputeFilter, sort: str,
           offset: int, limit: int) -> None:
    expected = reports.query_ids(state.store, f, sort)
    total, page = index.page(f, sort, offset, limit)
    assert total == len(expected)
    assert page == expected[offset:offset + limit]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=FILTERS, sort=st_.sampled_from(SORTS), offset=st_.sampled_from([0, 0, 3, 40]),
       limit=st_.sampled_from([1, 5, 20, 400]))
def test_the_index_pages_as_the_queries_do(
    layered: AppState, values: dict[str, Any], sort: str, offset: int, limit: int
) -> None:
    index = index_of(layered.store)
    assert index is not None
    _check(layered, index, _filter(layered, values), sort, offset, limit)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=FILTERS)
def test_counts_by_state_are_the_totals_of_each_state(
    layered: AppState, values: dict[str, Any]
) -> None:
    index = index_of(layered.store)
    assert index is not None
    f = _filter(layered, values)
    counts = index.status_counts(f)
    for status in STATUSES:
        from dataclasses import replace

        expected = len(reports.query_ids(layered.store, replace(f, status=status), "newest"))
        assert counts.get(str(status), 0) == expected


def test_every_kind_of_write_is_refreshed_by_id_or_rebuilt() -> None:
    """Random known-quad writes (new disputes, status moves, merges, contradictions moved
    between disputes, reviews, deletions) are refreshed by id; the answers stay those of the
    queries after each one; a raw update rebuilds."""
    state = build_state(app_settings(seed=False))
    try:
        store, rng = state.store, random.Random(9)
        store.insert([*_entities(), *_layer(rng, 60)])
        index = index_of(store)
        assert index is not None
        assert len(index) > 0 and index.builds == 1
        everything = DisputeFilter()
        for step in range(25):
            d = DISPUTE[f"ix-{rng.randrange(60):04d}"]
            move = step % 6
            if move == 0:
                store.insert(_layer(rng, 2, start=100 + 2 * step))
            elif move == 1:
                old = [r["s"] for r in store.select(
                    "SELECT ?s WHERE { ?d <https://w3id.org/claimgraph/ns#status> ?s }",
                    {"d": d})]
                store.write(insert=[(d, CG.status, rng.choice(STATUSES), None)],
                            delete=[(d, CG.status, s, None) for s in old])
            elif move == 2:
                store.write(insert=[(d, CG.mergedInto, DISPUTE["ix-0000"], None)])
            elif move == 3:
                rows = store.select("SELECT ?k ?d WHERE { ?k <https://w3id.org/claimgraph/ns#inDispute> ?d } LIMIT 1 OFFSET 7")
                k, was = rows[0]["k"], rows[0]["d"]
                store.write(insert=[(k, CG.inDispute, d, None)],
                            delete=[(k, CG.inDispute, was, None)])
            elif move == 4:
                act = URIRef(f"{d}/ix-extra-{step}")
                store.insert([(act, RDF.type, CG.ReviewAction, None), (act, CG.reviewOf, d, None)])
            else:
                rows = store.select("SELECT ?k WHERE { ?k <https://w3id.org/claimgraph/ns#confidence> ?c } LIMIT 1")
                if rows:
                    store.write(delete=[(rows[0]["k"], CG.confidence, Literal("low"), None)])
            for sort in SORTS:
                _check(state, index, everything, sort, 0, 1000)
            _check(state, index, DisputeFilter(confidence="low", status=CGV.Open), "newest", 0, 50)
        assert index.builds == 1 and index.refreshed > 0
        store.update("PREFIX cg: <https://w3id.org/claimgraph/ns#> DELETE WHERE "
                     "{ ?d cg:status <https://w3id.org/claimgraph/vocab/Dismissed> }")
        _check(state, index, everything, "newest", 0, 1000)
        assert index.builds == 2
    finally:
        state.store.close()


# -- through the API -------------------------------------------------------------------------
def _ids(client: TestClient, **params: Any) -> tuple[int, list[str]]:
    body = client.get("/disputes", params=params).json()
    return body["total"], [d["id"] for d in body["items"]]


def _counts(client: TestClient, **params: Any) -> dict[str, int]:
    counts: dict[str, int] = client.get("/ui/disputes.json", params=params).json()["counts"]
    return counts


def _post_claim(client: TestClient, auth: Auth, c: Any) -> dict[str, Any]:
    response = client.post("/claims", json=c.model_dump(mode="json", exclude_none=True),
                           headers=auth("editor"))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _review(client: TestClient, auth: Auth, dispute_id: str, status: str) -> None:
    tag = client.get(f"/disputes/{dispute_id}").headers["etag"]
    response = client.post(f"/disputes/{dispute_id}/reviews", json={"status": status},
                           headers={**auth("reviewer"), "If-Match": tag})
    assert response.status_code == 201, response.text


def test_claims_reviews_merges_and_raw_updates_are_seen_at_the_next_read(
    client: TestClient, seeded_state: AppState, auth: Auth
) -> None:
    index = index_of(seeded_state.store)
    assert index is not None
    upd = {"content-type": "application/sparql-update", **auth("editor")}
    total, (seed,) = _ids(client)
    assert total == 1
    assert _counts(client) == {"open": 1, "in-review": 0, "resolved": 0, "dismissed": 0}
    builds = index.builds

    # a claim POST that starts a dispute of its own: refreshed by id, newest first
    _post_claim(client, auth, claim("sohr", [st("sosa", "fightingStatus", "ended")]))
    _post_claim(client, auth, claim("ekrem-salih", [st("sosa", "fightingStatus", "ongoing")]))
    total, ids = _ids(client)
    assert total == 2 and ids[1] == seed
    sosa = ids[0]
    assert _ids(client, subject="sosa") == (1, [sosa])
    assert _counts(client) == {"open": 2, "in-review": 0, "resolved": 0, "dismissed": 0}

    # a review moves it: status filter, counts and sort=unreviewed follow
    _review(client, auth, sosa, "in-review")
    assert _ids(client, status="in-review") == (1, [sosa])
    assert _ids(client, status="open") == (1, [seed])
    assert _ids(client, sort="unreviewed")[1] == [seed, sosa]
    assert _counts(client) == {"open": 1, "in-review": 1, "resolved": 0, "dismissed": 0}
    assert index.builds == builds  # no rebuild: the writes named their disputes

    # a claim that bridges the two disputes merges one into the other
    _post_claim(client, auth, claim(
        "mustafa-bali", [st("hajin", "controlStatus", "fully-controlled"),
                         st("sosa", "fightingStatus", "ended")]))
    total, ids = _ids(client)
    assert total == 1
    (kept,) = ids
    merged = ({seed, sosa} - {kept}).pop()
    assert client.get(f"/disputes/{merged}").json()["merged_into"] == kept
    assert sum(_counts(client).values()) == 1
    assert index.builds == builds

    # a claim inserted by SPARQL Update (INSERT DATA: its quads are known) joins the dispute
    assert _ids(client, source="Reuters") == (0, [])
    insert = claim_insert(seeded_state, id="ix-raw-claim", speakers=["Reuters"])
    response = client.post("/sparql/update", content=insert, headers=upd)
    assert response.status_code == 200, response.text
    assert _ids(client, source="Reuters") == (1, [kept])
    assert index.builds == builds
    offered = client.get("/sources", params={"q": "Reuters"}).json()["items"]
    assert "Reuters" in {c["label"] for c in offered}  # a new speaker is offered

    # a pattern-based update (what it writes is unknown) has the index rebuilt at the next read
    update = (
        "PREFIX cg: <https://w3id.org/claimgraph/ns#>\n"
        f"INSERT {{ GRAPH <https://example.org/reference> {{ <{DISPUTE[kept]}> cg:note ?n }} }} "
        "WHERE { BIND('x' AS ?n) }"
    )
    response = client.post("/sparql/update", content=update, headers=upd)
    assert response.status_code == 200, response.text
    assert _ids(client, source="Reuters") == (1, [kept])
    assert index.builds == builds + 1


def test_a_raw_update_that_moves_a_dispute_is_seen(
    seeded_state: AppState, client: TestClient
) -> None:
    """A SPARQL Update the store cannot see into (here run on the store directly, as the
    write service runs an accepted /sparql/update) is reflected in the next page."""
    _, (seed,) = _ids(client)
    assert _counts(client)["open"] == 1
    seeded_state.store.update(
        "PREFIX cg: <https://w3id.org/claimgraph/ns#> PREFIX cgv: <https://w3id.org/claimgraph/vocab/>\n"
        "DELETE { ?d cg:status ?s } INSERT { ?d cg:status cgv:Dismissed } WHERE { ?d cg:status ?s }"
    )
    assert _ids(client, status="dismissed") == (1, [seed])
    assert _counts(client) == {"open": 0, "in-review": 0, "resolved": 0, "dismissed": 1}


def test_date_filters_of_the_queue_come_from_the_index(
    client: TestClient, seeded_state: AppState
) -> None:
    (item,) = client.get("/ui/disputes.json").json()["items"]
    day = dt.date.fromisoformat(item["created"][:10])
    inside = {"since": day.isoformat(), "until": day.isoformat()}
    after = {"since": (day + dt.timedelta(days=1)).isoformat()}
    assert client.get("/ui/disputes.json", params=inside).json()["total"] == 1
    assert client.get("/ui/disputes.json", params=inside).json()["counts"]["open"] == 1
    assert client.get("/ui/disputes.json", params=after).json()["total"] == 0
    assert client.get("/ui/disputes.json", params=after).json()["counts"]["open"] == 0


def test_unknown_names_match_nothing_and_bad_filters_are_refused(client: TestClient) -> None:
    assert _ids(client, subject="Atlantis") == (0, [])
    assert _ids(client, source="nobody-at-all") == (0, [])
    assert client.get("/disputes", params={"sort": "oldest"}).status_code == 422
    assert client.get("/disputes", params={"status": "closed"}).status_code == 422


def test_stores_others_may_write_keep_the_query_path() -> None:
    from app.store.base import GraphStore

    assert GraphStore.sees_every_write is False  # a remote endpoint gets no index
    state = build_state(app_settings(seed=False))
    try:
        assert index_of(state.store) is index_of(state.store)  # one per store
    finally:
        state.store.close()


def test_the_app_answers_from_the_index(seeded_state: AppState) -> None:
    with TestClient(create_app(seeded_state.settings, state=seeded_state)) as c:
        assert c.get("/disputes").json()["total"] == 1
    index = index_of(seeded_state.store)
    assert index is not None and index.builds == 1


def test_page_views_are_reused_until_a_write_touches_them(
    client: TestClient, seeded_state: AppState, auth: Auth, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.store import views

    built: list[list[str]] = []
    real = views.disputes

    def spy(store: Any, ids: Any) -> list[dict[str, Any]]:
        built.append(list(ids))
        return real(store, ids)

    def page() -> tuple[dict[str, Any], int]:
        """The one item of /disputes, and how many views were built for it."""
        before = len(built)
        (item,) = client.get("/disputes").json()["items"]
        return item, len(built) - before

    def fresh(dispute_id: str) -> Any:
        return json.loads(json.dumps(real(seeded_state.store, [dispute_id])[0]))

    monkeypatch.setattr(views, "disputes", spy)
    seed, n = page()
    assert n == 1
    assert page() == (seed, 0)  # reused
    assert client.get("/ui/disputes.json").json()["items"][0]["status"] == "open"

    _review(client, auth, seed["id"], "in-review")  # touches the dispute: built again
    item, n = page()
    assert n == 1 and (item["status"], item["version"]) == ("in-review", 1)
    assert item == fresh(seed["id"])

    # an entity no view shows: nothing to build again
    seeded_state.store.insert([(ENTITY["ix-elsewhere"], SCHEMA.memberOf, ENTITY["voa"], None)])
    assert page() == (item, 0)
    # an entity a view shows (a speaker's affiliation): that view is built again
    speaker = next(s for s in item["sources"] if s["id"] == "sohr")
    seeded_state.store.insert([(URIRef(speaker["iri"]), SCHEMA.memberOf, ENTITY["voa"], None)])
    again, n = page()
    assert n == 1 and again == fresh(seed["id"]) and again != item
    # the vocabulary (labels, rule texts) shows in every view
    seeded_state.store.insert([(CG.Claim, SCHEMA.name, Literal("x"), VOCAB_GRAPH)])
    assert page() == (again, 1)


def test_the_queue_offers_a_new_speaker_as_soon_as_it_is_stored(
    client: TestClient, seeded_state: AppState, auth: Auth
) -> None:
    """The queue's source box completes from the name index (GET /sources?q=): every speaker
    of the store is offered, and a new one from the next read on."""
    def offered(q: str) -> set[str]:
        response = client.get("/sources", params={"q": q, "limit": 100})
        assert response.status_code == 200, response.text
        return {c["id"] for c in response.json()["items"]}

    everyone = {s["id"] for s in reports.list_sources(seeded_state.store)}
    assert len(everyone) > 3
    for source in reports.list_sources(seeded_state.store):
        assert source["id"] in offered(source["label"])
    _post_claim(client, auth, claim("ix-new-speaker", [st("sosa", "fightingStatus", "ended")]))
    assert "ix-new-speaker" in offered("ix-new")


def test_warming_builds_once_and_reads_wait_for_it(seeded_state: AppState) -> None:
    index = index_of(seeded_state.store)
    assert index is not None
    index.warm()
    assert reports.list_disputes(
        seeded_state.store, seeded_state.service.builder, subject=None, source=None, type_=None,
        status=None, offset=0, limit=5).total == 1
    assert index.builds == 1
