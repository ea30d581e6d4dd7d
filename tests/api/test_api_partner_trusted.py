"""Trusted end users over HTTP: a partner for the EU proposes one, an officer approves it, and a
new application to that end user passes the green channel's known-end-user rule citing the
approval. (Siemens AG's LEI, W38RGI023J3WT1HWRP32, as GLEIF publishes it.)"""

from __future__ import annotations

from typing import Any

from rarex.api.app import PREFIX
from rarex.auth.roles import Role
from rarex.licensing.filing import REQUIRED_DOCUMENTS

TRUSTED = f"{PREFIX}/partner/trusted-parties"
SIEMENS_LEI = "W38RGI023J3WT1HWRP32"


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _accepted(client: Any, exporter: Any, officer: Any, body: dict[str, Any]) -> str:
    app = _ok(client.post(f"{PREFIX}/applications", headers=exporter.headers, json=body), 201)
    key: str = app["reference"]
    for kind in REQUIRED_DOCUMENTS:
        _ok(client.post(f"{PREFIX}/applications/{key}/documents", headers=exporter.headers,
                        files={"file": (f"{kind}.pdf", b"%PDF-1.4", "application/pdf")},
                        data={"kind": kind}), 201)  # fmt: skip
    for user, action in ((exporter, "submit"), (officer, "accept")):
        _ok(client.post(f"{PREFIX}/applications/{key}/transitions", headers=user.headers,
                        json={"action": action}))  # fmt: skip
    return key


def _known_end_user(client: Any, officer: Any, key: str) -> dict[str, Any]:
    view = _ok(client.get(f"{PREFIX}/applications/{key}", headers=officer.headers))
    (rule,) = [r for r in view["green_channel"]["results"] if r["rule"] == "known_end_user"]
    return dict(rule)


def test_a_trusted_end_user_proposed_by_the_eu_and_approved_passes_the_known_end_user_rule(
    client: Any, api_user: Any, exporter: Any, officer: Any, filing_body: Any
) -> None:
    eu = api_user(Role.PARTNER_AUTHORITY, partner_groups=["EU"])
    siemens = {"name": "Siemens AG", "country": "DE",
               "identifiers": [{"scheme": "lei", "value": SIEMENS_LEI}]}  # fmt: skip
    before = _accepted(client, exporter, officer, filing_body(consignee=siemens, end_user=siemens))
    assert not _known_end_user(client, officer, before)["passed"]
    proposed = _ok(client.post(TRUSTED, headers=eu.headers, json={
        "name": "Siemens AG", "name_zh": "西门子股份公司", "country": "de",
        "identifiers": [{"scheme": "lei", "value": SIEMENS_LEI.lower()}],
        "basis": "ICP audited by BAFA, 2025",
    }), 201)  # fmt: skip
    number = proposed["number"]
    assert (proposed["status"], proposed["country"], proposed["identifiers"]) == (
        "proposed", "DE", [{"scheme": "lei", "value": SIEMENS_LEI}]
    )  # fmt: skip
    pending = _ok(client.get(TRUSTED, headers=officer.headers, params={"status": "proposed"}))
    assert [p["number"] for p in pending] == [number]
    approved = _ok(
        client.post(
            f"{TRUSTED}/{number}/decision",
            headers=officer.headers,
            json={"outcome": "approved", "reason": "Audit report checked"},
        )
    )
    assert approved["status"] == "approved"
    assert _ok(client.get(f"{TRUSTED}/{number}", headers=eu.headers))["decided_by"] is None
    after = _accepted(client, exporter, officer, filing_body(consignee=siemens, end_user=siemens))
    rule = _known_end_user(client, officer, after)
    assert rule["passed"], rule
    assert number in rule["explanation"]
    assert f"matched by LEI {SIEMENS_LEI}" in rule["explanation"]
    withdrawn = _ok(client.post(f"{TRUSTED}/{number}/withdrawal", headers=eu.headers,
                                json={"reason": "Audit expired"}))  # fmt: skip
    assert withdrawn["status"] == "withdrawn"


def test_refusals_over_http_name_their_field(
    client: Any, api_user: Any, exporter: Any, filing_body: Any
) -> None:
    eu = api_user(Role.PARTNER_AUTHORITY, partner_groups=["EU"])
    outside = client.post(TRUSTED, headers=eu.headers, json={
        "name": "Ford Motor Company", "country": "US", "basis": "b"})  # fmt: skip
    assert (outside.status_code, outside.json()["code"]) == (422, "trusted.outside_jurisdiction")
    mistyped = [{"scheme": "lei", "value": "W38RGI023J3WT1HWRP33"}]  # the last digit
    body = filing_body(end_user={"name": "Siemens AG", "country": "DE", "identifiers": mistyped})
    wrong = client.post(f"{PREFIX}/applications", headers=exporter.headers, json=body)
    assert (wrong.status_code, wrong.json()["code"]) == (422, "party.invalid_identifier")
    assert wrong.json()["errors"][0]["field"] == "end_user.identifiers[0].value"
    officer_proposes = client.post(TRUSTED, headers=api_user(Role.LICENSING_OFFICER).headers,
                                   json={"name": "X", "country": "DE", "basis": "b"})  # fmt: skip
    assert (officer_proposes.status_code, officer_proposes.json()["code"]) == (403, "partner.only")
