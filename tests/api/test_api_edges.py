"""One input rule at every edge: a NUL byte in any path or query parameter of any route, or in
an uploaded file's name, is a 422 problem naming that input, on both databases (PostgreSQL
refuses NUL in text outright; SQLite would have looked it up and answered 404)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute

from rarex.api.app import PREFIX, ROUTERS, UNPREFIXED_ROUTERS
from rarex.auth.roles import Role
from tests.api.test_api_errors import _error

NUL = "a\x00b"
# A well-formed value for the other path parameters, by their schema.
SAMPLE = {"integer": "1", "uuid": "00000000-0000-4000-8000-000000000000", "string": "x"}


def _operations(app: Any) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """Every operation of the app with its path and query parameters, from the routers the app
    includes (``app.routes`` holds the included routers themselves since FastAPI 0.137), each
    checked against the OpenAPI document that clients read."""
    paths = app.openapi()["paths"]
    found = []
    routers = [(PREFIX, r) for r in ROUTERS] + [("", r) for r in UNPREFIXED_ROUTERS]
    for prefix, router in routers:
        for route in router.routes:
            assert isinstance(route, APIRoute)
            path = prefix + route.path
            for method in sorted(route.methods):
                operation = paths[path][method.lower()]
                params = [
                    p for p in operation.get("parameters", []) if p["in"] in ("path", "query")
                ]
                found.append((method, path, params))
    documented = {(m.upper(), p) for p, ops in paths.items() for m in ops}
    assert documented == {(m, p) for m, p, _ in found}
    return found


def _sample(param: dict[str, Any]) -> str:
    schema = param["schema"]
    kind = schema.get("format") if schema.get("format") == "uuid" else schema.get("type")
    return SAMPLE.get(str(kind), "x")


def test_every_route_is_requested(client: Any) -> None:
    operations = _operations(client.app)
    assert len(operations) >= 50
    assert sum(len(params) for _, _, params in operations) >= 60


def test_a_nul_byte_in_any_path_or_query_parameter_is_a_422_problem_naming_it(
    client: Any, api_user: Any
) -> None:
    admin = api_user(Role.ADMINISTRATOR)
    checked = 0
    for method, template, params in _operations(client.app):
        for param in params:
            path = template
            for other in (p for p in params if p["in"] == "path"):
                value = NUL if other is param else _sample(other)
                path = path.replace("{" + other["name"] + "}", quote(value, safe=""))
            query = {param["name"]: NUL} if param["in"] == "query" else {}
            response = client.request(method, path, params=query, headers=admin.headers)
            error = _error(response, 422, "input.invalid")
            where = f"{param['in']}.{param['name']}"
            assert where in [e["field"] for e in error["errors"]], (method, path, error)
            checked += 1
    assert checked >= 60


@pytest.mark.parametrize(
    ("role", "path", "field", "form"),
    [
        (Role.EXPORTER, "/applications/RX-1/documents", "file", {"kind": "contract"}),
        (Role.CUSTOMS_OFFICER, "/declarations/imports", "file", {}),
        (Role.ADMINISTRATOR, "/screening/lists", "files[0]", {"format": "cn-mofcom-csv"}),
        (Role.ADMINISTRATOR, "/statistics/imports", "files[0]", {}),
    ],
)
def test_a_control_character_in_an_uploaded_file_name_is_a_422_problem_naming_it(
    client: Any,
    api_user: Any,
    company: Any,
    role: Role,
    path: str,
    field: str,
    form: dict[str, str],
) -> None:
    user = api_user(role, company=company if role is Role.EXPORTER else None)
    name = field.partition("[")[0]
    response = client.post(
        PREFIX + path,
        headers=user.headers,
        files=[(name, ("bad\x1b[2J.csv", b"a,b\n1,2\n", "text/csv"))],
        data=form,
    )
    error = _error(response, 422, "input.invalid")
    assert [e["field"] for e in error["errors"]] == [f"{field}.filename"]


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/statistics/series/rare_earth_exports_t", "tolerance"),
        ("/statistics/series/rare_earth_exports_t", "tolerance_pct"),
        ("/statistics/report", "z_threshold"),
        ("/customs/reconciliation/months/2025-07", "published_magnets_t"),
    ],
)
def test_an_absurd_figure_in_a_query_is_422_not_an_overflow(
    client: Any, api_user: Any, path: str, param: str
) -> None:
    """Found by schemathesis: tolerance=1.5e308 overflowed the statistics arithmetic (500)."""
    analyst = api_user(Role.ANALYST)
    params = {param: "1.5e308", "series": "rare_earth_exports_t", "period": "2025-05"}
    response = client.get(PREFIX + path, params=params, headers=analyst.headers)
    error = _error(response, 422, "input.invalid")
    assert [e["field"] for e in error["errors"]] == [f"query.{param}"]
