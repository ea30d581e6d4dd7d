"""Administration in the browser's pages (issue 12, item 3), on SQLite and PostgreSQL: users
listed and created (a refusal beside its field), a token issued with an expiry and shown
once, rotated and revoked, a password set (twice alike), a sign-in lock lifted, a user
deactivated, the audit chain verified; nobody but an administrator gets in."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.models import SignInThrottle, User
from tests.factories import make_company
from tests.web.site_helpers import SITE, TestClient, csrf_of, sign_in, user_with_password


def _post(site: TestClient, path: str, token: str, **form: str) -> object:
    return site.post(path, data={"csrf_token": token} | form, headers={"Origin": SITE})


def test_administration_is_the_administrators_only(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    assert site.get("/admin").headers["location"] == "/login?next=/admin"
    officer = user_with_password(session, clock, Role.LICENSING_OFFICER)
    sign_in(site, officer)
    assert site.get("/admin").status_code == 403
    assert site.get("/admin/audit").status_code == 403


def test_an_administrator_creates_a_user_and_manages_its_tokens_password_and_lock(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    company = make_company(session, clock)
    sign_in(site, user_with_password(session, clock, Role.ADMINISTRATOR))
    home = site.get("/admin")
    assert home.status_code == 200
    token = csrf_of(home.text)
    no_company = site.post(
        "/admin/users", data={"csrf_token": token, "username": "new.exporter",
        "role": "exporter"}, headers={"Origin": SITE},
    )  # fmt: skip
    assert no_company.status_code == 422
    assert re.search(r'id="company_uscc-error">[^<]+<', no_company.text)
    assert 'value="new.exporter"' in no_company.text
    created = site.post(
        "/admin/users", data={"csrf_token": token, "username": "new.exporter",
        "display_name": "New Exporter", "role": "exporter", "company_uscc": company.uscc},
        headers={"Origin": SITE},
    )  # fmt: skip
    assert created.status_code == 303
    path = created.headers["location"]
    assert path == "/admin/users/new.exporter"
    expires = (clock.now() + timedelta(days=10)).date().isoformat()
    issued = site.post(
        f"{path}/token", data={"csrf_token": token, "label": "ERP link", "expires_on": expires},
        headers={"Origin": SITE},
    )  # fmt: skip
    assert issued.status_code == 201
    value = re.search(r'<p class="id">(rx_[^<]+)</p>', issued.text)
    assert value is not None
    me = site.get("/api/v1/me", headers={"Authorization": f"Bearer {value.group(1)}"})
    assert me.json()["username"] == "new.exporter"
    again = site.get(path)
    assert value.group(1) not in again.text  # shown once
    token_id = re.search(r'name="token_id" value="([0-9a-f-]+)"', again.text)
    assert token_id is not None
    rotated = site.post(
        f"{path}/rotate", data={"csrf_token": token, "token_id": token_id.group(1),
        "label": "ERP link"}, headers={"Origin": SITE},
    )  # fmt: skip
    assert rotated.status_code == 201
    old = site.get("/api/v1/me", headers={"Authorization": f"Bearer {value.group(1)}"})
    assert old.status_code == 401
    differ = site.post(
        f"{path}/password", data={"csrf_token": token, "password": "a long new secret",
        "password_again": "a long new secreT"}, headers={"Origin": SITE},
    )  # fmt: skip
    assert differ.status_code == 422
    assert "the two passwords differ" in differ.text
    session.add(
        SignInThrottle(
            username="new.exporter", client_address="203.0.113.0", failures=5,
            last_failure_at=clock.now(), locked_until=clock.now() + timedelta(minutes=15),
        )
    )  # fmt: skip
    session.flush()
    assert re.search(r"<td><strong class=\"flag\">1</strong></td>", site.get("/admin").text)
    unlocked = site.post(f"{path}/unlock", data={"csrf_token": token}, headers={"Origin": SITE})
    assert unlocked.status_code == 303
    session.expire_all()
    assert session.scalars(select(SignInThrottle)).all() == []
    deactivated = site.post(
        f"{path}/deactivate", data={"csrf_token": token}, headers={"Origin": SITE}
    )
    assert deactivated.status_code == 303
    session.expire_all()
    user = session.scalar(select(User).where(User.username == "new.exporter"))
    assert user is not None
    assert not user.active
    verified = site.post("/admin/audit", data={"csrf_token": token}, headers={"Origin": SITE})
    assert "Intact:" in verified.text
