"""The query worker pool (app/store/sandbox.py): workers die with the server, and one client
cannot hold every worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from app.model.errors import QueryTimeout
from app.store.sandbox import CLIENT, Job, QuerySandbox

HEAVY = ("SELECT (COUNT(*) AS ?c) WHERE { ?a ?p ?x . ?b ?p ?y . ?c ?p ?z . "
         "FILTER(STR(?x) < STR(?y) && STR(?y) < STR(?z)) }")
LIGHT = "ASK { <http://x.example/1> ?p ?o }"


def make_store(path: Path, n: int = 2000) -> str:
    store = ox.Store(str(path))
    store.bulk_extend([ox.Quad(ox.NamedNode(f"http://x.example/{i}"), ox.NamedNode("http://p"),
                               ox.Literal(str(i)), ox.DefaultGraph()) for i in range(n)])
    store.flush()
    del store
    return str(path)


def job(path: str, query: str) -> Job:
    return Job(path, query, 100, False, [], [], None, 0)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_worker_running_a_query_dies_with_the_server(tmp_path: Path) -> None:
    path = make_store(tmp_path / "store")
    server = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import threading, time
        from app.store.sandbox import QuerySandbox, Job
        box = QuerySandbox({path!r}, workers=1)
        threading.Thread(target=box.run, args=(Job({path!r}, {HEAVY!r}, 10, False, [], [], None, 0), 600), daemon=True).start()
        while not box._all:
            time.sleep(0.05)
        print(box._all[0].process.pid, flush=True)
        time.sleep(600)
        """)], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent)
    assert server.stdout is not None
    worker = int(server.stdout.readline())
    time.sleep(1.0)  # the worker is inside the query now
    assert alive(worker)
    os.kill(server.pid, signal.SIGKILL)
    server.wait()
    server.stdout.close()
    deadline = time.monotonic() + 10
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(worker), "the query worker outlived the server"


def test_one_client_cannot_hold_every_worker(tmp_path: Path) -> None:
    box = QuerySandbox(make_store(tmp_path / "store"), workers=2, per_client=1)
    events: list[str] = []

    def heavy(tag: str) -> None:
        CLIENT.set("greedy")
        try:
            box.run(job(box.path, HEAVY), 4)
            events.append(f"{tag} done")
        except QueryTimeout as exc:
            events.append(f"{tag} {'waited' if 'this client' in str(exc) else 'stopped'}")

    try:
        threads = [threading.Thread(target=heavy, args=(f"heavy{n}",)) for n in range(2)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        CLIENT.set("someone-else")
        kind, answer = box.run(job(box.path, LIGHT), 4)
        events.append("light done")
        assert (kind, answer) == ("ask", True)
        for t in threads:
            t.join()
    finally:
        box.close()
    # the greedy client's second query waited for its first; the other client's did not
    assert events[0] == "light done", events
    assert sorted(events[1:]) == ["heavy0 stopped", "heavy1 waited"] or \
        sorted(events[1:]) == ["heavy0 waited", "heavy1 stopped"], events


@pytest.mark.parametrize("client", [None, "a"])
def test_free_workers_serve_queries_in_turn(tmp_path: Path, client: str | None) -> None:
    box = QuerySandbox(make_store(tmp_path / "store", 10), workers=1, per_client=1)
    CLIENT.set(client)
    try:
        for _ in range(3):
            assert box.run(job(box.path, LIGHT), 10) == ("ask", True)
    finally:
        box.close()


def test_the_http_layer_names_the_client_to_the_pool(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from app.main import build_state, create_app
    from app.store.oxigraph import OxigraphStore
    from tests.conftest import settings

    seen: list[str | None] = []
    original = QuerySandbox.run

    def spy(self: QuerySandbox, job: Job, timeout_s: float) -> tuple[str, object]:
        seen.append(CLIENT.get())
        return original(self, job, timeout_s)

    monkeypatch.setattr(QuerySandbox, "run", spy)
    state = build_state(settings(store=str(tmp_path / "store")))
    assert isinstance(state.store, OxigraphStore) and state.store._sandbox is not None
    try:
        with TestClient(create_app(state.settings, state=state)) as client:
            assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200
    finally:
        state.store.close()
    assert seen == ["testclient"]


WRITTEN = [
    ox.Quad(ox.NamedNode("http://x.example/s"), ox.NamedNode("http://x.example/label"),
            ox.Literal("a\x01b\x00c\re\tf\ng <&> \"q\"", language="en"), ox.DefaultGraph()),
    ox.Quad(ox.NamedNode("http://x.example/s"), ox.NamedNode("http://x.example/n"),
            ox.Literal("42", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
            ox.DefaultGraph()),
    ox.Quad(ox.NamedNode("http://x.example/s"), ox.NamedNode("http://x.example/plain"),
            ox.Literal("x,y\ty"), ox.DefaultGraph()),
    ox.Quad(ox.NamedNode("http://x.example/s"), ox.NamedNode("http://x.example/node"),
            ox.BlankNode("b0"), ox.DefaultGraph()),
]
ALL = "SELECT ?p ?o ?none WHERE { <http://x.example/s> ?p ?o } ORDER BY ?p"


@pytest.mark.parametrize("media", [
    "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
    "text/tab-separated-values",
])
def test_the_worker_writes_the_answer_the_parent_would_write(tmp_path: Path, media: str) -> None:
    """Asked through ANSWER, the worker sends the answer in the negotiated format, and it is
    the answer the parent writes from rows (control characters, languages, datatypes, blank
    nodes, unbound variables): the fast path changes nothing a client sees."""
    import json

    from app.store.oxigraph import OxigraphStore
    from app.store.results import serialize
    from app.store.sandbox import ANSWER, Answer

    path = tmp_path / "store"
    store = ox.Store(str(path))
    store.extend(WRITTEN)
    store.flush()
    del store
    parent = OxigraphStore(path)  # no workers: rows come back to this process
    box = QuerySandbox(str(path), workers=1)
    try:
        expected = serialize(parent.run_user_query(
            ALL, max_rows=100, timeout_s=10, union_default_graph=False), media)
        for query, written in ((ALL, expected), ("ASK { ?s ?p ?o }", None)):
            if written is None:
                if media in ("text/csv", "text/tab-separated-values"):
                    continue  # no boolean in CSV/TSV
                written = serialize(parent.run_user_query(
                    query, max_rows=100, timeout_s=10, union_default_graph=False), media)
            answer = Answer({"select": media, "ask": media})
            token = ANSWER.set(answer)
            try:
                kind, payload = box.run(job(box.path, query), 10)
            finally:
                ANSWER.reset(token)
            assert answer.kind == kind and answer.body is not None
            if kind == "select":
                assert payload[1] == [], "rows were sent as well as the written answer"
            if media.endswith("json"):
                assert json.loads(answer.body) == json.loads(written)
            else:
                assert answer.body == written
        # without ANSWER, the worker sends rows as before
        kind, (names, rows, truncated) = box.run(job(box.path, ALL), 10)
        assert names == ["p", "o", "none"] and len(rows) == 4 and not truncated
    finally:
        box.close()
        parent.close()


def test_a_written_answer_keeps_the_row_cap(tmp_path: Path) -> None:
    from app.store.sandbox import ANSWER, Answer

    box = QuerySandbox(make_store(tmp_path / "store", 10), workers=1)
    answer = Answer({"select": "text/csv"})
    ANSWER.set(answer)
    try:
        capped = Job(box.path, "SELECT ?s WHERE { ?s ?p ?o }", 3, False, [], [], None, 0)
        kind, (_, _, truncated) = box.run(capped, 10)
    finally:
        box.close()
    assert kind == "select" and truncated
    assert answer.body is not None and answer.body.count(b"\r\n") == 4  # header + 3 rows
