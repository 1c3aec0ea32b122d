"""Run analysts' queries in worker processes, so that a time limit really stops the work.

Oxigraph cannot interrupt a query that is still computing (an ORDER BY, an aggregate over a
cartesian product). Each worker opens the on-disk store read-only (RocksDB allows that next to
the writer; the view is reopened whenever the store was written since), runs the query and sends
the rows back.
When the time limit passes, the worker is killed and replaced: the CPU is freed at once."""

from __future__ import annotations

import pickle
import queue
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


def _execute(job: Job) -> tuple[str, Any]:
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


def _run(job: Job) -> tuple[str, Any]:
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
    if isinstance(result, ox.QueryBoolean):
        return "ask", bool(result)
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        rows: list[dict[str, Term]] = []
        truncated = False
        for solution in result:
            if len(rows) >= job.max_rows:
                truncated = True
                break
            rows.append({n: _term(solution[n]) for n in names if solution[n] is not None})
        return "select", (names, rows, truncated)
    triples: list[tuple[Term, Term, Term]] = []
    truncated = False
    for triple in result:
        if len(triples) >= job.max_rows:
            truncated = True
            break
        triples.append((_term(triple.subject), _term(triple.predicate), _term(triple.object)))
    return "graph", (triples, truncated)


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


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """The worker's loop: one job in, one answer out, until the parent closes the pipe."""
    while True:
        try:
            job = _receive(stdin)
        except EOFError:
            return
        try:
            _send(stdout, ("ok", _execute(job)))
        except SyntaxError as exc:
            _send(stdout, ("syntax", str(exc)))
        except Exception as exc:  # report any engine failure to the parent, keep serving
            _send(stdout, ("error", f"{type(exc).__name__}: {exc}"))


class _Worker:
    """A worker process started as `python -m app.store.sandbox` (no fork of this process,
    no re-import of the parent's main module)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.store.sandbox"],
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
    """A small pool of query worker processes over one on-disk store."""

    def __init__(self, path: str, workers: int = 2) -> None:
        self.path = path
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(workers)
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self.killed = 0

    def run(self, job: Job, timeout_s: float) -> tuple[str, Any]:
        """Run a job; raise QueryTimeout (after killing the worker) past ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        if not self._slots.acquire(timeout=timeout_s):
            raise QueryTimeout("every query worker is busy; try again shortly")
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
                status, payload = _receive(worker.stdout)
            except (EOFError, OSError) as exc:
                self._discard(worker)
                raise StoreError(f"the query worker failed: {exc}") from exc
            self._idle.put(worker)
        finally:
            self._slots.release()
        if status == "syntax":
            raise BadQuery(f"SPARQL syntax error: {payload}")
        if status == "error":
            raise BadQuery(f"the query failed: {payload}")
        result: tuple[str, Any] = payload
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
    serve(sys.stdin.buffer, sys.stdout.buffer)
