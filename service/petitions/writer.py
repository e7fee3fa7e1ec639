"""Group commit of single submits: concurrent requests share one transaction, each its own outcome.

One writer thread per process takes every submit waiting in its queue (up to ``max_batch``),
validates and classifies each, and stores them together with one statement per table and one
COMMIT (``intake.store``). While it writes, new submits queue up and form the next
batch, so nobody waits for a batch to fill: a lone request is a batch of one.

Each request still gets its own id, result or error:

* an item that fails validation or classification fails alone, before anything is written;
* when the batch's statements fail for a reason that may belong to one item (a constraint, a
  value the database refuses), the transaction is rolled back and each item is stored again in
  its own transaction, so one bad item does not lose the others;
* when the database itself fails (unavailable, locked past the timeout) or COMMIT fails, every
  item of the batch gets that error and nothing is retried: a failed COMMIT may have been
  applied, and storing the items again could store them twice.

Nothing is ever half-written: each transaction is all or nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy.exc import DataError, IntegrityError

from kiennghi.service.auth.permissions import Principal
from kiennghi.service.context import Context
from kiennghi.service.petitions.domain import Classifier, NewPetition, PetitionView, Submission
from kiennghi.service.petitions.intake import prepare, store, view_new

__all__ = ["Stored", "SubmitWriter", "WriterBackend"]

log = logging.getLogger(__name__)

# Failures that may come from one item's values; anything else is the database's or ours.
_ITEM_ERRORS = (IntegrityError, DataError)


class WriterBackend(Protocol):
    """What the writer needs from the running service (Services, or a test's stand-in)."""

    def unit(self) -> AbstractContextManager[Context]: ...

    def classifier(self) -> Classifier: ...


@dataclass(frozen=True)
class Stored:
    """A stored item as the API shows it, and the day its overdue flag is computed on."""

    view: PetitionView
    today: date


@dataclass
class _Job:
    principal: Principal
    item: NewPetition
    dedupe: str | None
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Stored]


def _settle(future: asyncio.Future[Stored], result: Stored | None, error: BaseException | None) -> None:
    if future.done():  # the client went away; the item is stored all the same
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]


class SubmitWriter:
    """The process's single-submit writer thread (started on first use, stopped by ``close``)."""

    def __init__(self, backend: WriterBackend, max_batch: int = 64) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, not {max_batch}")
        self.backend = backend
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        self.batches = 0  # batches stored so far (for tests and diagnostics)

    async def submit(self, principal: Principal, item: NewPetition, dedupe: str | None = None) -> Stored:
        """Validate, classify, assign and store one petition; raises what storing it raised."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Stored] = loop.create_future()
        self._start()
        self._queue.put(_Job(principal, item, dedupe, loop, future))
        return await future

    def _start(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._closed:
                raise RuntimeError("the submit writer is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="kiennghi-writer", daemon=True)
                self._thread.start()

    def close(self, timeout: float = 30.0) -> None:
        """Store what is queued, then stop the thread."""
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    # -- the writer thread -----------------------------------------------------------------
    def _batches(self) -> Iterator[list[_Job]]:
        while True:
            job = self._queue.get()
            if job is None:
                return
            jobs = [job]
            stop = False
            while len(jobs) < self.max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                jobs.append(more)
            yield jobs
            if stop:
                return

    def _run(self) -> None:
        for jobs in self._batches():
            try:
                self._store(jobs)
            except BaseException as e:  # the thread must outlive any batch; its callers get the error
                log.exception("storing a batch of %d submits failed", len(jobs))
                for job in jobs:
                    self._reply(job, None, e)

    def _reply(self, job: _Job, result: Stored | None, error: BaseException | None) -> None:
        with contextlib.suppress(RuntimeError):  # the caller's event loop closed: nobody waits
            job.loop.call_soon_threadsafe(_settle, job.future, result, error)

    def _store(self, jobs: list[_Job]) -> None:
        try:
            classifier = self.backend.classifier()
        except Exception as e:
            for job in jobs:
                self._reply(job, None, e)
            return
        accepted: list[tuple[_Job, Submission]] = []
        committing = False
        try:
            # The session takes its connection (and SQLite's write lock) at the first
            # statement: validation and classification below run before it.
            with self.backend.unit() as ctx:
                outcomes = prepare(ctx, classifier, [(job.principal, job.item, job.dedupe) for job in jobs])
                for job, outcome in zip(jobs, outcomes, strict=True):
                    if isinstance(outcome, Exception):
                        self._reply(job, None, outcome)
                    else:
                        accepted.append((job, outcome))
                stored = store(ctx, [s for _job, s in accepted])
                replies = [
                    (job, Stored(view_new(p, s.result, ctx), ctx.today))
                    for (job, s), p in zip(accepted, stored, strict=True)
                ]
                committing = True
        except Exception as e:
            log.warning("storing a batch of %d submits failed: %s", len(accepted), e)
            if committing or len(accepted) < 2 or not isinstance(e, _ITEM_ERRORS):
                for job, _s in accepted:
                    self._reply(job, None, e)
            else:
                for job, submission in accepted:
                    self._store_one(job, submission)
            return
        self.batches += 1
        for job, result in replies:
            self._reply(job, result, None)

    def _store_one(self, job: _Job, submission: Submission) -> None:
        try:
            with self.backend.unit() as ctx:
                petition = store(ctx, [submission])[0]
                result = Stored(view_new(petition, submission.result, ctx), ctx.today)
        except Exception as e:
            self._reply(job, None, e)
            return
        self._reply(job, result, None)
