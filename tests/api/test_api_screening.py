"""Screening over HTTP: search and batch search for officers only, list imports, and an
approval refused with 409 while screening hits are open (the hits it raised stay stored)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from tests.api.test_api_flow import _filed_and_in_review, _ok

CN = (
    "list,entry_no,name_en,name_zh,country,announcement,announced_on,effective_on,status,"
    "status_changed_on,status_announcement,source\n"
    "control_list,1,General Dynamics,通用动力公司,US,商务部公告2025年第1号,2025-01-02,"
    "2025-01-02,active,,,\n"
    "watch_list,1,Rheinland Antriebstechnik GmbH,,DE,商务部公告2025年第1号,2025-01-02,"
    "2025-01-02,active,,,\n"
)


def _import(client: Any, user: Any, content: bytes, fmt: str = "cn-mofcom-csv") -> Any:
    return client.post(
        "/api/v1/screening/lists",
        headers=user.headers,
        files=[("files", ("cn.csv", content, "text/csv"))],
        data={"format": fmt},
    )


def test_officers_search_one_name_or_a_batch_and_exporters_may_not(
    client: Any, officer: Any, exporter: Any, api_user: Any
) -> None:
    admin = api_user(Role.ADMINISTRATOR)
    imported = _ok(_import(client, admin, CN.encode()))
    assert imported["counts"]["control_list"] == {"entities": 1, "names": 2}
    assert _ok(_import(client, admin, CN.encode()))["unchanged"] is True
    found = _ok(
        client.post(
            "/api/v1/screening/search",
            headers=officer.headers,
            json={"name": "General Dynamics Corp.", "on": "2025-06-01"},
        )
    )
    best = found["hits"][0]
    assert best["entity_id"] == "cn-mofcom:control_list-2025-1-1"
    assert {n["text"] for n in best["names"]} >= {"General Dynamics", "通用动力公司"}
    assert found["shown"] == len(found["hits"]) <= found["total"]
    assert best["announcement"] == "商务部公告2025年第1号"
    assert best["in_force"] is True
    assert best["explanation"]["agreed"]
    batch = _ok(
        client.post(
            "/api/v1/screening/search/batch",
            headers=officer.headers,
            json={"names": ["通用动力公司", "China Trading Co., Ltd."]},
        )
    )
    assert [len(r["hits"]) > 0 for r in batch["results"]] == [True, False]
    refused = client.post(
        "/api/v1/screening/search", headers=exporter.headers, json={"name": "General Dynamics"}
    )
    assert refused.status_code == 403
    assert _import(client, exporter, CN.encode()).status_code == 403
    lists = _ok(client.get("/api/v1/screening/lists", headers=officer.headers))
    assert [s["source"] for s in lists] == ["cn-mofcom"]


def test_bad_screening_input_is_refused_with_a_code(
    client: Any, officer: Any, api_user: Any
) -> None:
    cases = [
        ({"name": "   "}, "screening.name_required"),
        ({"name": "Acme", "kind": "vessel"}, "screening.unknown_kind"),
        ({"name": "Acme", "limit": 0}, "screening.bad_limit"),
        ({"name": "Acme", "country": "Atlantis"}, "party.unknown_country"),
        ({"name": "Acme", "threshold": 0.3}, "screening.threshold_out_of_bounds"),
        ({"name": "Acme", "date_of_birth": "27/01/1954"}, "screening.bad_date_of_birth"),
        ({"name": "Acme", "threshold": 1.5}, "screening.threshold_out_of_bounds"),
    ]
    for body, code in cases:
        response = client.post("/api/v1/screening/search", headers=officer.headers, json=body)
        assert response.status_code == 422, body
        assert response.json()["code"] == code, body
    too_many = client.post(
        "/api/v1/screening/search/batch",
        headers=officer.headers,
        json={"names": ["x"] * 1001},
    )
    assert too_many.status_code == 422
    admin = api_user(Role.ADMINISTRATOR)
    broken = _import(client, admin, b"<CONSOLIDATED_LIST><INDIVIDUALS>", fmt="un-xml")
    assert broken.status_code == 422
    assert broken.json()["code"] == "lists.bad_xml"


def test_approval_is_refused_while_hits_are_open_and_the_hits_stay_stored(
    client: Any,
    officer: Any,
    exporter: Any,
    api_user: Any,
    filing_body: Any,
    clock: FixedClock,
) -> None:
    key = _filed_and_in_review(client, exporter, officer, filing_body())
    _ok(_import(client, api_user(Role.ADMINISTRATOR), CN.encode()))  # listed after submission
    clock.advance(timedelta(days=1))
    url = f"/api/v1/applications/{key}/decision"
    approval = {"outcome": "approved", "reason": "Civil end use verified"}
    refused = client.post(url, headers=officer.headers, json=approval)
    assert refused.status_code == 409
    assert refused.json()["code"] == "screening.unresolved_hits"
    hits = _ok(client.get(f"/api/v1/applications/{key}/hits", headers=officer.headers))
    assert {h["party_role"] for h in hits} == {"consignee", "end_user"}
    assert {h["status"] for h in hits} == {"open"}
    assert client.get(f"/api/v1/applications/{key}/hits", headers=exporter.headers).status_code in (
        403,
        404,
    )
    for hit in hits:
        resolved = _ok(
            client.post(
                f"/api/v1/screening/hits/{hit['id']}/resolve",
                headers=officer.headers,
                json={"decision": "dismiss", "reason": "different register number"},
            )
        )
        assert resolved["status"] == "dismissed"
    decided = _ok(client.post(url, headers=officer.headers, json=approval))
    assert decided["state"] == "approved"
