"""The sender against a real SMTP server on 127.0.0.1: delivered with its Message-ID in the
recipient's language; nothing lost while the server is down; a retry schedule that backs off;
a permanent refusal given up, visibly; two senders at once send each notification once."""

from __future__ import annotations

import threading
from datetime import timedelta

from rarex.db import session_scope
from rarex.notify.outbox import outbox_status, retry_failed
from rarex.notify.sender import PassSummary, Sender
from tests.notify.conftest import MailServer, Outbox


def _sender(outbox: Outbox, name: str | None = None) -> Sender:
    return Sender(outbox.sessions, settings=outbox.settings, clock=outbox.clock, name=name)


def test_a_due_notification_arrives_with_its_message_id_in_the_recipients_language(
    outbox: Outbox, mail_server: MailServer
) -> None:
    [english] = outbox.write()
    [chinese] = outbox.write(language="zh")
    outbox.write(email=False)  # shown on a page, never sent
    summary = _sender(outbox).drain()
    assert summary == PassSummary(sent=2)
    by_id = {str(m["Message-ID"]): m for m in mail_server.inbox.messages}
    assert set(by_id) == {english, chinese}
    assert str(by_id[english]["Subject"]) == "RX-2025-00000000: Under review"
    assert str(by_id[chinese]["Subject"]) == "RX-2025-00000000：审查中"  # noqa: RUF001
    assert by_id[chinese]["Content-Language"] == "zh-Hans"
    assert "状态已变为：审查中" in by_id[chinese].get_body().get_content()  # type: ignore[union-attr]  # noqa: RUF001
    states = sorted((row.state, row.attempts) for row in outbox.rows())
    assert states == [("no_address", 0), ("sent", 1), ("sent", 1)]
    assert _sender(outbox).drain() == PassSummary()  # nothing twice


def test_with_the_server_down_notifications_wait_and_go_out_when_it_is_back(
    outbox: Outbox, mail_server: MailServer
) -> None:
    ids = outbox.write(2)
    mail_server.stop()
    sender = _sender(outbox)
    # each pass tries the first due notification, fails to connect, records it and stops
    assert sender.drain() == PassSummary(retrying=1)
    assert sender.drain() == PassSummary(retrying=1)
    assert sender.drain() == PassSummary()  # both wait their backoff now
    first, second = outbox.rows()
    for row in (first, second):
        assert row.state == "pending"
        assert row.attempts == 1
        assert "ConnectionRefused" in (row.last_error or "")
        assert row.next_attempt_at == outbox.clock.now() + timedelta(seconds=1)
        assert row.claimed_until is None
    outbox.clock.advance(timedelta(seconds=1))
    assert sender.drain() == PassSummary(retrying=1)  # still down: the second wait is longer
    waits = sorted(r.next_attempt_at - outbox.clock.now() for r in outbox.rows())  # type: ignore[operator]
    assert waits == [timedelta(seconds=0), timedelta(seconds=2)]
    with session_scope(outbox.sessions) as session:
        status = outbox_status(session, actor=None, now=outbox.clock.now())
    assert status["counts"]["pending"] == 2
    assert status["retrying"] == 2
    mail_server.start()
    outbox.clock.advance(timedelta(seconds=2))
    assert sender.drain() == PassSummary(sent=2)
    assert sorted(mail_server.inbox.message_ids) == sorted(ids)
    assert sorted((r.state, r.attempts, r.last_error) for r in outbox.rows()) == [
        ("sent", 2, None),
        ("sent", 3, None),
    ]


def test_a_4xx_answer_is_tried_again_and_a_5xx_is_given_up_visibly(
    outbox: Outbox, mail_server: MailServer
) -> None:
    outbox.write()
    mail_server.inbox.reply = "451 4.3.0 mailbox busy, try later"
    sender = _sender(outbox)
    assert sender.drain() == PassSummary(retrying=1)
    [row] = outbox.rows()
    assert row.last_error is not None
    assert row.last_error.startswith("451")
    mail_server.inbox.reply = "550 5.1.1 no such mailbox"
    outbox.clock.advance(timedelta(seconds=1))
    # notify_give_up_after=2: the second attempt, refused for good, is the last
    assert sender.drain() == PassSummary(gave_up=1)
    [row] = outbox.rows()
    assert (row.state, row.attempts, row.next_attempt_at) == ("failed", 2, None)
    assert row.last_error is not None
    assert row.last_error.startswith("550")
    outbox.clock.advance(timedelta(hours=1))
    assert sender.drain() == PassSummary()
    mail_server.inbox.reply = None
    with session_scope(outbox.sessions) as session:
        assert retry_failed(session, clock=outbox.clock, actor=None, notification_id=None) == 1
    assert sender.drain() == PassSummary(sent=1)


def test_two_senders_at_once_send_each_notification_once(
    outbox: Outbox, mail_server: MailServer
) -> None:
    ids = outbox.write(30)
    senders = [_sender(outbox, name) for name in ("left", "right")]
    summaries: list[PassSummary] = []
    start = threading.Barrier(2)

    def run(sender: Sender) -> None:
        start.wait()
        summaries.append(sender.drain(batch=3))

    threads = [threading.Thread(target=run, args=(s,)) for s in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(mail_server.inbox.message_ids) == sorted(ids)  # each once, none lost
    assert sum(s.sent for s in summaries) == 30
    assert {(r.state, r.attempts) for r in outbox.rows()} == {("sent", 1)}


def test_one_sender_holds_the_lease_until_it_lapses_or_is_released(outbox: Outbox) -> None:
    first, second = _sender(outbox, "first"), _sender(outbox, "second")
    assert first.hold_lease()
    assert not second.hold_lease()
    assert first.hold_lease()  # renewed
    outbox.clock.advance(timedelta(seconds=3 * outbox.settings.notify_poll_seconds))
    assert second.hold_lease()  # lapsed: taken over
    assert not first.hold_lease()
    second.release_lease()
    assert first.hold_lease()
