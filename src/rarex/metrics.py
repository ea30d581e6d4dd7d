"""What the servers count for Prometheus (``/metrics``), summed over every worker process.

Two kinds of figure:

- **Counted as it happens** (counters and histograms of prometheus-client): requests and their
  latency, applications filed and moved, declarations by clearance outcome, screening time.
  Under ``rarex serve`` each worker writes them to files in ``PROMETHEUS_MULTIPROC_DIR``
  (prometheus-client's multiprocess mode, which ``rarex serve`` sets up before any worker
  starts) and a scrape of any worker sums them all; without that directory (a test client,
  a one-off command) they stay in the process.
- **Read from the database at each scrape**: queue sizes and the mail outbox's backlog, by
  ``rarex.api.observability.DatabaseState`` through each room's repository; ``exposition``
  puts them after the counts.

A domain count is made when its transaction commits (``count_on_commit``): a filing rolled
back by a later refusal in the same request is not counted.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from rarex import metrics_dir

CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROCESS_DIR_VARIABLE = metrics_dir.VARIABLE

# Seconds: from a cached page (a few ms) to a bulk import or a list load (minutes).
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)

HTTP_REQUESTS = Counter(
    "rarex_http_requests",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
HTTP_REQUEST_SECONDS = Histogram(
    "rarex_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by method and route template",
    ["method", "route"],
    buckets=_LATENCY_BUCKETS,
)
APPLICATIONS_FILED = Counter("rarex_applications_filed", "License applications filed (drafts)")
APPLICATION_TRANSITIONS = Counter(
    "rarex_application_transitions",
    "Moves of applications through review (submit, approve, deny, ...), by action",
    ["action"],
)
DECLARATIONS_FILED = Counter(
    "rarex_declarations_filed",
    "Customs declarations filed, by clearance outcome (cleared, held, refused, ...)",
    ["outcome"],
)
SCREENING_SECONDS = Histogram(
    "rarex_screening_duration_seconds",
    "Time to screen the parties of an application, or names asked for, against the lists",
    ["subject"],
    buckets=_LATENCY_BUCKETS,
)

_PENDING = "rarex.metrics.pending"


def count_on_commit(session: Session, counter: Any, amount: float = 1) -> None:
    """Add ``amount`` to ``counter`` (a counter, or one of its labelled children) once the
    session's transaction commits; nothing if it, or the savepoint it was counted in, rolls
    back."""
    # As a first query would, a count begins the transaction it belongs to.
    within = session.get_nested_transaction() or session.get_transaction() or session.begin()
    session.info.setdefault(_PENDING, []).append((within, counter, amount))


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: its counts wait for the transaction around it
    for _, counter, amount in session.info.pop(_PENDING, ()):
        counter.inc(amount)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """A rollback of the whole transaction forgets every count; of a savepoint, the counts made
    in it and in the savepoints inside it."""

    def inside(transaction: SessionTransaction | None) -> bool:
        while transaction is not None:
            if transaction is previous_transaction:
                return True
            transaction = transaction.parent
        return False

    pending = session.info.get(_PENDING)
    if pending:
        session.info[_PENDING] = [entry for entry in pending if not inside(entry[0])]


def exposition(state: Collector) -> bytes:
    """The scrape: every process's counts, then ``state`` (what the database holds, read now),
    in Prometheus's text format."""
    if os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)  # type: ignore[no-untyped-call]
    else:
        counted = REGISTRY
    read_now = CollectorRegistry()
    read_now.register(state)
    return generate_latest(counted) + generate_latest(read_now)
