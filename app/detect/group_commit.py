"""Group commit for claim writes: the POST /claims requests that wait while a write is under
way are stored together, in one transaction, by one writer thread.

A request enqueues its claim and waits on a future. The writer takes everything waiting (up
to ``max_batch``) and hands it to :meth:`ClaimService.submit_batch`: each claim is built and
checked on its own, the new ones are validated in one SHACL run, inserted in one atomic insert
and detected in one pass, and each request gets its own outcome (its Submission, or its own
422 / 409). Under load the cost of a write is shared by the batch instead of paid by each
claim in turn behind the lock.

A request is answered only after the insert of its claim committed (and detection ran), so an
acknowledged claim is a stored claim. Stopping refuses new claims, lets the writer store those
already waiting, and fails, unstored, whatever is still waiting after the time limit.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from app.detect.service import ClaimService, Submission
from app.model.claims import ClaimIn
from app.model.errors import DomainError, StoreError

log = logging.getLogger("claimgraph.writes")

MAX_BATCH = 256  # claims per transaction: one SHACL run over 256 claims still takes < 1 s
ANSWER_THREADS = 4  # threads that read back stored claims for their answers
T = TypeVar("T")


class WriterStopped(DomainError):
    """The server is shutting down and takes no more claims; nothing was stored."""

    status_code = 503
    code = "unavailable"
    headers: ClassVar[dict[str, str]] = {"Retry-After": "5"}


class WriteFailed(StoreError):
    """The group write failed for a reason outside the claim (the store's 503; unlike a
    refused insert, the claim may be stored: resubmitting it tells)."""


@dataclass
class _Waiting:
    claim: ClaimIn
    future: Future[Submission]


class GroupCommit:
    """The queue of claims waiting to be written, and the writer thread that drains it.

    The writer thread (and the threads that read answers back) start with the first claim and
    end after ``idle_s`` without one, so an idle app (or a test's) holds no thread."""

    def __init__(
        self, service: ClaimService, *, max_batch: int = MAX_BATCH, idle_s: float = 5.0
    ) -> None:
        self.service = service
        self.max_batch = max_batch
        self.idle_s = idle_s
        self.batches = 0  # group writes made, and the claims in them (for tests and logs)
        self.claims = 0
        self._waiting: deque[_Waiting] = deque()
        self._turn = threading.Condition()
        self._writer: threading.Thread | None = None
        self._stopping = False
        self._writing = 0  # claims taken by the write under way
        self._answers: ThreadPoolExecutor | None = None

    @property
    def writing(self) -> int:
        """Claims in the write under way."""
        with self._turn:
            return self._writing

    @property
    def pending(self) -> int:
        """Claims accepted and not yet answered: waiting, or in the write under way."""
        with self._turn:
            return len(self._waiting) + self._writing

    def enqueue(self, claim: ClaimIn) -> Future[Submission]:
        """Queue a claim for the next group write; the future holds its outcome."""
        future: Future[Submission] = Future()
        with self._turn:
            if self._stopping:
                raise WriterStopped("the server is shutting down; the claim was not stored")
            self._waiting.append(_Waiting(claim, future))
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._run, name="claimgraph-group-commit", daemon=True
                )
                self._writer.start()
            self._turn.notify()
        return future

    def submit(self, claim: ClaimIn, timeout: float | None = None) -> Submission:
        """Write one claim with whatever else is waiting; block until it is stored."""
        return self.enqueue(claim).result(timeout)

    async def submit_async(self, claim: ClaimIn) -> Submission:
        """:meth:`submit` for the event loop: the wait holds no worker thread."""
        return await asyncio.wrap_future(self.enqueue(claim))

    async def after(self, work: Callable[[], T]) -> T:
        """Run ``work`` (reading what a write stored, for its answer) on the writes' own
        threads, not behind the reads queued for the app's worker threads."""
        with self._turn:  # made on demand, and dropped with the idle writer (see _run)
            if self._answers is None:
                self._answers = ThreadPoolExecutor(ANSWER_THREADS, "claimgraph-claim-answers")
            future = self._answers.submit(work)
        return await asyncio.wrap_future(future)

    def stop(self, timeout: float = 30.0) -> bool:
        """Refuse new claims, let the writer store those waiting, and wait for it at most
        ``timeout`` seconds; fail (unstored) any claim still waiting then. True when the
        writer has finished, False when it is still inside a write."""
        with self._turn:
            self._stopping = True
            writer = self._writer
            self._turn.notify_all()
        if writer is not None:
            writer.join(timeout)
        with self._turn:
            left = list(self._waiting)
            self._waiting.clear()
        for waiting in left:
            if waiting.future.set_running_or_notify_cancel():
                waiting.future.set_exception(WriterStopped(
                    "the server shut down before the claim could be written; it was not stored"
                ))
        with self._turn:
            self._drop_answers()
        return writer is None or not writer.is_alive()

    def _drop_answers(self) -> None:
        """Let the answer threads end once their work is done (call with ``_turn``)."""
        if self._answers is not None:
            self._answers.shutdown(wait=False)
            self._answers = None

    # -- the writer thread -----------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._turn:
                if not self._waiting and not self._stopping:
                    self._turn.wait(self.idle_s)
                if not self._waiting:
                    self._writer = None
                    self._drop_answers()
                    return
                batch = [self._waiting.popleft()
                         for _ in range(min(self.max_batch, len(self._waiting)))]
                self._writing = len(batch)
            # a request whose client went away (its future cancelled) is dropped unwritten
            live = [w for w in batch if w.future.set_running_or_notify_cancel()]
            try:
                if live:
                    self._write(live)
            finally:
                with self._turn:
                    self._writing = 0

    def _write(self, batch: list[_Waiting]) -> None:
        """One group write; every future of the batch is answered, whatever happens."""
        try:
            results = self.service.submit_batch([w.claim for w in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"{len(results)} outcomes for {len(batch)} claims")
        except Exception as exc:
            log.exception("group write of %d claims failed", len(batch))
            for waiting in batch:
                waiting.future.set_exception(WriteFailed(
                    f"the claim write failed ({exc}); resubmit it: a claim that was stored "
                    "answers 200 when resubmitted"))
            return
        self.batches += 1
        self.claims += len(batch)
        for waiting, result in zip(batch, results, strict=True):
            if isinstance(result, DomainError):
                waiting.future.set_exception(result)
            else:
                waiting.future.set_result(result)

__all__ = ["GroupCommit", "WriteFailed", "WriterStopped"]
