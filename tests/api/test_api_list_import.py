"""``POST /screening/lists`` cannot silently shrink screening: the answer carries the difference
against the active version; a truncated list is a 409 problem (``lists.shrink_refused``) with
the difference counts until ``allow_shrink`` and a ``reason`` confirm it; ``dry_run`` changes
nothing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from rarex.auth.roles import Role
from tests.api.test_api_flow import _ok

WATCHLISTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "watchlists"


def _china() -> bytes:
    path = WATCHLISTS / "china-control-list.csv"
    if not path.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing in CI")
        pytest.skip(f"{path} is not beside the clone")
    return path.read_bytes()


def _import(client: Any, user: Any, content: bytes, **fields: str) -> Any:
    return client.post(
        "/api/v1/screening/lists",
        headers=user.headers,
        files=[("files", ("china-control-list.csv", content, "text/csv"))],
        data={"format": "cn-mofcom-csv", **fields},
    )


def test_a_truncated_list_is_a_409_with_its_difference_until_confirmed_and_dry_runs_write_nothing(
    client: Any, api_user: Any
) -> None:
    admin = api_user(Role.ADMINISTRATOR)
    whole = _china()
    first = _ok(_import(client, admin, whole))
    assert (first["difference"]["before"], first["difference"]["added"]) == (0, 274)
    assert first["dry_run"] is False
    assert first["rescreened"] == {"entries": 274, "cases": 0, "hits": 0}
    cut = b"".join(whole.splitlines(keepends=True)[:4])
    lists_before = _ok(client.get("/api/v1/screening/lists", headers=admin.headers))

    refused = _import(client, admin, cut)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["code"] == "lists.shrink_refused"
    assert problem["details"]["difference"] == {
        "active_version": first["version"],
        "before": 274,
        "after": 3,
        "added": 0,
        "changed": 0,
        "removed": 271,
        "removed_share": 0.9891,
    }
    assert problem["details"]["limit"] == 0.05
    assert _import(client, admin, cut, dry_run="true").status_code == 409

    no_reason = _import(client, admin, cut, allow_shrink="true")
    assert no_reason.status_code == 422
    assert no_reason.json()["code"] == "lists.shrink_reason_required"

    preview = _ok(_import(client, admin, cut, allow_shrink="true", reason="Re-issued", dry_run="1"))
    assert (preview["dry_run"], preview["version"], preview["rescreened"]) == (True, None, None)
    assert len(preview["difference"]["entries"]["removed"]) == 271
    assert _ok(client.get("/api/v1/screening/lists", headers=admin.headers)) == lists_before

    done = _ok(_import(client, admin, cut, allow_shrink="true", reason="Re-issued by MOFCOM"))
    assert (done["removed"], done["entities"]) == (271, 3)
    assert done["shrink_confirmation"]["actor"] == admin.actor.label
    assert done["shrink_confirmation"]["reason"] == "Re-issued by MOFCOM"
    (status,) = _ok(client.get("/api/v1/screening/lists", headers=admin.headers))
    assert (status["version"], status["entities"], status["published_at"]) == (
        done["version"],
        3,
        None,
    )


def test_a_reason_with_a_control_character_is_refused_at_the_edge(
    client: Any, api_user: Any
) -> None:
    admin = api_user(Role.ADMINISTRATOR)
    response = _import(client, admin, _china(), allow_shrink="true", reason="ok\x1b[2J")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reason"
