"""Users' e-mail and language over the API, and a user's own notifications (issue 13, item
7), on SQLite and PostgreSQL: an administrator creates a user with both, a user changes their
own, a malformed address is a 422 naming the field; a decision's notification is read and
marked read by its recipient, and another user's is 404."""

from __future__ import annotations

from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from tests.api.conftest import ApiUser, MakeUser, TestClient
from tests.factories import approve, filed_and_accepted


def test_a_user_is_created_with_an_address_and_changes_their_own(
    client: TestClient, api_user: MakeUser
) -> None:
    admin = api_user(Role.ADMINISTRATOR)
    created = client.post(
        "/api/v1/users",
        json={"username": "eu.desk", "display_name": "EU desk", "role": "partner_authority",
              "partner_groups": ["EU"], "email": "desk@eu.example", "language": "zh"},
        headers=admin.headers,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    token = {"Authorization": f"Bearer {created.json()['token']}"}
    me = client.get("/api/v1/me", headers=token).json()
    assert (me["email"], me["language"]) == ("desk@eu.example", "zh")
    changed = client.patch("/api/v1/me", json={"language": "en"}, headers=token)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["email"], changed.json()["language"]) == ("desk@eu.example", "en")
    cleared = client.patch("/api/v1/me", json={"email": None}, headers=token).json()
    assert (cleared["email"], cleared["language"]) == (None, "en")
    [listed] = [u for u in client.get("/api/v1/users", headers=admin.headers).json()
                if u["username"] == "eu.desk"]  # fmt: skip
    assert (listed["email"], listed["language"]) == (None, "en")


def test_a_malformed_address_or_language_is_refused_naming_the_field(
    client: TestClient, api_user: MakeUser
) -> None:
    analyst = api_user(Role.ANALYST)
    bad = client.patch("/api/v1/me", json={"email": "not an address"}, headers=analyst.headers)
    assert bad.status_code == 422
    assert bad.json()["code"] == "auth.invalid_email"
    assert bad.json()["errors"][0]["field"] == "email"
    unknown = client.patch("/api/v1/me", json={"language": "fr"}, headers=analyst.headers)
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "auth.unknown_language"
    extra = client.patch("/api/v1/me", json={"role": "administrator"}, headers=analyst.headers)
    assert extra.status_code == 422


def test_a_user_reads_their_notifications_and_never_anothers(
    client: TestClient,
    api_user: MakeUser,
    exporter: ApiUser,
    officer: ApiUser,
    session: Session,
    clock: FixedClock,
    settings: Settings,
) -> None:
    app = filed_and_accepted(session, clock, settings, exporter.actor, officer.actor)
    approve(session, clock, settings, officer.actor, app)
    listed = client.get("/api/v1/notifications", headers=exporter.headers)
    assert listed.status_code == 200, listed.text
    page = listed.json()
    assert page["total"] == 3  # accepted, under review, approved
    newest = page["items"][0]
    assert newest["kind"] == "decision"
    assert newest["subject"].startswith(f"{app.reference}: approved")
    assert newest["link"] == f"/exporter/applications/{app.reference}"
    assert newest["state"] == "no_address"
    assert newest["read_at"] is None
    other = api_user(Role.ANALYST)
    assert client.get("/api/v1/notifications", headers=other.headers).json()["total"] == 0
    foreign = client.post(f"/api/v1/notifications/{newest['id']}/read", headers=other.headers)
    assert foreign.status_code == 404
    assert foreign.json()["code"] == "notify.not_found"
    read = client.post(f"/api/v1/notifications/{newest['id']}/read", headers=exporter.headers)
    assert read.json() == {"marked": 1, "unread": 2}
    everything = client.post("/api/v1/notifications/read", headers=exporter.headers)
    assert everything.json() == {"marked": 2, "unread": 0}
