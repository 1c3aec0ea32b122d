"""Run analysts' queries in worker processes, so that a time limit really stops the work.

Oxigraph cannot interrupt a query that is still computing (an ORDER BY, an aggregate over a
cartesian product). Each worker opens the on-disk store read-only (RocksDB allows that next to
the writer, and the view is current as of the query), runs one query and sends the rows back.
When the time limit passes, the worker is killed and replaced: the CPU is freed at once."""

from __future__ import annotations

import multiprocessing as mp
import queue
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from app.model.errors import BadQuery, QueryTimeout

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


def _term(term: Any) -> Term:
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value, None, None)
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value, None, None)
    return ("literal", term.value, term.datatype.value, term.language)


def _execute(job: Job) -> tuple[str, Any]:
    store = ox.Store.read_only(job.path)
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


def _worker_main(conn: Connection) -> None:
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        try:
            conn.send(("ok", _execute(job)))
        except SyntaxError as exc:
            conn.send(("syntax", str(exc)))
        except Exception as exc:  # report any engine failure to the parent, keep serving
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class _Worker:
    def __init__(self, ctx: Any) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child,), daemon=True)
        self.process.start()
        child.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class QuerySandbox:
    """A small pool of query worker processes over one on-disk store."""

    def __init__(self, path: str, workers: int = 2) -> None:
        self.path = path
        self._ctx = mp.get_context("spawn")  # never fork a process that runs threads
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
            worker.conn.send(job)
            remaining = max(0.0, deadline - time.monotonic())
            if not worker.conn.poll(remaining):
                self._discard(worker)
                raise QueryTimeout(f"the query ran past the {timeout_s:g} s limit and was stopped")
            status, payload = worker.conn.recv()
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
            if worker.process.is_alive():
                return worker
            self._discard(worker)
        except queue.Empty:
            pass
        worker = _Worker(self._ctx)
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
