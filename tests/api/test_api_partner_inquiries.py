"""Inquiries over HTTP: a partner for the EU asks about a case to Germany, an officer answers on
the same routes, the side of each message follows from the writer's role."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from rarex.api.app import PREFIX
from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.inputs import MAX_MESSAGE_CHARS
from tests.factories import filed_and_accepted, make_actor, make_company, parties_in

INQUIRIES = f"{PREFIX}/partner/inquiries"


@pytest.fixture
def cases(session: Session, clock: FixedClock, settings: Settings) -> dict[str, str]:
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    exporter = make_actor(session, clock, Role.EXPORTER, company=make_company(session, clock))
    to_de = filed_and_accepted(session, clock, settings, exporter, officer)
    to_us = filed_and_accepted(
        session, clock, settings, exporter, officer, destination="US", **parties_in("US")
    )
    return {"DE": to_de.reference, "US": to_us.reference}


def test_a_partner_asks_and_an_officer_answers_over_the_api(
    client: Any, api_user: Any, cases: dict[str, str]
) -> None:
    eu = api_user(Role.PARTNER_AUTHORITY, partner_groups=["EU"])
    officer = api_user(Role.LICENSING_OFFICER)
    opened = client.post(INQUIRIES, headers=eu.headers, json={
        "subject": "Dysprosium to Stuttgart", "body": "Is anything missing?",
        "application_reference": cases["DE"],
    })  # fmt: skip
    assert opened.status_code == 201, opened.text
    number = opened.json()["number"]
    assert opened.json()["state"] == "awaiting_authority"
    assert opened.json()["reply_due_on"] is not None
    desk = client.get(INQUIRIES, headers=officer.headers, params={"state": "awaiting_authority"})
    assert [i["number"] for i in desk.json()["items"]] == [number]
    answered = client.post(
        f"{INQUIRIES}/{number}/messages", headers=officer.headers,
        json={"body": "Nothing is missing; a decision is due within the statutory period."},
    )  # fmt: skip
    assert answered.status_code == 200, answered.text
    read = client.get(f"{INQUIRIES}/{number}", headers=eu.headers).json()
    assert [(m["side"], m["author"]) for m in read["thread"]] == [
        ("partner", eu.actor.username), ("authority", "authority")
    ]  # fmt: skip
    assert officer.actor.username not in str(read)
    closed = client.post(f"{INQUIRIES}/{number}/close", headers=eu.headers, json={})
    assert closed.json()["state"] == "closed"
    late = client.post(f"{INQUIRIES}/{number}/messages", headers=officer.headers,
                       json={"body": "one more"})  # fmt: skip
    assert (late.status_code, late.json()["code"]) == (409, "inquiry.closed")


def test_a_partner_cannot_write_as_the_authority_however_it_asks(
    client: Any, api_user: Any, cases: dict[str, str]
) -> None:
    eu = api_user(Role.PARTNER_AUTHORITY, partner_groups=["EU"])
    number = client.post(INQUIRIES, headers=eu.headers,
                         json={"subject": "S", "body": "Q"}).json()["number"]  # fmt: skip
    claimed = client.post(f"{INQUIRIES}/{number}/messages", headers=eu.headers,
                          json={"body": "Approved.", "side": "authority"})  # fmt: skip
    assert (claimed.status_code, claimed.json()["errors"][0]["field"]) == (422, "side")
    plain = client.post(f"{INQUIRIES}/{number}/messages", headers=eu.headers,
                        json={"body": "Approved, says the authority."})  # fmt: skip
    assert [m["side"] for m in plain.json()["thread"]] == ["partner", "partner"]
    assert plain.json()["state"] == "awaiting_authority"
    # and a partner decides nothing: the case's decision and transitions refuse it
    decide = client.post(f"{PREFIX}/applications/{cases['DE']}/decision", headers=eu.headers,
                         json={"outcome": "approved", "reason": "trusted"})  # fmt: skip
    assert decide.status_code in (403, 404)


def test_an_inquiry_about_a_case_outside_the_jurisdiction_or_of_another_desk_is_not_found(
    client: Any, api_user: Any, cases: dict[str, str]
) -> None:
    eu = api_user(Role.PARTNER_AUTHORITY, partner_groups=["EU"])
    outside = client.post(INQUIRIES, headers=eu.headers, json={
        "subject": "S", "body": "Q", "application_reference": cases["US"]})  # fmt: skip
    assert (outside.status_code, outside.json()["code"]) == (404, "application.not_found")
    number = client.post(INQUIRIES, headers=eu.headers,
                         json={"subject": "S", "body": "Q"}).json()["number"]  # fmt: skip
    germany = api_user(Role.PARTNER_AUTHORITY, partner_countries=["DE"])
    for method, path in (("get", ""), ("post", "/messages")):
        answer = getattr(client, method)(
            f"{INQUIRIES}/{number}{path}",
            headers=germany.headers,
            **({"json": {"body": "hi"}} if method == "post" else {}),
        )
        assert (answer.status_code, answer.json()["code"]) == (404, "inquiry.not_found")
    assert client.get(INQUIRIES, headers=germany.headers).json()["items"] == []
    analyst = api_user(Role.ANALYST)
    refused = client.get(INQUIRIES, headers=analyst.headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.role_required")


def test_a_message_over_the_limit_is_refused_and_the_thread_is_unchanged(
    client: Any, api_user: Any, cases: dict[str, str]
) -> None:
    eu = api_user(Role.PARTNER_AUTHORITY, partner_groups=["EU"])
    number = client.post(INQUIRIES, headers=eu.headers,
                         json={"subject": "S", "body": "Q"}).json()["number"]  # fmt: skip
    for body in ("x" * (MAX_MESSAGE_CHARS + 1), "bell \x07", ""):
        refused = client.post(f"{INQUIRIES}/{number}/messages", headers=eu.headers,
                              json={"body": body})  # fmt: skip
        assert refused.status_code == 422, body[:10]
        assert refused.json()["errors"][0]["field"] == "body"
    fits = client.post(f"{INQUIRIES}/{number}/messages", headers=eu.headers,
                       json={"body": "y" * MAX_MESSAGE_CHARS})  # fmt: skip
    assert fits.status_code == 200
    assert client.get(f"{INQUIRIES}/{number}", headers=eu.headers).json()["messages"] == 2
