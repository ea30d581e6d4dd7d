"""Priority lists over HTTP: the partner submits two references, an officer accepts one and
declines the other with a reason, the desk filters on them, the partner reads the outcome."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from rarex.api.app import PREFIX
from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from tests.factories import filed_and_accepted, make_actor, make_company, parties_in

LISTS = f"{PREFIX}/partner/priority-lists"


@pytest.fixture
def references(session: Session, clock: FixedClock, settings: Settings) -> list[str]:
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    exporter = make_actor(session, clock, Role.EXPORTER, company=make_company(session, clock))
    return [
        filed_and_accepted(session, clock, settings, exporter, officer, **parties_in(c)).reference
        for c in ("DE", "IT", "US")
    ]


def test_a_partner_submits_two_references_and_an_officer_accepts_one_and_declines_one(
    client: Any, api_user: Any, references: list[str]
) -> None:
    eu = api_user(Role.PARTNER_AUTHORITY, partner_groups=["EU"])
    officer = api_user(Role.LICENSING_OFFICER)
    de, it, _ = references
    submitted = client.post(LISTS, headers=eu.headers, json={
        "items": [{"application_reference": de, "reason": "Assembly line in Stuttgart stops"},
                  {"application_reference": it, "reason": "Wind-turbine order due in May"}],
        "note": "Two urgent cases",
    })  # fmt: skip
    assert submitted.status_code == 201, submitted.text
    number = submitted.json()["number"]
    desk = client.get(f"{PREFIX}/desk", headers=officer.headers,
                      params={"queue": "ordinary", "priority": "pending"}).json()  # fmt: skip
    assert {i["reference"]: i["priority"] for i in desk["items"]} == {de: "pending", it: "pending"}
    pending = client.get(LISTS, headers=officer.headers, params={"pending": "true"}).json()
    items = {i["application_reference"]: i["id"] for i in pending[0]["items"]}
    for reference, outcome, reason in ((de, "accepted", "Confirmed idle line"),
                                       (it, "declined", "Order date leaves time")):  # fmt: skip
        decided = client.post(f"{PREFIX}/partner/priority-items/{items[reference]}/decision",
                              headers=officer.headers,
                              json={"outcome": outcome, "reason": reason})  # fmt: skip
        assert decided.status_code == 200, decided.text
    seen = client.get(f"{LISTS}/{number}", headers=eu.headers).json()
    assert [(i["status"], i["decision_reason"], i["decided_by"]) for i in seen["items"]] == [
        ("accepted", "Confirmed idle line", None), ("declined", "Order date leaves time", None)
    ]  # fmt: skip
    assert client.get(LISTS, headers=officer.headers, params={"pending": "true"}).json() == []
    again = client.post(
        f"{PREFIX}/partner/priority-items/{items[de]}/decision",
        headers=officer.headers,
        json={"outcome": "declined", "reason": "x"},
    )
    assert (again.status_code, again.json()["code"]) == (409, "priority.already_decided")


def test_the_partner_decides_nothing_and_a_case_elsewhere_is_not_found(
    client: Any, api_user: Any, references: list[str]
) -> None:
    eu = api_user(Role.PARTNER_AUTHORITY, partner_groups=["EU"])
    de, _, us = references
    elsewhere = client.post(LISTS, headers=eu.headers, json={
        "items": [{"application_reference": us, "reason": "r"}]})  # fmt: skip
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (404, "application.not_found")
    listed = client.post(LISTS, headers=eu.headers, json={
        "items": [{"application_reference": de, "reason": "r"}]}).json()  # fmt: skip
    item = listed["items"][0]["id"]
    refused = client.post(f"{PREFIX}/partner/priority-items/{item}/decision", headers=eu.headers,
                          json={"outcome": "accepted", "reason": "self-service"})  # fmt: skip
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.role_required")
    empty = client.post(LISTS, headers=eu.headers, json={"items": []})
    assert empty.status_code == 422
