"""Notifications in the pages (issue 13, item 7), on SQLite and PostgreSQL: every signed-in
user reads their own, newest first, with the unread count in the header; marks one or all
read; another user's is not found; sets their own address and language (a refusal beside its
field); an administrator sets anyone's and reads the outbox's delivery."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.models import User
from rarex.notify.kinds import Facts, Kind
from rarex.notify.service import notify
from tests.web.site_helpers import SITE, TestClient, csrf_of, sign_in, user_with_password


def _note(session: Session, clock: FixedClock, settings: Settings, username: str, ref: str) -> str:
    user = session.scalars(select(User).where(User.username == username)).one()
    [row] = notify(
        session, clock=clock, settings=settings, recipients=[user.id], kind=Kind.DECISION,
        facts=Facts(reference=ref, state="approved", decision="approved"),
    )  # fmt: skip
    return str(row.id)


def test_a_user_reads_and_marks_their_notifications_and_not_anothers(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    assert site.get("/notifications").headers["location"] == "/login?next=/notifications"
    me = user_with_password(session, clock, Role.ANALYST)
    other = user_with_password(session, clock, Role.LICENSING_OFFICER)
    first = _note(session, clock, settings, me, "RX-2025-00000001")
    _note(session, clock, settings, me, "RX-2025-00000002")
    theirs = _note(session, clock, settings, other, "RX-2025-00000003")
    sign_in(site, me)
    page = site.get("/notifications")
    assert page.status_code == 200
    assert "2 unread" in page.text
    assert "RX-2025-00000001: approved" in page.text
    assert "RX-2025-00000003" not in page.text
    token = csrf_of(page.text)
    foreign = site.post(
        f"/notifications/{theirs}/read", data={"csrf_token": token}, headers={"Origin": SITE}
    )
    assert foreign.status_code == 404
    one = site.post(
        f"/notifications/{first}/read", data={"csrf_token": token}, headers={"Origin": SITE}
    )
    assert one.status_code == 303
    assert "1 unread" in site.get("/").text
    site.post("/notifications/read", data={"csrf_token": token}, headers={"Origin": SITE})
    assert "unread" not in site.get("/notifications").text.split("<main")[0]
    forged = site.post("/notifications/read", data={"csrf_token": "x"}, headers={"Origin": SITE})
    assert forged.status_code == 403


def test_a_user_sets_their_own_address_and_language_beside_the_field(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    username = user_with_password(session, clock, Role.LICENSING_OFFICER)
    sign_in(site, username)
    token = csrf_of(site.get("/notifications").text)
    refused = site.post(
        "/notifications/contact", data={"csrf_token": token, "email": "li@", "language": "zh"},
        headers={"Origin": SITE},
    )  # fmt: skip
    assert refused.status_code == 422
    assert 'id="email-error"' in refused.text
    assert 'value="li@"' in refused.text
    saved = site.post(
        "/notifications/contact",
        data={"csrf_token": token, "email": "li@mofcom.example", "language": "zh"},
        headers={"Origin": SITE},
    )  # fmt: skip
    assert saved.status_code == 303
    user = session.scalars(select(User).where(User.username == username)).one()
    assert (user.email, user.language) == ("li@mofcom.example", "zh")


def test_an_administrator_sets_a_users_contact_and_reads_the_outbox(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    target = user_with_password(session, clock, Role.ANALYST)
    _note(session, clock, settings, target, "RX-2025-00000009")
    sign_in(site, user_with_password(session, clock, Role.ADMINISTRATOR))
    token = csrf_of(site.get(f"/admin/users/{target}").text)
    done = site.post(
        f"/admin/users/{target}/contact",
        data={"csrf_token": token, "email": "analyst@example.org", "language": "zh"},
        headers={"Origin": SITE},
    )  # fmt: skip
    assert done.status_code == 303
    user = session.scalars(select(User).where(User.username == target)).one()
    assert (user.email, user.language) == ("analyst@example.org", "zh")
    outbox = site.get("/admin/notifications")
    assert outbox.status_code == 200
    assert target in outbox.text
    assert "no_address" in outbox.text
    assert "RX-2025-00000009" not in outbox.text  # the subject is the recipient's
    created = site.post(
        "/admin/users",
        data={"csrf_token": token, "username": "mail.less", "role": "analyst",
              "email": "nobody", "language": "en"},
        headers={"Origin": SITE},
    )  # fmt: skip
    assert created.status_code == 422
    assert 'id="email-error"' in created.text
