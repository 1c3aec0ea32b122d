"""Group commit: claims posted at the same time are written together, and each request still
gets its own answer (its contradictions, its 422 or 409), only once its claim is stored."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal

from app.api.deps import AppState
from app.detect.group_commit import GroupCommit, WriterStopped
from app.main import build_state, create_app
from app.model.claims import ClaimIn
from app.model.errors import InvalidInput, StoreError
from app.model.vocab import CG
from tests.conftest import bearer, claim, make_tokens, settings, st

REFUSED_VERB = "refused-by-shapes"  # a claim the (wrapped) SHACL check turns down


@pytest.fixture
def disk_state(tmp_path: Path) -> Iterator[AppState]:
    """The seeded app state over an on-disk store."""
    state = build_state(settings(store=str(tmp_path / "store"), seed=True))
    yield state
    state.store.close()


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def body(c: ClaimIn) -> str:
    return c.model_dump_json(exclude_none=True)


def post_together(
    state: AppState, client: TestClient, claims: list[ClaimIn], headers: dict[str, str]
) -> list[httpx.Response]:
    """Post every claim from its own thread while the writer is held inside the write of
    another claim, so that they all wait and are written as one group; answers in the order
    of ``claims``."""
    headers = {"content-type": "application/json", **headers}
    plug = claim("sohr", [st("sudan", "fightingStatus", "ongoing")])
    with ThreadPoolExecutor(len(claims) + 1) as pool:
        with state.service.lock:  # the writer waits here, as behind a long write
            first = pool.submit(client.post, "/claims", content=body(plug), headers=headers)
            wait_for(lambda: state.commits.writing == 1)
            futures = [pool.submit(client.post, "/claims", content=body(c), headers=headers)
                       for c in claims]
            wait_for(lambda: state.commits.pending == len(claims) + 1)
        assert first.result(timeout=120).status_code == 201
        return [f.result(timeout=120) for f in futures]


def test_concurrent_claims_are_written_together_with_their_own_answers(
    disk_state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    builder = disk_state.service.builder
    validate_graph = builder.validate_graph

    def shapes(data: Graph) -> None:  # the real shapes, plus one refusal the test controls
        if (None, CG.reportingVerb, Literal(REFUSED_VERB)) in data:
            raise InvalidInput("the claim does not satisfy the SHACL shapes")
        validate_graph(data)

    monkeypatch.setattr(builder, "validate_graph", shapes)
    editor = bearer(make_tokens(disk_state)["editor"])
    ended = claim("sohr", [st("deir-el-zour", "fightingStatus", "ended")])
    ongoing = claim("sean-ryan", [st("deir-el-zour", "fightingStatus", "ongoing")])
    first = claim("sohr", [st("sosa", "fightingStatus", "ended")], id="same-id")
    other = claim("ekrem-salih", [st("sosa", "fightingStatus", "ongoing")], id="same-id")
    twice = claim("coalition", [st("kishma", "fightingStatus", "ongoing")])
    unknown = claim("sohr", [st("merv", "color", "red")])
    refused = claim("sohr", [st("baghuz", "fightingStatus", "ended")],
                    reporting_verb=REFUSED_VERB)
    agreeing = [claim(s, [st(f"place-{n}", "fightingStatus", "ongoing")])
                for n, s in enumerate(["coalition", "sean-ryan", "mustafa-bali"] * 4)]
    claims = [ended, ongoing, first, other, twice, twice, unknown, refused, *agreeing]
    assert len(claims) == 20

    with TestClient(create_app(disk_state.settings, state=disk_state)) as client:
        answers = post_together(disk_state, client, claims, editor)
        status = [a.status_code for a in answers]
        assert (disk_state.commits.batches, disk_state.commits.claims) == (2, 21)

        # two conflicting claims of one batch: the contradiction is reported to both
        a, b = answers[0].json(), answers[1].json()
        assert status[:2] == [201, 201], answers[0].text
        assert a["new_contradictions"] and a["new_contradictions"] == b["new_contradictions"]
        assert [d["id"] for d in a["disputes"]] == [d["id"] for d in b["disputes"]]
        # the same id with other content: one is stored, the other is a conflict
        assert sorted(status[2:4]) == [201, 409]
        loser = answers[2] if status[2] == 409 else answers[3]
        assert "already used by a different claim" in loser.json()["message"]
        winner = (first, other)[status[2:4].index(201)]
        stored = client.get("/claims/same-id").json()
        assert stored["speakers"][0]["id"] == winner.speakers[0]
        # an identical claim twice: created once, then answered as already there
        assert sorted(status[4:6]) == [200, 201]
        assert answers[4].json()["claim"]["id"] == answers[5].json()["claim"]["id"]
        # bad claims get their own 422; nothing of theirs is stored
        assert status[6:8] == [422, 422]
        assert "claim property" in answers[6].json()["message"]
        assert "SHACL" in answers[7].json()["message"]
        # claims that contradict nothing learn of nothing, though their batch found some
        assert status[8:] == [201] * 12
        assert all(x.json()["new_contradictions"] == [] for x in answers[8:])

        acknowledged = [x.json()["claim"]["id"] for x in answers if x.status_code in (200, 201)]
        assert len(acknowledged) == 17
        for claim_id in acknowledged:
            assert client.get(f"/claims/{claim_id}").status_code == 200
        assert client.get("/sparql", params={"query": (
            f"ASK {{ ?c <{CG.reportingVerb}> \"{REFUSED_VERB}\" }}")}).json()["boolean"] is False


def test_claims_written_together_match_one_by_one(disk_state: AppState, tmp_path: Path) -> None:
    """The group write stores the same claims and finds the same contradictions as the
    same claims submitted one after another."""
    speakers = ["sohr", "sean-ryan", "mustafa-bali", "coalition"]
    values = ["ended", "ongoing"]
    claims = [claim(speakers[n % 4], [st("syria", "fightingStatus", values[n % 2])])
              for n in range(8)]
    together = disk_state.service.submit_batch(claims)
    alone = build_state(settings(store=str(tmp_path / "alone"), seed=True))
    try:
        one_by_one = [alone.service.submit(c) for c in claims]
    finally:
        alone.store.close()

    def found(results: list[Any]) -> list[set[str]]:
        return [set(r.detection.new_contradictions) for r in results]

    grouped, single = found(together), found(one_by_one)
    # one by one, a contradiction is new for the later claim of its pair; in a group, it is
    # new for both: every pair found one by one is reported to both of its claims together
    for n, contradictions in enumerate(single):
        for k in contradictions:
            holders = [m for m, g in enumerate(grouped) if k in g]
            assert n in holders and len(holders) == 2
    assert set().union(*grouped) == set().union(*single)


def test_stop_fails_waiting_claims_and_refuses_new_ones(disk_state: AppState) -> None:
    commits = GroupCommit(disk_state.service)
    claims = [claim("sohr", [st("syria", "fightingStatus", "ended")], id=f"stop-{n}")
              for n in range(3)]
    with disk_state.service.lock:  # the writer is stuck inside its first write
        futures = [commits.enqueue(claims[0])]
        wait_for(lambda: commits.writing == 1)
        futures += [commits.enqueue(c) for c in claims[1:]]
        started = time.monotonic()
        assert commits.stop(timeout=0.5) is False  # it did not wait for the stuck write
        assert time.monotonic() - started < 5
        with pytest.raises(WriterStopped):
            commits.enqueue(claims[0])
    outcomes = [f.exception(timeout=60) for f in futures]
    # the claim the writer had taken is written; those still waiting fail, unstored
    assert outcomes[0] is None
    assert isinstance(outcomes[1], WriterStopped) and isinstance(outcomes[2], WriterStopped)
    stored = {str(c) for c in disk_state.service.detector.db.all_claims()}
    for c, e in zip(claims, outcomes, strict=True):
        assert (f"https://w3id.org/claimgraph/id/claim/{c.id}" in stored) == (e is None)


def test_stop_drains_the_queue(disk_state: AppState) -> None:
    commits = GroupCommit(disk_state.service)
    held, release = threading.Event(), threading.Event()

    def hold_the_writer() -> None:
        with disk_state.service.lock:
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold_the_writer)
    holder.start()
    held.wait(30)
    claims = [claim("sohr", [st(f"drain-{n}", "fightingStatus", "ended")]) for n in range(5)]
    futures = [commits.enqueue(c) for c in claims]
    wait_for(lambda: commits.pending == 5)
    threading.Timer(0.3, release.set).start()
    assert commits.stop(timeout=60) is True  # waited for the write to finish the queue
    holder.join()
    assert all(f.result(timeout=0).created for f in futures)


def test_a_failed_insert_fails_every_new_claim_of_the_write_and_stores_none(
    disk_state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = disk_state.service
    stored = set(service.detector.db.all_claims())
    claims = [claim("sohr", [st(f"failing-{n}", "fightingStatus", "ended")]) for n in range(4)]

    def refuse(quads: object) -> None:
        raise StoreError("the store refused the write; nothing was written: disk full")

    monkeypatch.setattr(service.store, "insert", refuse)
    commits = GroupCommit(service)
    futures = [commits.enqueue(c) for c in claims]
    errors = [f.exception(timeout=60) for f in futures]
    assert all(isinstance(e, StoreError) and "was not stored" in e.message for e in errors)
    assert set(service.detector.db.all_claims()) == stored
    assert commits.stop(timeout=10)


def test_a_failed_detection_answers_stored_and_is_finished_by_the_next_write(
    disk_state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = disk_state.service
    ended = claim("sohr", [st("deir-el-zour", "fightingStatus", "ended")])
    ongoing = claim("sean-ryan", [st("deir-el-zour", "fightingStatus", "ongoing")])
    detect = service.detector.detect

    def broken(claims: object) -> object:
        raise RuntimeError("detection crashed")

    monkeypatch.setattr(service.detector, "detect", broken)
    failed = service.submit_batch([ended, ongoing])
    assert all(isinstance(f, StoreError) and "was stored" in f.message for f in failed)
    assert len(service.detector.db.pending()) == 2  # stored, flagged pending
    monkeypatch.setattr(service.detector, "detect", detect)
    again = service.submit(ended)  # the next write catches up first
    assert again.created is False
    assert service.detector.db.pending() == []
    assert service.submit(ongoing).created is False
    rows = service.detector.db.neighbourhood([again.claim])
    assert rows, "the pair's contradiction was stored by the catch-up"


def test_reads_are_answered_while_claims_wait_for_the_writer(disk_state: AppState) -> None:
    """Waiting claims hold no worker thread and readers never take the writer's lock: with
    more claims waiting than the app has worker threads, reads still answer."""
    editor = bearer(make_tokens(disk_state)["editor"])
    claims = [claim("sohr", [st(f"waiting-{n}", "fightingStatus", "ended")]) for n in range(12)]
    headers = {"content-type": "application/json", **editor}
    app = create_app(disk_state.settings, state=disk_state)
    with TestClient(app) as client, ThreadPoolExecutor(len(claims)) as pool:
        with disk_state.service.lock:
            futures = [pool.submit(client.post, "/claims", content=body(c), headers=headers)
                       for c in claims]
            wait_for(lambda: disk_state.commits.pending == len(claims))
            started = time.monotonic()
            for path in ("/claims/voa-hajin-sohr-1", "/disputes", "/health"):
                assert client.get(path).status_code == 200
            assert time.monotonic() - started < 20
            assert not any(f.done() for f in futures)  # acknowledged only once stored
        assert [f.result(timeout=120).status_code for f in futures] == [201] * len(claims)
