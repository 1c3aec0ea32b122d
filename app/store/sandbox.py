"""Run analysts' queries in worker processes, so that a time limit really stops the work.

Oxigraph cannot interrupt a query that is still computing (an ORDER BY, an aggregate over a
cartesian product). Each worker opens the on-disk store read-only (RocksDB allows that next to
the writer; the view is reopened whenever the store was written since), runs the query and sends
the rows back.
When the time limit passes, the worker is killed and replaced: the CPU is freed at once.

A SELECT or ASK asked for over HTTP is written by the worker itself, in the negotiated
result format (see :class:`Answer`): the answer crosses the pipe as ready bytes, not as rows
of Python objects for the parent to convert and serialise again.

Workers die with the server: each one watches its parent process and exits when it is gone,
even in the middle of a query (pyoxigraph releases the GIL while it evaluates, so the watch
thread runs). Jobs are scheduled fairly: one client (its token, else its address, set in
:data:`CLIENT` by the HTTP layer) runs at most ``per_client`` queries at once, so a client
repeating a heavy query holds one worker and leaves the others to everyone else."""

from __future__ import annotations

import contextvars
import dataclasses
import json
import os
import pickle
import queue
import re
import select
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, BinaryIO, cast

import pyoxigraph as ox

from app.model.errors import BadQuery, QueryTimeout, StoreError

Term = tuple[str, str, str | None, str | None]  # kind, value, datatype, language

# Who is asking (a token's name or a client address); None for the server's own queries.
CLIENT: contextvars.ContextVar[str | None] = contextvars.ContextVar("query_client", default=None)

JSON_RESULTS = "application/sparql-results+json"
# What a worker can write itself: SPARQL results formats; None is the JSON written here.
WORKER_FORMATS: dict[str, ox.QueryResultsFormat | None] = {
    JSON_RESULTS: None,
    "application/json": None,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
# XML 1.0 cannot carry these characters, not even as character references: in XML answers
# each is replaced by U+FFFD (the other formats carry them).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
XML_REPLACEMENT = "\ufffd"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass
class Answer:
    """A request, from the HTTP layer, for the worker to write the answer itself: ``media``
    maps a query form (select, ask) to the negotiated media type. After the query, ``body``
    holds the answer's bytes when the worker wrote it (the rows then stay out of the
    QueryResult); None when it did not (a CONSTRUCT, an unlisted format, a store without
    workers), and the caller serialises the QueryResult as before."""

    media: dict[str, str]
    kind: str | None = None
    body: bytes | None = None


# Set by the SPARQL endpoint around one query, like CLIENT; None everywhere else.
ANSWER: contextvars.ContextVar[Answer | None] = contextvars.ContextVar(
    "query_answer", default=None)


@dataclass
class Job:
    """One query for a worker."""

    path: str
    query: str
    max_rows: int
    union_default_graph: bool
    default_graphs: list[str]
    named_graphs: list[str]
    base_iri: str | None
    generation: int = 0  # the store's write count; a worker reopens when it changes
    media: dict[str, str] | None = None  # query form -> media type the worker writes


def _term(term: Any) -> Term:
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value, None, None)
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value, None, None)
    return ("literal", term.value, term.datatype.value, term.language)


_OPEN: dict[str, tuple[int, Any]] = {}  # per worker process: path -> (generation, store)


def _open(job: Job) -> Any:
    """A read-only view of the store, reopened only when the data changed since the last one
    (the parent flushes before handing over a new generation, so the reopen is cheap)."""
    cached = _OPEN.get(job.path)
    if cached is not None and cached[0] == job.generation:
        return cached[1]
    store = ox.Store.read_only(job.path)
    _OPEN[job.path] = (job.generation, store)
    return store


def _execute(job: Job) -> tuple[tuple[str, Any], bytes | None]:
    """Run the job; reopen and retry when the writer's compaction removed a file under the
    read-only view (RocksDB read-only instances can race with it)."""
    for attempt in range(4):
        try:
            return _run(job)
        except (OSError, RuntimeError) as exc:
            if "No such file" not in str(exc) or attempt == 3:
                raise
            _OPEN.pop(job.path, None)
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _run(job: Job) -> tuple[tuple[str, Any], bytes | None]:
    """The result as (kind, payload), and the answer written in ``job.media`` if asked."""
    store = _open(job)
    kwargs: dict[str, Any] = {
        "use_default_graph_as_union": job.union_default_graph, "base_iri": job.base_iri,
    }
    if job.default_graphs:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
        kwargs["use_default_graph_as_union"] = False
    if job.named_graphs:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    result = store.query(job.query, **kwargs)
    media = job.media or {}
    if isinstance(result, ox.QueryBoolean):
        if "ask" in media:
            return ("ask", bool(result)), write_boolean(bool(result), media["ask"])
        return ("ask", bool(result)), None
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        if "select" in media:
            body, truncated = write_solutions(result, names, job.max_rows, media["select"])
            return ("select", (names, [], truncated)), body
        rows: list[dict[str, Term]] = []
        truncated = False
        for solution in result:
            if len(rows) >= job.max_rows:
                truncated = True
                break
            rows.append({n: _term(solution[n]) for n in names if solution[n] is not None})
        return ("select", (names, rows, truncated)), None
    triples: list[tuple[Term, Term, Term]] = []
    truncated = False
    for triple in result:
        if len(triples) >= job.max_rows:
            truncated = True
            break
        triples.append((_term(triple.subject), _term(triple.predicate), _term(triple.object)))
    return ("graph", (triples, truncated)), None


def _json_term(term: Any, xml: bool) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    value = term.value
    if xml and NOT_XML.search(value):
        value = NOT_XML.sub(XML_REPLACEMENT, value)
    if term.language:
        return {"type": "literal", "value": value, "xml:lang": term.language}
    datatype = term.datatype.value
    if datatype == XSD_STRING:
        return {"type": "literal", "value": value}
    return {"type": "literal", "value": value, "datatype": datatype}


def write_solutions(
    solutions: Any, names: list[str], max_rows: int, media_type: str,
) -> tuple[bytes, bool]:
    """At most ``max_rows`` solutions written in ``media_type`` (a WORKER_FORMATS key), and
    whether rows were cut off. Written as SPARQL JSON here; the other formats are Oxigraph's
    own writers run on that JSON."""
    target = WORKER_FORMATS[media_type]
    xml = target == ox.QueryResultsFormat.XML
    bindings: list[dict[str, dict[str, str]]] = []
    truncated = False
    for solution in solutions:
        if len(bindings) >= max_rows:
            truncated = True
            break
        bindings.append({
            name: _json_term(value, xml)
            for name, value in zip(names, solution, strict=True) if value is not None
        })
    document = {"head": {"vars": names}, "results": {"bindings": bindings}}
    return finish_results(json.dumps(document, ensure_ascii=False).encode(), target), truncated


def write_boolean(value: bool, media_type: str) -> bytes:
    """An ASK answer in ``media_type`` (a WORKER_FORMATS key)."""
    as_json = b'{"head":{},"boolean":true}' if value else b'{"head":{},"boolean":false}'
    return finish_results(as_json, WORKER_FORMATS[media_type])


def finish_results(as_json: bytes, target: ox.QueryResultsFormat | None) -> bytes:
    """SPARQL JSON results rewritten in ``target`` by Oxigraph's writer (None: as they are)."""
    if target is None:
        return as_json
    parsed = ox.parse_query_results(as_json, format=ox.QueryResultsFormat.JSON)
    out = parsed.serialize(format=target)
    assert isinstance(out, bytes)  # no output given: the bytes are returned
    if target == ox.QueryResultsFormat.XML:
        # Oxigraph writes no whitespace of its own, so a raw CR is always inside a value;
        # as a reference it survives XML line-end normalisation
        out = out.replace(b"\r", b"&#13;")
    return out


def _send(stream: BinaryIO, message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


def _receive(stream: BinaryIO) -> Any:
    header = stream.read(4)
    if len(header) < 4:
        raise EOFError("the query worker closed its pipe")
    (size,) = struct.unpack(">I", header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the query worker closed its pipe")
    return pickle.loads(data)  # only ever from our own worker process


def _watch_parent(parent: int, every_s: float = 0.5) -> None:
    """Exit this worker as soon as the process that started it is gone (killed server)."""
    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(0)
            time.sleep(every_s)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """The worker's loop: one job in, one answer out, until the parent closes the pipe."""
    while True:
        try:
            job = _receive(stdin)
        except EOFError:
            return
        try:
            result, body = _execute(job)
            _send(stdout, ("ok", result, body))
        except SyntaxError as exc:
            _send(stdout, ("syntax", str(exc), None))
        except Exception as exc:  # report any engine failure to the parent, keep serving
            _send(stdout, ("error", f"{type(exc).__name__}: {exc}", None))


class _Worker:
    """A worker process started as `python -m app.store.sandbox` (no fork of this process,
    no re-import of the parent's main module)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.store.sandbox", str(os.getpid())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin = cast(BinaryIO, self.process.stdin)
        self.stdout = cast(BinaryIO, self.process.stdout)

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=5)
        self.stdin.close()
        self.stdout.close()


class QuerySandbox:
    """A small pool of query worker processes over one on-disk store.

    ``workers`` processes at most; one client holds at most ``per_client`` of them at once
    (waiting jobs of other clients go first when a worker frees up)."""

    def __init__(self, path: str, workers: int = 4, per_client: int = 1) -> None:
        self.path = path
        self.workers = workers
        self.per_client = per_client
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._running: dict[str | None, int] = {}
        self._busy = 0
        self._turn = threading.Condition()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self.killed = 0

    def _acquire(self, client: str | None, deadline: float) -> bool:
        limit = self.per_client if client is not None else self.workers
        with self._turn:
            free = self._turn.wait_for(
                lambda: self._busy < self.workers and self._running.get(client, 0) < limit,
                timeout=max(0.0, deadline - time.monotonic()))
            if not free:
                return False
            self._busy += 1
            self._running[client] = self._running.get(client, 0) + 1
            return True

    def _release(self, client: str | None) -> None:
        with self._turn:
            self._busy -= 1
            self._running[client] -= 1
            if not self._running[client]:
                del self._running[client]
            self._turn.notify_all()

    def run(self, job: Job, timeout_s: float) -> tuple[str, Any]:
        """Run a job for the client in :data:`CLIENT`; raise QueryTimeout (after killing the
        worker) past ``timeout_s``, counting the wait for a free worker."""
        deadline = time.monotonic() + timeout_s
        client = CLIENT.get()
        answer = ANSWER.get()
        if answer is not None:
            media = {k: m for k, m in answer.media.items() if m in WORKER_FORMATS}
            job = dataclasses.replace(job, media=media or None)
        if not self._acquire(client, deadline):
            raise QueryTimeout(
                "every query worker is busy" if client is None or
                self._running.get(client, 0) < self.per_client else
                f"this client already runs {self.per_client} query(ies) at once; "
                "the others waited too long. Try again shortly")
        try:
            worker = self._take()
            try:
                _send(worker.stdin, job)
                remaining = max(0.0, deadline - time.monotonic())
                ready, _, _ = select.select([worker.stdout], [], [], remaining)
                if not ready:
                    self._discard(worker)
                    raise QueryTimeout(
                        f"the query ran past the {timeout_s:g} s limit and was stopped"
                    )
                status, payload, body = _receive(worker.stdout)
            except (EOFError, OSError) as exc:
                self._discard(worker)
                raise StoreError(f"the query worker failed: {exc}") from exc
            self._idle.put(worker)
        finally:
            self._release(client)
        if status == "syntax":
            raise BadQuery(f"SPARQL syntax error: {payload}")
        if status == "error":
            raise BadQuery(f"the query failed: {payload}")
        result: tuple[str, Any] = payload
        if answer is not None and body is not None:
            answer.kind, answer.body = result[0], body
        return result

    def _take(self) -> _Worker:
        try:
            worker = self._idle.get_nowait()
            if worker.alive():
                return worker
            self._discard(worker)
        except queue.Empty:
            pass
        worker = _Worker()
        with self._lock:
            self._all.append(worker)
        return worker

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        self.killed += 1
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)

    def close(self) -> None:
        """Stop every worker."""
        with self._lock:
            workers, self._all = self._all, []
        for worker in workers:
            worker.kill()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        _watch_parent(int(sys.argv[1]))
    serve(sys.stdin.buffer, sys.stdout.buffer)
