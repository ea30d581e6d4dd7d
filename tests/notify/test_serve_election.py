"""The processes of `rarex serve --workers N` with a mail server: each builds its site with a
sender that stands for election (``rarex.cli.serving.site``, the factory every uvicorn worker
calls), one is elected, and each notification is sent once. Two workers' apps run here in one
process, each with its own engine, lifespan and sender, as two worker processes would (the
process boundary adds nothing the database does not already separate, and costs seconds)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from rarex.cli import serving
from rarex.config import get_settings
from rarex.db import session_scope
from rarex.models import SenderLease
from tests.api.conftest import TestClient
from tests.notify.conftest import MailServer, Outbox


@pytest.fixture
def served(
    outbox: Outbox, mail_server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("RAREX_DATABASE_URL", outbox.url)
    monkeypatch.setenv("RAREX_SMTP_URL", mail_server.url)
    monkeypatch.setenv("RAREX_ENVIRONMENT", "test")
    monkeypatch.setenv("RAREX_NOTIFY_POLL_SECONDS", "0.05")
    monkeypatch.delenv("RAREX_FROZEN_TIME", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_of_two_workers_one_is_elected_and_sends_each_notification_once(
    served: None, outbox: Outbox, mail_server: MailServer
) -> None:
    ids = outbox.write(3)
    workers = [serving.site(), serving.site()]
    with TestClient(workers[0]), TestClient(workers[1]):  # each runs its lifespan: a sender
        deadline = time.monotonic() + 20
        while len(mail_server.inbox.messages) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)  # several polls of both: nothing more may come
    assert sorted(mail_server.inbox.message_ids) == sorted(ids)
    assert {row.state for row in outbox.rows()} == {"sent"}
    with session_scope(outbox.sessions) as session:
        [lease] = session.scalars(select(SenderLease)).all()
    # the holder let go at its clean stop: another process may take over at once
    assert lease.expires_at <= datetime.now(UTC)


def test_without_a_mail_server_no_worker_sends(
    served: None, outbox: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RAREX_SMTP_URL")
    get_settings.cache_clear()
    outbox.write()
    with TestClient(serving.site()):
        time.sleep(0.2)
    with session_scope(outbox.sessions) as session:
        assert session.scalars(select(SenderLease)).all() == []
    assert {row.state for row in outbox.rows()} == {"pending"}


def test_every_worker_looks_for_overdue_inquiries_and_each_wait_is_announced_once(
    served: None, outbox: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers' reminders, with the pages' clock frozen the day after a reply target: one
    announcement to each officer and partner, whichever worker made it."""
    from rarex.auth.roles import Role
    from rarex.clock import FixedClock
    from rarex.models import Notification
    from rarex.partners import inquiries
    from tests.factories import filed_and_accepted, make_actor, make_company

    clock = FixedClock(datetime(2025, 9, 30, 2, 0, tzinfo=UTC))
    with session_scope(outbox.sessions) as session:
        officer = make_actor(session, clock, Role.LICENSING_OFFICER)
        exporter = make_actor(session, clock, Role.EXPORTER, company=make_company(session, clock))
        eu = make_actor(session, clock, Role.PARTNER_AUTHORITY, partner_groups=["EU"])
        case = filed_and_accepted(session, clock, outbox.settings, exporter, officer)
        inquiries.open_inquiry(
            session, actor=eu, clock=clock, settings=outbox.settings, subject="When?",
            body="When is it decided?", application_reference=case.reference,
        )  # fmt: skip
    monkeypatch.delenv("RAREX_SMTP_URL")
    monkeypatch.setenv("RAREX_FROZEN_TIME", "2025-10-15T10:00:00+08:00")
    get_settings.cache_clear()
    with TestClient(serving.site()), TestClient(serving.site()):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with session_scope(outbox.sessions) as session:
                told = session.scalars(
                    select(Notification.user_id).where(Notification.kind == "inquiry_overdue")
                ).all()
            if len(told) >= 2:
                break
            time.sleep(0.05)
        time.sleep(0.2)
    with session_scope(outbox.sessions) as session:
        told = session.scalars(
            select(Notification.user_id).where(Notification.kind == "inquiry_overdue")
        ).all()
    assert sorted(told) == sorted([officer.user_id, eu.user_id])
