"""Administration in the browser's pages (issue 12, item 3), on SQLite and PostgreSQL: users
listed and created (a refusal beside its field), a token issued with an expiry and shown
once, rotated and revoked, a password set (twice alike), a sign-in lock lifted, a user
deactivated, the audit chain verified; a role and its company or partner countries changed
(each refusal beside its field, the user's sessions ended, the last administrator kept);
nobody but an administrator gets in."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.models import AuditEvent, SignInThrottle, User, WebSession
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


def _role(site: TestClient, username: str, token: str, **form: str) -> Any:
    return site.post(
        f"/admin/users/{username}/role", data={"csrf_token": token} | form,
        headers={"Origin": SITE},
    )  # fmt: skip


def _error(page: str, field: str) -> str:
    found = re.search(rf'id="{field}-error">([^<]+)<', page)
    assert found is not None, field
    return found.group(1)


def test_a_role_and_its_jurisdiction_change_with_each_refusal_beside_its_field(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    company = make_company(session, clock)
    officer = user_with_password(session, clock, Role.LICENSING_OFFICER)
    admin = user_with_password(session, clock, Role.ADMINISTRATOR)
    sign_in(site, officer)  # a session of the officer's, which the change will end
    sign_in(site, admin)
    page = site.get(f"/admin/users/{officer}")
    assert re.search(r'<option value="licensing_officer" selected>', page.text)
    token = csrf_of(page.text)

    for form, field, says in (
        ({"role": "partner_authority"}, "partner_countries", "at least one country or"),
        ({"role": "partner_authority", "partner_groups": "EU ASEAN"}, "partner_groups",
         "unknown country groups: ASEAN"),
        ({"role": "partner_authority", "partner_countries": "DE, XX"}, "partner_countries",
         "unknown: XX"),
        ({"role": "exporter"}, "company_uscc", "must belong to a company"),
        ({"role": "analyst", "company_uscc": company.uscc}, "company_uscc", "only exporter"),
        ({"role": "analyst", "partner_countries": "DE"}, "partner_countries",
         "only partner authorities"),
        ({"role": "exporter", "company_uscc": "91110000000000000X"}, "company_uscc", ""),
        ({"role": "overlord"}, "role", "Input should be"),
    ):  # fmt: skip
        refused = _role(site, officer, token, **form)
        assert refused.status_code == 422, form
        assert says in _error(refused.text, field)
        assert f'<option value="{form["role"]}" selected>' in refused.text or (
            form["role"] == "overlord"
        )
        typed = (
            form.get("partner_countries") or form.get("partner_groups") or form.get("company_uscc")
        )
        if typed:
            assert f'value="{typed}"' in refused.text  # what was typed, kept
    session.expire_all()
    assert session.scalar(select(User.role).where(User.username == officer)) == (
        Role.LICENSING_OFFICER.value
    )

    changed = _role(
        site, officer, token, role="partner_authority", partner_countries="fr de",
        partner_groups="eu",
    )  # fmt: skip
    assert changed.status_code == 303
    session.expire_all()
    user = session.scalar(select(User).where(User.username == officer))
    assert user is not None
    assert (user.role, user.partner_countries, user.partner_groups) == (
        "partner_authority", ["DE", "FR"], ["EU"],
    )  # fmt: skip
    shown = site.get(f"/admin/users/{officer}").text
    assert "(EU, DE, FR)" in shown
    live = session.scalars(
        select(WebSession).where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
    ).all()
    assert live == []  # signed out: their pages were the old role's
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.role_changed")
    ).one()
    assert '"role_before":"licensing_officer"' in event.payload_json
    shown = site.get(f"/admin/users/{officer}").text
    assert 'value="DE FR"' in shown

    to_exporter = _role(site, officer, token, role="exporter", company_uscc=company.uscc)
    assert to_exporter.status_code == 303
    assert company.uscc in site.get(f"/admin/users/{officer}").text


def test_the_last_active_administrator_cannot_step_down_until_another_is_made(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    analyst = user_with_password(session, clock, Role.ANALYST)
    admin = user_with_password(session, clock, Role.ADMINISTRATOR)
    sign_in(site, admin)
    token = csrf_of(site.get("/admin").text)
    alone = _role(site, admin, token, role="analyst")
    assert alone.status_code == 422
    assert "last active administrator" in _error(alone.text, "role")
    assert _role(site, analyst, token, role="administrator").status_code == 303
    stepped_down = _role(site, admin, token, role="analyst")
    assert stepped_down.status_code == 303
    # their own session ended with the change: the next page asks them to sign in
    assert site.get("/admin").headers["location"] == "/login?next=/admin"


def test_only_administrators_change_roles_and_a_form_needs_its_token(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    company = make_company(session, clock)
    target = user_with_password(session, clock, Role.ANALYST)
    others = [
        user_with_password(session, clock, Role.EXPORTER, company=company),
        user_with_password(session, clock, Role.CUSTOMS_OFFICER),
    ]
    admin = user_with_password(session, clock, Role.ADMINISTRATOR)
    for username in others:
        sign_in(site, username)
        assert site.get(f"/admin/users/{target}").status_code == 403
        token = csrf_of(site.get("/").text)
        assert _role(site, target, token, role="administrator").status_code == 403
    sign_in(site, admin)
    assert _role(site, target, "forged", role="administrator").status_code == 403
    assert (
        _role(site, "nobody-here", csrf_of(site.get("/admin").text), role="analyst").status_code
        == 404
    )
    session.expire_all()
    assert session.scalar(select(User.role).where(User.username == target)) == "analyst"
