"""The partner channel's API: the redacted views of cases and licenses in the partner's
jurisdiction. Every GET route under /api/v1/partner is asked for (the routes are read from
the app, so a route added later is asked too) and no answer may carry a hidden field."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.api.app import PREFIX, ROUTERS
from rarex.api.partner import router as partner_router
from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.models import Notification, User
from tests.partner_secrets import SecretCase, build_secret_case


@pytest.fixture
def secret_case(session: Session, clock: FixedClock, settings: Settings) -> SecretCase:
    return build_secret_case(session, clock, settings)


def _partner_paths(case: SecretCase) -> list[str]:
    """Every GET route of the partner router, its path filled in for the case."""
    fill = {
        "{reference}": case.reference,
        "{number}": case.license_number,
        "{inquiry}": case.inquiry_number,
        "{priority_list}": case.priority_list_number,
        "{trusted_party}": case.trusted_number,
    }
    paths = []
    for route in partner_router.routes:
        assert isinstance(route, APIRoute)
        if "GET" not in route.methods:
            continue
        path = route.path
        for name, value in fill.items():
            path = path.replace(name, value)
        assert "{" not in path, f"no value for a parameter of {route.path}"
        paths.append(PREFIX + path)
    return paths


def test_no_partner_answer_carries_a_hidden_field(
    secret_case: SecretCase, client: Any, api_user: Any
) -> None:
    eu = api_user(Role.PARTNER_AUTHORITY, partner_groups=["EU"])
    paths = _partner_paths(secret_case)
    assert len(paths) >= 4
    for path in paths:
        answer = client.get(path, headers=eu.headers)
        assert answer.status_code == 200, (path, answer.text)
        assert secret_case.leaks(answer.text) == [], path
        # what the partner may read is there: the answer is not empty by accident
        if "/outcomes" in path:  # the figures (JSON, CSV, chart) name the partner and count
            assert "EU" in answer.text, path
        elif "/priority-lists" in path:
            assert secret_case.priority_list_number in answer.text, path
        elif "/trusted-parties" in path:
            assert secret_case.trusted_number in answer.text, path
        else:
            assert secret_case.reference in answer.text, path
        if not any(part in path for part in ("/inquiries", "/priority-", "/trusted-", "/outc")):
            assert secret_case.exporter_name in answer.text, path
    # the draft is not listed, and asking for it is "not found"
    draft = client.get(
        f"{PREFIX}/partner/applications/{secret_case.draft_reference}", headers=eu.headers
    )
    assert (draft.status_code, draft.json()["code"]) == (404, "application.not_found")
    assert secret_case.leaks(draft.text) == []


def test_the_marker_test_would_see_a_leak_in_the_full_view(
    secret_case: SecretCase, client: Any, api_user: Any
) -> None:
    """The markers are where the test says: the officer's full view carries every one."""
    officer = api_user(Role.LICENSING_OFFICER)
    seen = client.get(f"{PREFIX}/applications/{secret_case.reference}", headers=officer.headers)
    hits = client.get(
        f"{PREFIX}/applications/{secret_case.reference}/hits", headers=officer.headers
    )
    documents = seen.json()["documents"]
    content = client.get(
        f"{PREFIX}/applications/{secret_case.reference}/documents/{documents[0]['id']}",
        headers=officer.headers,
    )
    company = client.get(f"{PREFIX}/companies/{seen.json()['exporter']['uscc']}",
                         headers=officer.headers)  # fmt: skip
    draft = client.get(
        f"{PREFIX}/applications/{secret_case.draft_reference}", headers=officer.headers
    )
    everything = " ".join(r.text for r in (seen, hits, content, company, draft))
    assert set(secret_case.leaks(everything)) >= set(secret_case.markers) | {"price"}


def test_a_partner_reads_the_shared_fields_of_a_case(
    secret_case: SecretCase, client: Any, api_user: Any, settings: Settings
) -> None:
    eu = api_user(Role.PARTNER_AUTHORITY, partner_groups=["EU"])
    view = client.get(
        f"{PREFIX}/partner/applications/{secret_case.reference.lower()}", headers=eu.headers
    ).json()
    assert view["reference"] == secret_case.reference
    assert view["exporter"] == {
        "name": "Baotou Secret Magnets Co.",
        "name_zh": "包头保密磁材有限公司",
    }
    assert view["end_user"] == {"name": secret_case.consignee_name, "country": "DE"}
    assert view["items"] == [
        {"line_no": 1, "control_code": "1C905.a", "quantity_kg": "500.000",
         "granted_kg": "500.000"}
    ]  # fmt: skip
    assert (view["state"], view["lane"], view["destination"]) == ("approved", "ordinary", "DE")
    assert view["decision"]["outcome"] == "approved"
    assert view["license_number"] == secret_case.license_number
    used, left = view["working_days_used"], view["working_days_left"]
    assert used >= 1
    assert used + left == settings.decision_working_days
    assert view["due_on"] > view["accepted_on"]


def test_no_route_of_the_whole_api_gives_a_partner_a_hidden_field(
    secret_case: SecretCase, client: Any, api_user: Any
) -> None:
    """Not only the partner routes: every GET route, its parameters filled with the secret
    case's, answers a partner for the EU without a marker (most refuse it outright)."""
    eu = api_user(Role.PARTNER_AUTHORITY, partner_groups=["EU"])
    fill = {
        "{key}": secret_case.reference, "{reference}": secret_case.reference,
        "{number}": secret_case.license_number, "{document_id}": secret_case.document_id,
        "{uscc}": secret_case.uscc, "{username}": secret_case.markers["officer_username"],
        "{period}": "2025-05", "{series}": "exports", "{inquiry}": secret_case.inquiry_number,
        "{priority_list}": secret_case.priority_list_number,
        "{trusted_party}": secret_case.trusted_number,
    }  # fmt: skip
    statuses = {}
    for router in ROUTERS:
        for route in router.routes:
            assert isinstance(route, APIRoute)
            if "GET" not in route.methods:
                continue
            path = route.path
            for name, value in fill.items():
                path = path.replace(name, value)
            assert "{" not in path, f"no value for a parameter of {route.path}"
            answer = client.get(PREFIX + path, headers=eu.headers)
            statuses[route.path] = answer.status_code
            assert secret_case.leaks(answer.text) == [], route.path
    # the full views of the case in its jurisdiction are refused, not merely empty
    assert statuses["/applications/{key}"] == 404
    assert statuses["/applications/{key}/hits"] in (403, 404)
    assert statuses["/applications/{key}/documents/{document_id}"] == 404
    assert statuses["/licenses/{number}"] == 404


def test_no_mail_to_a_partner_carries_a_hidden_field(
    secret_case: SecretCase, session: Session
) -> None:
    """The partner desk was told of the officer's reply and of the priority decision: the
    notifications (subject and body, as mailed and as the page shows them) carry no marker."""
    partners = select(User.id).where(User.role == Role.PARTNER_AUTHORITY.value)
    mails = session.scalars(select(Notification).where(Notification.user_id.in_(partners))).all()
    assert {mail.kind for mail in mails} >= {"inquiry_reply", "priority_decided"}
    for mail in mails:
        assert secret_case.leaks(mail.subject + "\n" + mail.body) == [], mail.kind
