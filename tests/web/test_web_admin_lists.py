"""Watch lists in the administration pages (issue 12, item 3), on SQLite and PostgreSQL: a
version imported through the page answers its difference and the cases it screened again, and
becomes the active version listed with its history; a version that removes too much is
refused beside *allow shrink* with its counts until allowed with a reason; a malformed file,
no file or no format is refused beside its field with what was typed kept; nobody but an
administrator gets in, and a form without its token changes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.models.screening import ListVersion, ScreeningHit
from tests.factories import filed_and_accepted, make_actor, make_company
from tests.screening.test_screening_workflow import CONSIGNEE, HEADER, row
from tests.web.site_helpers import SITE, TestClient, csrf_of, sign_in, user_with_password


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(f"{r}\n" for r in rows)).encode()


def _import(
    site: TestClient, token: str, files: list[bytes], name: str = "cn.csv", **form: str
) -> Any:
    return site.post(
        "/admin/lists",
        data={"csrf_token": token, "format": "cn-mofcom-csv"} | form,
        files=[("files", (name, data, "text/csv")) for data in files],
        headers={"Origin": SITE},
    )


def _fact(page: str, term: str) -> str:
    found = re.search(rf"<dt>{re.escape(term)}</dt><dd>(?:<strong[^>]*>)?([^<]+)<", page)
    assert found is not None, term
    return found.group(1)


def _admin(site: TestClient, session: Session, clock: FixedClock) -> str:
    sign_in(site, user_with_password(session, clock, Role.ADMINISTRATOR))
    page = site.get("/admin/lists")
    assert page.status_code == 200
    return csrf_of(page.text)


def _versions(session: Session) -> int:
    return session.scalar(select(func.count(ListVersion.id))) or 0


def test_a_list_imported_through_the_page_answers_its_difference_and_the_cases_screened_again(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    company = make_company(session, clock)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    filed_and_accepted(session, clock, settings, exporter, officer)
    token = _admin(site, session, clock)
    assert "No list is loaded" in site.get("/admin/lists").text
    first = _import(site, token, [_csv(row(1, "Nordic Magnet Trading AB", country="SE"))])
    assert first.status_code == 200, first.text
    assert "cn-mofcom imported: this version is now the active one." in first.text
    assert _fact(first.text, "Added") == "1"
    assert _fact(first.text, "Cases screened again") == "1"
    assert _fact(first.text, "New hits") == "0"

    second = _import(
        site,
        token,
        [_csv(row(1, "Nordic Magnet Trading AB", country="SE"), row(2, CONSIGNEE))],
        name="cn-second.csv",
    )
    assert second.status_code == 200, second.text
    assert (_fact(second.text, "Added"), _fact(second.text, "Removed")) == ("1", "0")
    session.expire_all()
    hits = session.scalar(select(func.count(ScreeningHit.id)))
    assert hits  # the consignee and the end user are the listed company
    assert _fact(second.text, "New hits") == str(hits)
    assert CONSIGNEE in second.text  # named among the entries added

    listed = site.get("/admin/lists").text
    versions = session.scalars(select(ListVersion).order_by(ListVersion.active)).all()
    assert [v.active for v in versions] == [False, True]
    active = re.search(r"<caption>Active versions</caption>.*?</table>", listed, re.S)
    assert active is not None
    assert str(versions[1].id)[:8] in active.group(0)
    assert str(versions[0].id)[:8] not in active.group(0)
    assert "cn-second.csv" in active.group(0)
    assert listed.count("Replaced") == 1  # the first version, in the history


def test_a_dry_run_changes_nothing_and_screens_nothing(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    token = _admin(site, session, clock)
    dry = _import(site, token, [_csv(row(1, CONSIGNEE))], dry_run="true")
    assert dry.status_code == 200, dry.text
    assert "Dry run of cn-mofcom: nothing was changed." in dry.text
    assert _fact(dry.text, "Added") == "1"
    assert _versions(session) == 0


def test_a_shrinking_list_is_refused_beside_allow_shrink_with_its_counts_until_allowed(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    token = _admin(site, session, clock)
    whole = [row(n, f"Listed Company {n}") for n in range(1, 21)]
    assert _import(site, token, [_csv(*whole)]).status_code == 200
    refused = _import(site, token, [_csv(*whole[:2])], reason="typed, not yet allowed")
    assert refused.status_code == 409
    shown = re.search(r'id="allow_shrink-error">([^<]+)<', refused.text)
    assert shown is not None
    assert "removes more of the active entries than allowed" in shown.group(1)
    counts = re.search(r'id="allow_shrink-counts">([^<]+)<', refused.text)
    assert counts is not None
    assert "It removes 18 of the 20 active entries (90.0%)" in counts.group(1)
    assert "typed, not yet allowed</textarea>" in refused.text  # the reason typed is kept
    assert 'value="cn-mofcom-csv" selected' in refused.text
    assert _versions(session) == 1

    no_reason = _import(site, token, [_csv(*whole[:2])], allow_shrink="true")
    assert no_reason.status_code == 422
    assert re.search(r'id="reason-error">[^<]*allowing it needs a reason', no_reason.text)
    assert 'id="allow_shrink" name="allow_shrink" type="checkbox" value="true" checked' in (
        no_reason.text
    )
    allowed = _import(
        site, token, [_csv(*whole[:2])], allow_shrink="true", reason="MOFCOM re-issued the list"
    )
    assert allowed.status_code == 200, allowed.text
    assert _fact(allowed.text, "Removed") == "18"
    assert "MOFCOM re-issued the list" in allowed.text
    assert _versions(session) == 2


@pytest.mark.parametrize(
    ("form", "files", "field", "says"),
    [
        ({}, [b"name,country\nAcme,US\n"], "files", "lists.malformed"),
        ({}, [], "files", "send at least one file"),
        ({"format": ""}, [b"x"], "format", "Field required"),
        ({"format": "no-such-format"}, [b"x"], "format", "unknown list format"),
        ({"dataset": "a\x1bb"}, [b"x"], "dataset", "control character"),
    ],
)
def test_a_bad_import_is_refused_beside_its_field_and_keeps_what_was_typed(
    site: TestClient,
    session: Session,
    clock: FixedClock,
    form: dict[str, str],
    files: list[bytes],
    field: str,
    says: str,
) -> None:
    token = _admin(site, session, clock)
    answer = _import(site, token, files, **form)
    assert answer.status_code == 422
    problem = re.search(rf'id="{field}-error">([^<]+)<', answer.text)
    assert problem is not None, answer.text
    if says.startswith("lists."):
        assert "column" in problem.group(1) or "line" in problem.group(1)
    else:
        assert says in problem.group(1)
    assert 'href="#' + field + '"' in answer.text  # the summary links to the field
    assert _versions(session) == 0


def test_a_malformed_file_names_the_place_at_fault_and_the_active_version_stays(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    token = _admin(site, session, clock)
    assert _import(site, token, [_csv(row(1, CONSIGNEE))]).status_code == 200
    bad = _csv(row(1, CONSIGNEE)).replace(b"2025-01-02,2025-01-02", b"2025-01-02,not-a-date")
    answer = _import(site, token, [bad], dataset="kept")
    assert answer.status_code == 422
    problem = re.search(r'id="files-error">([^<]+)<', answer.text)
    assert problem is not None
    assert "line 2" in problem.group(1)
    assert 'id="dataset" name="dataset" type="text" value="kept"' in answer.text
    assert _versions(session) == 1


def test_watch_lists_are_the_administrators_only_and_a_form_needs_its_token(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    assert site.get("/admin/lists").headers["location"] == "/login?next=/admin/lists"
    company = make_company(session, clock)
    others = [
        user_with_password(session, clock, Role.EXPORTER, company=company),
        user_with_password(session, clock, Role.CUSTOMS_OFFICER),
    ]
    admin = user_with_password(session, clock, Role.ADMINISTRATOR)
    for username in others:
        sign_in(site, username)
        assert site.get("/admin/lists").status_code == 403
        token = csrf_of(site.get("/").text)
        assert _import(site, token, [_csv(row(1, CONSIGNEE))]).status_code == 403
    sign_in(site, admin)
    token = csrf_of(site.get("/admin/lists").text)
    forged = _import(site, "not-the-token", [_csv(row(1, CONSIGNEE))])
    assert forged.status_code == 403
    elsewhere = site.post(
        "/admin/lists", data={"csrf_token": token, "format": "cn-mofcom-csv"},
        files=[("files", ("cn.csv", _csv(row(1, CONSIGNEE)), "text/csv"))],
        headers={"Origin": "https://elsewhere.example"},
    )  # fmt: skip
    assert elsewhere.status_code == 403
    assert _versions(session) == 0
