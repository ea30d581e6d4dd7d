"""API tokens administered (issue 12, item 3), on SQLite and PostgreSQL: a token issued to an
existing user with a name and an expiry works until it expires; a user whose tokens were all
revoked gets a new one; listed without values; rotated (the old one dead, the new one of the
same name and life) and revoked one by one; the users listed and a sign-in lock lifted; only
administrators do it for others."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.auth.service import revoke_tokens
from rarex.clock import FixedClock
from rarex.models import SignInThrottle
from tests.api.conftest import MakeUser, TestClient
from tests.factories import make_actor


def test_a_token_is_issued_listed_rotated_revoked_and_expires(
    client: TestClient, api_user: MakeUser, session: Session, clock: FixedClock
) -> None:
    admin = api_user(Role.ADMINISTRATOR)
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    revoke_tokens(session, clock=clock, actor=None, username=officer.username)  # none left
    expires_on = (clock.now() + timedelta(days=30)).date()
    issued = client.post(
        f"/api/v1/users/{officer.username}/tokens",
        json={"label": "laptop", "expires_on": expires_on.isoformat()},
        headers=admin.headers,
    )
    assert issued.status_code == 201, issued.text
    body = issued.json()
    token = body["token"]
    assert body["label"] == "laptop"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == officer.username
    listed = client.get(f"/api/v1/users/{officer.username}/tokens", headers=admin.headers)
    rows = listed.json()
    assert [row["label"] for row in rows if row["revoked_at"] is None] == ["laptop"]
    assert token not in listed.text  # never the value again
    live = next(row for row in rows if row["revoked_at"] is None)
    rotated = client.post(f"/api/v1/tokens/{live['id']}/rotate", headers=admin.headers)
    assert rotated.status_code == 201
    new = rotated.json()["token"]
    assert rotated.json()["label"] == "laptop"
    old = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert old.status_code == 401
    assert old.json()["code"] == "auth.token_revoked"
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {new}"}).status_code == 200
    clock.advance(timedelta(days=31))
    expired = client.get("/api/v1/me", headers={"Authorization": f"Bearer {new}"})
    assert expired.status_code == 401
    assert expired.json()["code"] == "auth.token_expired"
    newest = client.get(f"/api/v1/users/{officer.username}/tokens", headers=admin.headers)
    live_id = next(row["id"] for row in newest.json() if row["revoked_at"] is None)
    revoked = client.post(f"/api/v1/tokens/{live_id}/revoke", headers=admin.headers)
    assert revoked.json()["revoked_at"] is not None


def test_a_token_needs_a_name_a_future_expiry_and_an_administrator(
    client: TestClient, api_user: MakeUser, session: Session, clock: FixedClock
) -> None:
    admin = api_user(Role.ADMINISTRATOR)
    officer = api_user(Role.LICENSING_OFFICER)
    path = f"/api/v1/users/{officer.actor.username}/tokens"
    past = client.post(
        path, json={"label": "old", "expires_on": "2020-01-01"}, headers=admin.headers
    )
    assert past.status_code == 422
    assert past.json()["code"] == "auth.token_expiry"
    blank = client.post(path, json={"label": " "}, headers=admin.headers)
    assert blank.status_code == 422
    not_admin = client.post(path, json={"label": "mine"}, headers=officer.headers)
    assert not_admin.status_code == 403
    other = make_actor(session, clock, Role.LICENSING_OFFICER)
    peek = client.get(f"/api/v1/users/{other.username}/tokens", headers=officer.headers)
    assert peek.status_code == 403
    own = client.get(path, headers=officer.headers)
    assert own.status_code == 200  # one's own tokens


def test_users_are_listed_and_a_sign_in_lock_is_lifted(
    client: TestClient, api_user: MakeUser, session: Session, clock: FixedClock
) -> None:
    admin = api_user(Role.ADMINISTRATOR)
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    session.add(
        SignInThrottle(
            username=officer.username, client_address="203.0.113.0", failures=5,
            last_failure_at=clock.now(), locked_until=clock.now() + timedelta(minutes=15),
        )
    )  # fmt: skip
    session.flush()
    users = client.get("/api/v1/users", headers=admin.headers).json()
    assert officer.username in [u["username"] for u in users]
    unlocked = client.post(f"/api/v1/users/{officer.username}/unlock", headers=admin.headers)
    assert unlocked.json()["addresses_freed"] == 1
    session.expire_all()
    left = session.scalars(
        select(SignInThrottle).where(SignInThrottle.username == officer.username)
    ).all()
    assert left == []
