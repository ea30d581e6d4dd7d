"""The partner channel's pages carry no hidden field (issue 13's acceptance): the secret case
(``tests.partner_secrets``) has a marker in every field a partner must never read, and a
partner desk for the EU asks for every ``/partner...`` page of the site. The routes are read
from the site's routers, their parameters filled from the case, so a page added later is
asked too."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.web.site import PAGE_ROUTERS
from tests.partner_secrets import SecretCase, build_secret_case
from tests.web.site_helpers import TestClient, sign_in, user_with_password


@pytest.fixture
def secret_case(session: Session, clock: FixedClock, settings: Settings) -> SecretCase:
    return build_secret_case(session, clock, settings)


def _partner_pages(case: SecretCase) -> list[str]:
    """Every page a partner may GET, its path filled in for the case."""
    fill = {
        "{reference}": case.reference, "{number}": case.license_number,
        "{inquiry}": case.inquiry_number, "{priority_list}": case.priority_list_number,
        "{trusted_party}": case.trusted_number,
    }  # fmt: skip
    paths = []
    routes = [route for router in PAGE_ROUTERS for route in router.routes]
    for route in routes:
        if not isinstance(route, APIRoute) or "GET" not in route.methods:
            continue
        if route.path != "/partner" and not route.path.startswith("/partner/"):
            continue
        path = route.path
        for name, value in fill.items():
            path = path.replace(name, value)
        assert "{" not in path, f"no value for a parameter of {route.path}"
        paths.append(path)
    return paths


def test_no_partner_page_carries_a_hidden_field(
    site: TestClient, session: Session, clock: FixedClock, secret_case: SecretCase
) -> None:
    sign_in(site, user_with_password(session, clock, Role.PARTNER_AUTHORITY, partner_groups=["EU"]))
    paths = _partner_pages(secret_case)
    assert len(paths) >= 12, paths
    shared = {
        "/partner/inquiries": secret_case.inquiry_number,
        "/partner/priority-lists": secret_case.priority_list_number,
        "/partner/trusted-parties": secret_case.trusted_number,
        "/partner/licenses": secret_case.license_number,
        # the figures' chart, their CSV, their page (longer prefixes first)
        "/partner/outcomes.svg": "Applications of EU",
        "/partner/outcomes/download": "EU,20",
        "/partner/outcomes": "Outcome figures: EU",
        "/partner/applications": secret_case.exporter_name,
        "/partner": secret_case.exporter_name,
    }
    for path in paths:
        page = site.get(path)
        assert page.status_code == 200, (path, page.text[:500])
        assert secret_case.leaks(page.text) == [], path
        if path.endswith("/new"):
            continue  # a form to fill: nothing of the case on it
        # what the partner may read is there: the page is not empty by accident
        expected = next(value for prefix, value in shared.items() if path.startswith(prefix))
        assert expected in page.text, path
    case = site.get(f"/partner/applications/{secret_case.reference}").text
    assert "包头保密磁材有限公司" in case  # the exporter in both scripts
    assert secret_case.consignee_name in case
    assert "It was approved." in case or secret_case.inquiry_number in case
    # the draft is not found by its address (which the page repeats in its language switch)
    draft = site.get(f"/partner/applications/{secret_case.draft_reference}")
    assert draft.status_code == 404
    assert set(secret_case.leaks(draft.text)) <= {"draft_reference"}
