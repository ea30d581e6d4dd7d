"""Access over HTTP: what each role may list and open, and API tokens stored only as hashes."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.auth.service import authenticate, issue_token
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.models import ApiToken
from tests.factories import (
    approve,
    filed_and_accepted,
    make_actor,
    make_company,
    make_uscc,
    parties_in,
)


class Market:
    """Two exporters over the API, each with a licensed case and an open one."""

    def __init__(
        self,
        session: Session,
        clock: FixedClock,
        settings: Settings,
        client: Any,
        api_user: Any,
    ) -> None:
        self.client = client
        officer = make_actor(session, clock, Role.LICENSING_OFFICER)
        self.alpha = api_user(Role.EXPORTER, company=make_company(session, clock))
        self.beta = api_user(Role.EXPORTER, company=make_company(session, clock))
        self.refs: dict[str, str] = {}
        for name, user, destination, licensed in (
            ("alpha_de", self.alpha, "DE", True),
            ("alpha_us", self.alpha, "US", False),
            ("beta_fr", self.beta, "FR", True),
            ("beta_jp", self.beta, "JP", False),
        ):
            app = filed_and_accepted(
                session, clock, settings, user.actor, officer, destination=destination,
                **parties_in(destination),
            )  # fmt: skip
            if licensed:
                approve(session, clock, settings, officer, app)
            self.refs[name] = app.reference

    def listed(self, user: Any) -> set[str]:
        response = self.client.get("/api/v1/applications", headers=user.headers)
        assert response.status_code == 200, response.text
        return {item["reference"] for item in response.json()["items"]}

    def partner_listed(self, user: Any) -> set[str]:
        response = self.client.get("/api/v1/partner/applications", headers=user.headers)
        assert response.status_code == 200, response.text
        return {item["reference"] for item in response.json()["items"]}

    def licenses(self, user: Any) -> dict[str, str]:
        response = self.client.get("/api/v1/licenses", headers=user.headers)
        assert response.status_code == 200, response.text
        return {lic["application_reference"]: lic["number"] for lic in response.json()["items"]}

    def get(self, user: Any, path: str) -> Any:
        return self.client.get(f"/api/v1/{path}", headers=user.headers)


@pytest.fixture
def market(
    session: Session, clock: FixedClock, settings: Settings, client: Any, api_user: Any
) -> Market:
    return Market(session, clock, settings, client, api_user)


def _not_found(response: Any, code: str) -> None:
    assert response.status_code == 404, response.text
    assert response.json()["code"] == code


def test_an_exporter_lists_and_opens_only_its_own_applications(market: Market) -> None:
    refs = market.refs
    assert market.listed(market.alpha) == {refs["alpha_de"], refs["alpha_us"]}
    assert market.listed(market.beta) == {refs["beta_fr"], refs["beta_jp"]}
    assert market.get(market.alpha, f"applications/{refs['alpha_us']}").status_code == 200
    for theirs in (refs["beta_fr"], refs["beta_jp"]):
        _not_found(market.get(market.alpha, f"applications/{theirs}"), "application.not_found")
    # Another company's case answers exactly like one that does not exist.
    mine_missing = market.get(market.alpha, "applications/RX-2025-FFFFFFFF").json()
    theirs_hidden = market.get(market.alpha, f"applications/{refs['beta_fr']}").json()
    assert mine_missing["code"] == theirs_hidden["code"]


def test_an_exporter_cannot_move_or_document_another_companys_application(
    market: Market,
) -> None:
    theirs = market.refs["beta_jp"]
    moved = market.client.post(
        f"/api/v1/applications/{theirs}/transitions",
        headers=market.alpha.headers,
        json={"action": "withdraw"},
    )
    _not_found(moved, "application.not_found")
    uploaded = market.client.post(
        f"/api/v1/applications/{theirs}/documents",
        headers=market.alpha.headers,
        files={"file": ("x.pdf", b"%PDF", "application/pdf")},
        data={"kind": "other"},
    )
    _not_found(uploaded, "application.not_found")
    assert market.get(market.beta, f"applications/{theirs}").json()["state"] == "under_review"


def test_an_exporter_lists_and_opens_only_its_own_licenses(market: Market) -> None:
    alpha_licenses = market.licenses(market.alpha)
    beta_licenses = market.licenses(market.beta)
    assert set(alpha_licenses) == {market.refs["alpha_de"]}
    assert set(beta_licenses) == {market.refs["beta_fr"]}
    theirs = beta_licenses[market.refs["beta_fr"]]
    _not_found(market.get(market.alpha, f"licenses/{theirs}"), "license.not_found")
    assert market.get(market.beta, f"licenses/{theirs}").status_code == 200


def test_a_partner_authority_sees_only_applications_to_its_countries(
    market: Market, api_user: Any
) -> None:
    eu = api_user(Role.PARTNER_AUTHORITY, partner_countries=["DE", "FR", "IT"])
    assert market.partner_listed(eu) == {market.refs["alpha_de"], market.refs["beta_fr"]}
    mine = market.refs["alpha_de"]
    assert market.get(eu, f"partner/applications/{mine}").json()["reference"] == mine
    for path in (f"partner/applications/{market.refs['alpha_us']}", "partner/applications/RX-1"):
        _not_found(market.get(eu, path), "application.not_found")
    licensed = market.get(eu, "partner/licenses").json()["items"]
    assert {lic["application_reference"] for lic in licensed} == {mine, market.refs["beta_fr"]}
    # the full views are not the partner's, even for a case in its jurisdiction
    _not_found(market.get(eu, f"applications/{mine}"), "application.not_found")
    for path in ("applications", "licenses"):
        refused = market.get(eu, path)
        assert (refused.status_code, refused.json()["code"]) == (403, "partner.use_partner_channel")


def test_the_partner_channel_is_for_partner_authorities_only(
    market: Market, api_user: Any, session: Session, clock: FixedClock, subtests: pytest.Subtests
) -> None:
    for role in (Role.EXPORTER, Role.LICENSING_OFFICER, Role.CUSTOMS_OFFICER, Role.ANALYST):
        with subtests.test(role.value):
            company = make_company(session, clock) if role is Role.EXPORTER else None
            someone = api_user(role, company=company) if company else api_user(role)
            case = f"partner/applications/{market.refs['alpha_de']}"
            for path in ("partner/applications", case, "partner/licenses"):
                refused = market.get(someone, path)
                assert (refused.status_code, refused.json()["code"]) == (403, "partner.only"), path


def test_analysts_and_customs_get_no_application_list(
    market: Market, api_user: Any, subtests: pytest.Subtests
) -> None:
    for role in (Role.ANALYST, Role.CUSTOMS_OFFICER):
        with subtests.test(role.value):
            someone = api_user(role)
            assert market.listed(someone) == set()
            _not_found(
                market.get(someone, f"applications/{market.refs['alpha_de']}"),
                "application.not_found",
            )


def test_customs_reads_licenses_to_check_declarations(market: Market, api_user: Any) -> None:
    customs = api_user(Role.CUSTOMS_OFFICER)
    assert set(market.licenses(customs)) == {market.refs["alpha_de"], market.refs["beta_fr"]}


# --- tokens ------------------------------------------------------------------------------------


def test_an_issued_token_is_stored_only_as_its_sha256(
    session: Session, clock: FixedClock, client: Any
) -> None:
    analyst = make_actor(session, clock, Role.ANALYST)
    token = issue_token(session, clock=clock, actor=None, user_id=analyst.user_id, label="laptop")
    assert token.startswith("rx_")
    assert len(token) > 40
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == analyst.user_id)).all()
    assert len(rows) == 1
    assert rows[0].token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored_text = " ".join(str(getattr(rows[0], c.key)) for c in ApiToken.__table__.columns)
    assert token not in stored_text
    assert authenticate(session, token=token).user_id == analyst.user_id
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["username"] == analyst.username
    # The hash itself is not a credential.
    as_hash = client.get("/api/v1/me", headers={"Authorization": f"Bearer {rows[0].token_hash}"})
    assert as_hash.status_code == 401


def test_two_tokens_for_one_user_are_different_and_both_work(
    session: Session, clock: FixedClock, client: Any
) -> None:
    analyst = make_actor(session, clock, Role.ANALYST)
    tokens = {
        issue_token(session, clock=clock, actor=None, user_id=analyst.user_id, label=f"t{i}")
        for i in range(2)
    }
    assert len(tokens) == 2
    for token in tokens:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200


def test_an_administrator_creates_a_company_and_a_user_whose_token_works(
    client: Any, api_user: Any, session: Session
) -> None:
    admin = api_user(Role.ADMINISTRATOR)
    uscc = make_uscc(31_415_926)
    company = client.post(
        "/api/v1/companies",
        headers=admin.headers,
        json={"uscc": uscc, "name": "New Magnets Co.", "compliance_programme_on": "2024-05-01"},
    )
    assert company.status_code == 201, company.text
    created = client.post(
        "/api/v1/users",
        headers=admin.headers,
        json={
            "username": "new.exporter",
            "display_name": "New Exporter",
            "role": "exporter",
            "company_uscc": uscc,
        },
    )
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["role"] == "exporter"
    assert me.json()["company_id"] == company.json()["id"]
    stored = session.scalars(select(ApiToken.token_hash)).all()
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert token not in stored


@pytest.mark.parametrize("role", [Role.EXPORTER, Role.LICENSING_OFFICER, Role.ANALYST])
def test_only_administrators_create_users(
    client: Any, api_user: Any, session: Session, clock: FixedClock, role: Role
) -> None:
    someone = (
        api_user(role, company=make_company(session, clock))
        if role is Role.EXPORTER
        else api_user(role)
    )
    response = client.post(
        "/api/v1/users",
        headers=someone.headers,
        json={"username": "sneaky", "display_name": "Sneaky", "role": "administrator"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "auth.role_required"


def test_partner_country_codes_are_stored_upper_case(client: Any, api_user: Any) -> None:
    created = _new_partner(client, api_user(Role.ADMINISTRATOR), partner_countries=["de", " fr "])
    assert created.status_code == 201, created.text
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {created.json()['token']}"})
    assert me.json()["partner_countries"] == ["DE", "FR"]


def _new_partner(client: Any, admin: Any, **jurisdiction: Any) -> Any:
    return client.post(
        "/api/v1/users",
        headers=admin.headers,
        json={
            "username": "eu.liaison",
            "display_name": "EU liaison",
            "role": "partner_authority",
            **jurisdiction,
        },
    )


def test_a_partner_for_the_eu_follows_the_group_and_sees_what_its_members_receive(
    client: Any, api_user: Any, market: Market
) -> None:
    created = _new_partner(client, api_user(Role.ADMINISTRATOR), partner_groups=[" eu "])
    assert created.status_code == 201, created.text
    eu = {"Authorization": f"Bearer {created.json()['token']}"}
    me = client.get("/api/v1/me", headers=eu).json()
    assert (me["partner_countries"], me["partner_groups"]) == ([], ["EU"])
    listed = client.get("/api/v1/partner/applications", headers=eu).json()["items"]
    assert {item["reference"] for item in listed} == {
        market.refs["alpha_de"],
        market.refs["beta_fr"],
    }
    refused = client.get(f"/api/v1/partner/applications/{market.refs['alpha_us']}", headers=eu)
    assert (refused.status_code, refused.json()["code"]) == (404, "application.not_found")


@pytest.mark.parametrize(
    ("role", "jurisdiction", "code"),
    [
        ("partner_authority", {"partner_countries": ["DE", "XX"]}, "auth.unknown_country"),
        ("partner_authority", {"partner_countries": ["Germany"]}, "auth.unknown_country"),
        ("analyst", {"partner_countries": ["DE"]}, "auth.countries_not_allowed"),
        ("partner_authority", {"partner_groups": ["EU", "ASEAN"]}, "auth.unknown_group"),
        ("partner_authority", {}, "auth.countries_required"),
        (
            "partner_authority",
            {"partner_countries": [], "partner_groups": []},
            "auth.countries_required",
        ),
        ("analyst", {"partner_groups": ["EU"]}, "auth.countries_not_allowed"),
    ],
)
def test_a_partner_needs_a_jurisdiction_of_known_groups_and_nobody_else_has_one(
    client: Any, api_user: Any, session: Session, role: str, jurisdiction: dict[str, Any], code: str
) -> None:
    admin = api_user(Role.ADMINISTRATOR)
    users_before = session.scalars(select(ApiToken.id)).all()
    response = client.post(
        "/api/v1/users",
        headers=admin.headers,
        json={"username": "liaison", "display_name": "Liaison", "role": role, **jurisdiction},
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code
    assert session.scalars(select(ApiToken.id)).all() == users_before
    # the same rules when a role changes
    analyst = api_user(Role.ANALYST)
    changed = client.post(
        f"/api/v1/users/{analyst.actor.username}/role",
        headers=admin.headers,
        json={"role": role, **jurisdiction},
    )
    assert (changed.status_code, changed.json()["code"]) == (422, code)
