"""The outbox is written with the event: every state change of a case notifies its followers
in the change's own transaction, each in their language, with nothing a partner may not read."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.auth.contact import set_contact
from rarex.auth.roles import Actor, Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.errors import NotFound
from rarex.licensing import filing, review
from rarex.licensing.states import Action
from rarex.models import Notification, StateChange
from rarex.notify.kinds import Facts, Kind
from rarex.notify.service import (
    follow,
    mark_read,
    notifications_of,
    notify,
    unfollow,
    unread_count,
)
from tests.factories import (
    application_data,
    approve,
    attach_required_documents,
    filed_and_accepted,
    make_actor,
    make_company,
)


def _mailed(session: Session, clock: FixedClock, role: Role, **kw: Any) -> Actor:
    actor = make_actor(session, clock, role, **kw)
    set_contact(
        session, clock=clock, actor=None, username=actor.username,
        email=f"{actor.username}@example.org",
    )  # fmt: skip
    return actor


def _to(session: Session, actor: Actor) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == actor.user_id)
            .order_by(Notification.created_at, Notification.subject)
        )
    )


def test_every_state_change_notifies_the_followers_but_the_actor(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    company = make_company(session, clock, name="Ganzhou Magnets Co.")
    filer = _mailed(session, clock, Role.EXPORTER, company=company)
    colleague = _mailed(session, clock, Role.EXPORTER, company=company)
    officer = _mailed(session, clock, Role.LICENSING_OFFICER)
    bystander = _mailed(session, clock, Role.LICENSING_OFFICER)
    app = filed_and_accepted(session, clock, settings, filer, officer)
    changes = session.scalars(select(StateChange).where(StateChange.application_id == app.id)).all()
    assert [c.action for c in changes] == ["submit", "accept", "start_review"]
    # the colleague hears of all three, the filer of the officer's two; the officer of none:
    # nobody handled the case when it was submitted, and the officer took every later step
    assert [n.kind for n in _to(session, colleague)] == ["state_changed"] * 3
    assert len(_to(session, filer)) == 2
    assert _to(session, officer) == []
    assert _to(session, bystander) == []
    subjects = {n.subject for n in _to(session, colleague)}
    assert f"{app.reference}: Under review" in subjects
    note = _to(session, filer)[-1]
    assert note.link == f"/exporter/applications/{app.reference}"
    assert "Ganzhou Magnets Co." in note.body
    assert f"http://127.0.0.1:8000/exporter/applications/{app.reference}" in note.body
    assert note.state == "pending"
    assert note.message_id.endswith("@localhost>")


def test_the_exporters_answer_notifies_the_officer_handling_the_case(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    company = make_company(session, clock)
    exporter = _mailed(session, clock, Role.EXPORTER, company=company)
    officer = _mailed(session, clock, Role.LICENSING_OFFICER)
    app = filed_and_accepted(session, clock, settings, exporter, officer)
    review.transition(
        session, actor=officer, clock=clock, settings=settings, application_id=app.id,
        action=Action.REQUEST_INFORMATION, reason="the end-user certificate is unsigned",
    )  # fmt: skip
    review.supply_information(
        session, actor=exporter, clock=clock, settings=settings, application_id=app.id,
        answer="signed copy attached",
    )  # fmt: skip
    [told] = _to(session, officer)
    assert told.kind == "state_changed"
    assert told.link == f"/officer/applications/{app.reference}"
    # the officer's question and the exporter's answer are the case page's, never the mail's
    for note in [*_to(session, officer), *_to(session, exporter)]:
        assert "unsigned" not in note.body
        assert "signed copy" not in note.body


MARKERS = ("MARKER-PRICE-987654", "MARKER-NOTE", "MARKER-OFFICER")


def test_a_decision_reaches_a_partner_follower_with_only_what_it_may_read(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    company = make_company(session, clock)
    exporter = _mailed(session, clock, Role.EXPORTER, company=company)
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    partner = _mailed(session, clock, Role.PARTNER_AUTHORITY, partner_groups=["EU"])
    set_contact(session, clock=clock, actor=None, username=partner.username, language="zh")
    data = application_data().model_dump(mode="json")
    data["lines"][0]["value"] = "987654"
    data["contract_reference"] = MARKERS[0]
    app = filed_and_accepted(session, clock, settings, exporter, officer, **data)
    assert follow(session, clock=clock, user_id=partner.user_id, application_id=app.id)
    assert not follow(session, clock=clock, user_id=partner.user_id, application_id=app.id)
    approve(session, clock, settings, officer, app, conditions=[MARKERS[1]])
    [told] = _to(session, partner)
    assert told.kind == "decision"
    assert told.language == "zh"
    assert told.subject.startswith(f"{app.reference}：已批准")  # noqa: RUF001
    assert told.link == f"/partner/applications/{app.reference}"
    for text in (told.subject, told.body):
        for marker in (*MARKERS, "987654", "Compliant civil end use", officer.username):
            assert marker not in text
    assert "目的国：德国 (DE)" in told.body  # noqa: RUF001
    assert any(f"通道：{lane}" in told.body for lane in ("绿色通道", "普通通道"))  # noqa: RUF001
    assert [n.kind for n in _to(session, exporter)][-1] == "decision"
    assert unfollow(session, user_id=partner.user_id, application_id=app.id)
    assert not unfollow(session, user_id=partner.user_id, application_id=app.id)


def test_a_change_rolled_back_leaves_no_notification(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    company = make_company(session, clock)
    filer = make_actor(session, clock, Role.EXPORTER, company=company)
    colleague = _mailed(session, clock, Role.EXPORTER, company=company)
    app = filing.file_application(
        session, actor=filer, clock=clock, settings=settings, data=application_data()
    )
    attach_required_documents(session, clock, settings, filer, app)
    savepoint = session.begin_nested()
    review.transition(
        session, actor=filer, clock=clock, settings=settings, application_id=app.id,
        action=Action.SUBMIT,
    )  # fmt: skip
    assert len(_to(session, colleague)) == 1
    savepoint.rollback()
    assert _to(session, colleague) == []


def test_a_recipient_without_an_address_gets_the_page_only(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    analyst = make_actor(session, clock, Role.ANALYST)
    [row] = notify(
        session, clock=clock, settings=settings, recipients=[analyst.user_id, analyst.user_id],
        kind=Kind.INQUIRY_OPENED, facts=Facts(due_on=date(2025, 6, 9)),
    )  # fmt: skip
    assert row.state == "no_address"
    assert row.next_attempt_at is None
    assert row.link == "/notifications"
    assert row.subject == "New inquiry"
    assert "A reply is due by 9 Jun 2025." in row.body


def test_a_user_reads_and_marks_only_their_own_notifications(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    me = make_actor(session, clock, Role.ANALYST)
    other = make_actor(session, clock, Role.ANALYST)
    facts = Facts(reference="RX-2025-00000001")
    mine = notify(
        session, clock=clock, settings=settings, recipients=[me.user_id],
        kind=Kind.STATE_CHANGED, facts=facts.model_copy(update={"state": "submitted"}),
    )  # fmt: skip
    theirs = notify(
        session, clock=clock, settings=settings, recipients=[other.user_id],
        kind=Kind.STATE_CHANGED, facts=facts.model_copy(update={"state": "accepted"}),
    )  # fmt: skip
    page = notifications_of(session, actor=me)
    assert [n.id for n in page.items] == [mine[0].id]
    assert unread_count(session, actor=me) == 1
    with pytest.raises(NotFound):
        mark_read(session, clock=clock, actor=me, notification_id=theirs[0].id)
    assert mark_read(session, clock=clock, actor=me, notification_id=mine[0].id) == 1
    assert unread_count(session, actor=me) == 0
    assert unread_count(session, actor=other) == 1


def test_notifications_page_newest_first(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    me = make_actor(session, clock, Role.ANALYST)
    for n in range(5):
        clock.advance(timedelta(minutes=1))
        notify(
            session, clock=clock, settings=settings, recipients=[me.user_id],
            kind=Kind.STATE_CHANGED,
            facts=Facts(reference=f"RX-2025-0000000{n}", state="submitted"),
        )  # fmt: skip
    first = notifications_of(session, actor=me, limit=3)
    second = notifications_of(session, actor=me, limit=3, page_token=first.next_page_token)
    refs = [n.subject.split(":")[0] for n in [*first.items, *second.items]]
    assert refs == [f"RX-2025-0000000{n}" for n in (4, 3, 2, 1, 0)]
    assert first.total == 5
    assert second.next_page_token is None
