"""What an operator sees of the API (issue 15): a request id answered, logged as JSON and kept
in the audit events the request wrote; Prometheus metrics at /metrics, counted when a
transaction commits, read from the database for the queues, and shown only to whom the
settings say. Several worker processes are in ``tests/customs/test_customs_processes.py``."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from rarex import metrics
from rarex.audit.service import record_event, verify
from rarex.config import Settings
from rarex.logs import RequestIdFilter, json_formatter
from rarex.models import Application, AuditEvent

LOOPBACK = ("127.0.0.1", 40000)


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """What the server's JSON handler writes, for the duration of a test."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(json_formatter())
    logger = logging.getLogger("rarex")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield out
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def _scrape(client: Any, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_requests_log_line_is_json_with_its_request_id_also_in_its_audit_events(
    client: Any, exporter: Any, filing_body: Any, session: Session, json_log: io.StringIO
) -> None:
    sent_id = "client-chosen-0001"
    response = client.post(
        "/api/v1/applications",
        headers={**exporter.headers, "X-Request-ID": sent_id},
        json=filing_body(),
    )
    assert response.status_code == 201, response.text
    assert response.headers["X-Request-ID"] == sent_id
    (line,) = [entry for entry in _lines(json_log) if entry["event"] == "http.request"]
    assert line["request_id"] == sent_id
    assert line["method"] == "POST"
    assert line["route"] == "/api/v1/applications"
    assert line["status"] == 201
    assert line["level"] == "INFO"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])
    filed = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "application.filed")
    ).one()
    assert filed.request_id == sent_id


def test_a_request_without_a_usable_id_gets_a_fresh_one(
    client: Any, exporter: Any, filing_body: Any, session: Session, json_log: io.StringIO
) -> None:
    ids = []
    for given in (None, "short", "with spaces in it", "x" * 65, "ok;drop"):
        headers = dict(exporter.headers)
        if given is not None:
            headers["X-Request-ID"] = given
        response = client.post("/api/v1/applications", headers=headers, json=filing_body())
        assert response.status_code == 201, response.text
        ids.append(response.headers["X-Request-ID"])
    assert all(re.fullmatch(r"[0-9a-f]{32}", request_id) for request_id in ids)
    assert len(set(ids)) == len(ids)
    stored = session.scalars(
        select(AuditEvent.request_id).where(AuditEvent.action == "application.filed")
    ).all()
    assert sorted(stored, key=str) == sorted(ids)
    logged = [e["request_id"] for e in _lines(json_log) if e["event"] == "http.request"]
    assert logged == ids


def test_an_event_recorded_outside_a_request_has_none_and_the_hash_covers_the_id(
    client: Any, exporter: Any, filing_body: Any, session: Session, clock: Any
) -> None:
    response = client.post("/api/v1/applications", headers=exporter.headers, json=filing_body())
    assert response.status_code == 201
    outside = record_event(session, clock=clock, actor="cli", action="probe.recorded",
                           subject_type="probe", subject_id="1", payload={})  # fmt: skip
    assert outside.request_id is None
    assert verify(session).ok
    event = session.scalars(select(AuditEvent).where(AuditEvent.request_id.is_not(None))).one()
    assert event.request_id == response.headers["X-Request-ID"]
    event.request_id = "someone-elses-request"
    session.flush()
    assert not verify(session).ok


def test_metrics_count_requests_filings_and_transitions_and_read_the_queues(
    make_client: Any, exporter: Any, filing_body: Any, session: Session
) -> None:
    client = make_client(client=LOOPBACK)
    before = _scrape(client)
    for _ in range(2):
        created = client.post("/api/v1/applications", headers=exporter.headers, json=filing_body())
        assert created.status_code == 201
    refused = client.post(
        "/api/v1/applications", headers=exporter.headers, json=filing_body(destination="CN")
    )
    assert refused.status_code == 422
    after = _scrape(client)
    filed = "rarex_applications_filed_total"
    assert _value(after, filed) - _value(before, filed) == 2  # the refused one is not counted
    requests = "rarex_http_requests_total"
    posted = {"method": "POST", "route": "/api/v1/applications"}
    assert (
        _value(after, requests, **posted, status="201")
        - _value(before, requests, **posted, status="201")
        == 2
    )
    assert (
        _value(after, requests, **posted, status="422")
        - _value(before, requests, **posted, status="422")
        == 1
    )
    latency = "rarex_http_request_duration_seconds_count"
    assert _value(after, latency, **posted) - _value(before, latency, **posted) == 3
    for name in ("rarex_declarations_held", "rarex_outbox_backlog"):
        assert (name, ()) in after
    # the review queue is the database's: a draft is not in it
    assert not [key for key in after if key[0] == "rarex_review_queue"]
    reference = created.json()["reference"]
    application = session.scalars(
        select(Application).where(Application.reference == reference)
    ).one()
    application.state = "submitted"
    session.flush()
    assert _value(_scrape(client), "rarex_review_queue", state="submitted", lane="ordinary") == 1


def test_a_count_waits_for_the_commit_and_is_forgotten_with_its_rollback() -> None:
    # SQLAlchemy's transaction events, not a database's: an engine of no consequence
    sessions = sessionmaker(create_engine("sqlite://"))
    counter = metrics.APPLICATION_TRANSITIONS.labels("probe")

    def counted() -> float:
        return float(counter._value.get())

    start = counted()
    with sessions() as session:
        metrics.count_on_commit(session, counter)
        assert counted() == start  # not before the commit
        session.rollback()
        session.commit()
        assert counted() == start
        metrics.count_on_commit(session, counter, 2)
        savepoint = session.begin_nested()
        metrics.count_on_commit(session, counter, 10)
        inner = session.begin_nested()
        metrics.count_on_commit(session, counter, 100)
        inner.commit()
        savepoint.rollback()  # forgets the 10 and the 100 inside it, keeps the 2
        session.commit()
        assert counted() == start + 2


def test_metrics_are_for_the_loopback_by_default(make_client: Any) -> None:
    assert make_client(client=LOOPBACK).get("/metrics").status_code == 200
    remote = make_client(client=("203.0.113.7", 40000)).get("/metrics")
    assert remote.status_code == 403
    assert remote.json()["code"] == "metrics.loopback_only"
    # a proxy on this host connects from the loopback for everyone it forwards
    forwarded = make_client(client=LOOPBACK).get(
        "/metrics", headers={"X-Forwarded-For": "203.0.113.7"}
    )
    assert forwarded.status_code == 403
    assert forwarded.json()["code"] == "metrics.loopback_only"


def test_metrics_by_token_take_only_that_token(make_client: Any, settings: Settings) -> None:
    token = "scrape-me-please"
    digest = hashlib.sha256(token.encode()).hexdigest()
    client = make_client(
        settings.model_copy(update={"metrics_access": "token", "metrics_token_sha256": digest}),
        client=("203.0.113.7", 40000),
    )
    missing = client.get("/metrics")
    assert (missing.status_code, missing.json()["code"]) == (401, "metrics.token_required")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-it"})
    assert (wrong.status_code, wrong.json()["code"]) == (401, "metrics.invalid_token")
    assert client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_metrics_can_be_switched_off(make_client: Any, settings: Settings) -> None:
    off = make_client(settings.model_copy(update={"metrics_access": "off"}), client=LOOPBACK)
    answer = off.get("/metrics")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


def test_token_access_needs_the_tokens_hash() -> None:
    with pytest.raises(ValidationError, match="RAREX_METRICS_TOKEN_SHA256"):
        Settings(metrics_access="token")
    with pytest.raises(ValidationError):
        Settings(metrics_access="token", metrics_token_sha256="plain-token-not-a-hash")
