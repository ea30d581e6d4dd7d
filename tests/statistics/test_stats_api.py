"""Statistics over HTTP: public reads, imports by administrators and analysts only."""

from __future__ import annotations

from typing import Any

import pytest

from rarex.auth.roles import Role
from tests.statistics.conftest import REPORTED_CSV, TRADE_CSV, shared_files


@pytest.mark.usefixtures("published")
def test_reports_are_public(client: Any) -> None:
    response = client.get(
        "/api/v1/statistics/report",
        params={"series": "rare_earth_exports_t", "period": "2025-05"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["value"], body["mom_display"], body["ytd"], body["ytd_yoy_display"]) == (
        "5864.6",
        "+22.6%",
        "24827",
        "+2.3%",
    )
    whole = client.get(
        "/api/v1/statistics/report",
        params={"series": "rare_earth_exports_t", "period": "2025-05", "decimals": 0},
    ).json()
    assert whole["mom_display"] == "+23%"
    table = client.get(
        "/api/v1/statistics/series/rare_earth_exports_t",
        params={"from": "2025-03", "to": "2025-05"},
    ).json()
    assert [r["period"] for r in table["rows"]] == ["2025-03", "2025-04", "2025-05"]
    assert client.get("/api/v1/statistics/series").status_code == 200
    assert len(client.get("/api/v1/statistics/sources").json()) == 80


@pytest.mark.usefixtures("published")
@pytest.mark.parametrize(
    ("path", "params", "media"),
    [
        ("export", {"format": "csv"}, "text/csv"),
        ("export", {"format": "sdmx"}, "application/vnd.sdmx.data+csv; version=1.0.0"),
        ("export", {"format": "sdmx2"}, "application/vnd.sdmx.data+csv; version=2.0.0"),
        ("export", {"format": "xlsx"}, "application/vnd.openxmlformats"),
        ("chart", {"format": "svg"}, "image/svg+xml"),
        ("chart", {"format": "png", "kind": "yoy", "year": 2025}, "image/png"),
        ("chart", {"format": "png", "dpi": 300}, "image/png"),
        ("chart", {"format": "pdf"}, "application/pdf"),
    ],
)
def test_exports_and_charts_over_http(
    client: Any, path: str, params: dict[str, Any], media: str
) -> None:
    response = client.get(f"/api/v1/statistics/series/rare_earth_exports_t/{path}", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media)
    assert response.content


@pytest.mark.usefixtures("published")
@pytest.mark.parametrize(
    ("url", "params", "status", "code"),
    [
        ("/report", {"series": "x_t", "period": "2025-05"}, 404, "stats.unknown_series"),
        (
            "/report",
            {"series": "rare_earth_exports_t", "period": "2025-5"},
            422,
            "stats.bad_period",
        ),
        (
            "/report",
            {"series": "rare_earth_exports_t", "period": "2025-01"},
            404,
            "stats.no_figure",
        ),
        (
            "/report",
            {"series": "rare_earth_exports_t", "period": "2025-05", "decimals": 9},
            422,
            "input.invalid",
        ),
        ("/series/rare_earth_exports_t/export", {"format": "ods"}, 422, "stats.unknown_format"),
        ("/series/rare_earth_exports_t/chart", {"kind": "pie"}, 422, "stats.unknown_chart"),
        ("/series/rare_earth_exports_t/chart", {"format": "gif"}, 422, "stats.unknown_format"),
        ("/series/rare_earth_exports_t/chart", {"dpi": 20}, 422, "stats.bad_dpi"),
        ("/series/rare_earth_exports_t/chart", {"dpi": 6000}, 422, "stats.bad_dpi"),
        ("/series/rare_earth_exports_t/chart", {"dpi": "high"}, 422, "input.invalid"),
    ],
)
def test_bad_requests_name_their_reason(
    client: Any, url: str, params: dict[str, Any], status: int, code: str
) -> None:
    response = client.get(f"/api/v1/statistics{url}", params=params)
    assert response.status_code == status
    assert response.json()["code"] == code
    if code == "stats.bad_dpi":
        assert response.json()["details"] == {"minimum": 72, "maximum": 600}


@pytest.mark.usefixtures("published")
def test_a_png_over_http_has_the_resolution_asked_for(client: Any) -> None:
    url = "/api/v1/statistics/series/rare_earth_exports_t/chart"
    png = client.get(url, params={"format": "png", "dpi": 300}).content
    at = png.index(b"pHYs")
    assert round(int.from_bytes(png[at + 4 : at + 8], "big") * 0.0254) == 300
    pdf = client.get(url, params={"format": "pdf"}).content
    assert pdf.startswith(b"%PDF-")


def _upload(files: list[tuple[str, bytes]]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (name, content, "text/csv")) for name, content in files]


def test_imports_need_an_administrator_or_analyst(client: Any, api_user: Any) -> None:
    anonymous = client.post("/api/v1/statistics/imports", files=_upload(shared_files()))
    assert anonymous.status_code == 401
    exporter_officer = api_user(Role.LICENSING_OFFICER)
    refused = client.post(
        "/api/v1/statistics/imports",
        files=_upload(shared_files()),
        headers=exporter_officer.headers,
    )
    assert refused.status_code == 403
    analyst = api_user(Role.ANALYST)
    created = client.post(
        "/api/v1/statistics/imports", files=_upload(shared_files()), headers=analyst.headers
    )
    assert created.status_code == 201, created.text
    assert created.json()["changed"] is True
    again = client.post(
        "/api/v1/statistics/imports",
        files=_upload([(TRADE_CSV.name, TRADE_CSV.read_bytes())]),
        headers=analyst.headers,
    )
    assert again.json()["changed"] is False
    reported = client.post(
        "/api/v1/statistics/imports",
        files=_upload([("reported.csv", REPORTED_CSV.encode())]),
        headers=analyst.headers,
    )
    assert reported.status_code == 201
    history = client.get("/api/v1/statistics/imports", headers=analyst.headers).json()
    assert {h["kind"] for h in history} == {"observations", "sources", "reported"}


def test_a_malformed_upload_is_refused_with_its_line(client: Any, api_user: Any) -> None:
    admin = api_user(Role.ADMINISTRATOR)
    bad = (
        b"period,series,partner,basis,value,unit,source\n"
        b"2025-05,rare_earth_exports_t,WLD,month,abc,t,S1\n"
    )
    response = client.post(
        "/api/v1/statistics/imports", files=_upload([("bad.csv", bad)]), headers=admin.headers
    )
    assert response.status_code == 422
    error = response.json()
    assert error["code"] == "stats.bad_value"
    assert error["errors"] == [
        {
            "field": "files[bad.csv].rows[2].value",
            "code": "stats.bad_value",
            "detail": "'abc' is not a non-negative decimal number",
        }
    ]
    assert error["details"]["problems"][0] == {
        "line": 2,
        "field": "value",
        "code": "stats.bad_value",
        "problem": "'abc' is not a non-negative decimal number",
    }
    assert client.get("/api/v1/statistics/series").json() == []


@pytest.mark.usefixtures("published")
@pytest.mark.parametrize(
    ("row", "code", "field", "needle"),
    [
        ("2025-05,rare_earth_exports_t,WLD,month,9999,t,S999,2025-06-01", "stats.unknown_source",
         "source", "'S999'"),
        ("2025-05,rare_earth_exports_t,WLD,month,5900,t,S1,", "stats.release_required",
         "release", "5864.6"),
        ("2025-06,magnet_exports_t,WLD,month,5,kg,S1,2025-07-20", "stats.unit_mismatch",
         "unit", "declared in 't'"),
    ],
)  # fmt: skip
def test_an_upload_the_stored_figures_refuse_answers_422_with_its_code(
    client: Any, api_user: Any, row: str, code: str, field: str, needle: str
) -> None:
    admin = api_user(Role.ADMINISTRATOR)
    content = f"period,series,partner,basis,value,unit,source,release\n{row}\n".encode()
    before = client.get("/api/v1/statistics/imports", headers=admin.headers).json()
    response = client.post(
        "/api/v1/statistics/imports", files=_upload([("new.csv", content)]), headers=admin.headers
    )
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["code"] == code
    (problem,) = error["errors"]
    assert (problem["field"], problem["code"]) == (f"files[new.csv].rows[2].{field}", code)
    assert needle in problem["detail"]
    assert client.get("/api/v1/statistics/imports", headers=admin.headers).json() == before


def test_declarations_need_a_token_and_a_role(client: Any, api_user: Any) -> None:
    params = {"series": "rare_earth_exports_t", "period": "2025-05"}
    assert client.get("/api/v1/statistics/declarations/report", params=params).status_code == 401
    partner = api_user(Role.PARTNER_AUTHORITY)
    refused = client.get(
        "/api/v1/statistics/declarations/report", params=params, headers=partner.headers
    )
    assert refused.status_code == 403
    analyst = api_user(Role.ANALYST)
    body = client.get(
        "/api/v1/statistics/declarations/report", params=params, headers=analyst.headers
    ).json()
    assert (body["source"], body["value"]) == ("declarations", "0")
