"""Group commit of concurrent filings in one process.

Every filing locks rows that many filings share until its commit: the audit chain's head, the
month's aggregate cell, a busy license. With one transaction per request, concurrent requests
therefore queue behind each other one commit at a time, however many there are. Here the
filings waiting at the same moment are cleared together by the clearing engine in one
transaction (it files a batch as cheaply as one declaration: one lock of the cited licenses,
one write per table), and each keeps its own outcome, its own reasons and its own audit
event; the shared rows are locked once per batch instead of once per filing.

The first caller that finds no batch in flight leads: it takes the filings queued (up to
``max_batch``, whoever filed them: each is recorded as its own officer's), files and commits
them, and hands each caller its outcome; callers arriving meanwhile queue for the next batch.
Each caller's answer comes after its filing is committed. When a batch fails as a whole
because of a race (a number filed meanwhile by another process, a unique row written first),
each of its filings is filed again alone, so one filing never fails another; any other
failure (the database gone, a lock timeout) is every caller's answer, not retried.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from rarex.auth.roles import Actor
from rarex.catalog import ControlList
from rarex.clock import Clock
from rarex.config import Settings
from rarex.customs import clearing
from rarex.customs.filing import checked_draft
from rarex.customs.schemas import DeclarationIn
from rarex.customs.uow import write_unit_of_work
from rarex.customs.validation import DeclarationDraft
from rarex.db_errors import race
from rarex.errors import ConcurrentChange


@dataclass(eq=False)  # compared by identity: two callers may send equal drafts
class _Waiting:
    draft: DeclarationDraft
    actor: Actor
    outcome: clearing.Outcome | None = None
    error: BaseException | None = None
    done: bool = False


class FilingGroup:
    """Files declarations for concurrent callers of one process in shared transactions."""

    def __init__(self, factory: sessionmaker[Session], *, max_batch: int = 64) -> None:
        self._factory = factory
        self._max_batch = max_batch
        self._changed = threading.Condition()
        self._queue: list[_Waiting] = []
        self._leading = False
        self.batches = 0  # transactions committed, for tests and benchmarks
        self.largest_batch = 0

    def file(
        self, *, actor: Actor, clock: Clock, settings: Settings, data: DeclarationIn
    ) -> clearing.Outcome:
        """Validate (in the caller's thread), then wait for the filing's batch to commit.

        Returns the engine's outcome: ``Filed``, or ``NotFiled`` (a duplicate number, an
        unknown exporter) which the caller turns into its error as a single filing does.
        Raises what the filing raised when it failed even alone.
        """
        draft, control_list = checked_draft(actor=actor, clock=clock, settings=settings, data=data)
        mine = _Waiting(draft, actor)
        with self._changed:
            self._queue.append(mine)
            try:
                while not mine.done:
                    if self._leading:
                        self._changed.wait()
                        continue
                    self._lead(clock, control_list)
            finally:
                if not mine.done and mine in self._queue:  # interrupted: never filed later
                    self._queue.remove(mine)
        if mine.error is not None:
            raise mine.error
        assert mine.outcome is not None
        return mine.outcome

    def _lead(self, clock: Clock, control_list: ControlList) -> None:
        """File the next batch; called holding ``_changed``, released while filing."""
        batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
        self._leading = True
        self._changed.release()
        try:
            self._file(batch, clock, control_list)
        finally:
            for waiting in batch:  # never leave a caller waiting on a lost batch
                if not waiting.done:
                    waiting.error = RuntimeError("the filing's batch was interrupted")
                    waiting.done = True
            self._changed.acquire()
            self._leading = False
            self._changed.notify_all()

    def _file(self, batch: list[_Waiting], clock: Clock, control_list: ControlList) -> None:
        try:
            self._commit(batch, clock, control_list)
        except Exception as failed:
            if not _lost_a_race(failed):  # every caller's answer
                for waiting in batch:
                    waiting.error = failed
                    waiting.done = True
                return
            for waiting in batch:
                try:
                    self._commit([waiting], clock, control_list)
                except Exception as alone:  # this filing's own failure, its caller's answer
                    waiting.error = alone
                    waiting.done = True

    def _commit(self, batch: list[_Waiting], clock: Clock, control_list: ControlList) -> None:
        with write_unit_of_work(self._factory) as session:
            outcomes = clearing.file_batch(
                session,
                actor=batch[0].actor,
                actors=[w.actor for w in batch],
                clock=clock,
                control_list=control_list,
                drafts=[w.draft for w in batch],
            )
        self.batches += 1
        self.largest_batch = max(self.largest_batch, len(batch))
        for waiting, outcome in zip(batch, outcomes, strict=True):
            waiting.outcome = outcome
            waiting.done = True


def _lost_a_race(exc: Exception) -> bool:
    """Another transaction wrote first (or the database chose this one as a deadlock's
    victim): filing again, one by one, settles it."""
    if isinstance(exc, ConcurrentChange):
        return True
    return isinstance(exc, DBAPIError) and race(exc) is not None
