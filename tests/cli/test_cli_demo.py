"""The demo is an end-to-end run of the real services; these tests read what it produced."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from rarex.cli.main import app
from rarex.config import get_settings
from rarex.db_engine import make_engine
from rarex.models import Application, AuditEvent, License
from tests.cli.conftest import use_database
from tests.conftest import BACKENDS, whole_database

# Among the longest tests: run first, so that no xdist worker ends the run alone on one.
pytestmark = pytest.mark.slow


def _demo(runner: CliRunner, *args: str) -> dict:
    result = runner.invoke(app, ["demo", "--yes", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@dataclass(frozen=True)
class Played:
    url: str
    result: dict[str, Any]


@pytest.fixture(scope="module", params=BACKENDS)
def played(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Played]:
    """The demo played once per module and backend (2-5 s a run) into a database of its own,
    for the tests that only read what it produced; tests that play it again, or try to wipe
    it, take a database of their own (``cli_env``)."""
    folder = tmp_path_factory.mktemp("demo")
    with whole_database(request.param, folder, name="cli_demo") as url:
        with pytest.MonkeyPatch.context() as monkeypatch:
            use_database(monkeypatch, url)
            result = _demo(CliRunner())
        get_settings.cache_clear()
        yield Played(url, result)


def test_demo_shows_every_case_the_issue_lists(played: Played) -> None:
    result = played.result
    cases = {row["case"]: row for row in result["applications"]}
    assert cases["eu-green"]["lane"] == "green"
    assert cases["eu-green"]["decision"] == "approved"
    assert cases["us-ordinary"]["lane"] == "ordinary"
    assert cases["us-ordinary"]["destination"] == "US"
    assert cases["returned"]["state"] == "returned"
    assert cases["info-request"]["state"] == "information_requested"
    assert cases["info-request"]["stopped"] is True
    assert cases["defence"]["decision"] == "denied"
    assert cases["general"]["license_type"] == "general"
    assert cases["general"]["decision"] == "approved"
    assert cases["referred"]["off_clock"] is True
    assert cases["eu-ordinary"]["at_risk"] is True
    assert result["audit"]["ok"] is True
    # Screening: the end user on MOFCOM's control list is hit on submission and denied.
    assert cases["listed-end-user"]["decision"] == "denied"
    assert result["approval_refused"]["code"] == "screening.control_list_party"
    listed = {(h["entity_id"], h["status"]) for h in result["screening_hits"]}
    assert ("cn-mofcom:control_list-2025-1-1", "confirmed") in listed
    assert {h["case"] for h in result["screening_hits"]} == {"listed-end-user"}


def test_demo_license_balances_match_granted_quantities(played: Played) -> None:
    result = played.result
    us = next(lic for lic in result["licenses"] if lic["destination"] == "US")
    # Granted 1,500 kg; the demo's customs week clears 1,000 kg against it.
    assert us["lines"] == [{"code": "1C902.a", "granted_kg": "1500.000", "remaining_kg": "500.000"}]
    general = next(lic for lic in result["licenses"] if lic["type"] == "general")
    assert general["valid_until"] > "2028-01-01"


def _stored(url: str) -> tuple[int, int, int]:
    """Applications, licenses and audit events in the database at ``url``."""
    engine = make_engine(url)
    with engine.connect() as conn:
        counts = tuple(
            conn.scalar(select(func.count()).select_from(table)) or 0
            for table in (Application, License, AuditEvent)
        )
    engine.dispose()
    return counts[0], counts[1], counts[2]


def _played_counts(played: Played) -> tuple[int, int, int]:
    result = played.result
    return len(result["applications"]), len(result["licenses"]), result["audit"]["events"]


def test_demo_leaves_the_data_for_serve_in_the_database(played: Played) -> None:
    assert _stored(played.url) == _played_counts(played)


def test_demo_runs_twice_with_yes_and_resets(runner: CliRunner, cli_env: str) -> None:
    first = _demo(runner)
    second = _demo(runner)
    assert len(second["applications"]) == len(first["applications"])
    assert second["audit"]["events"] == first["audit"]["events"]


def test_demo_refuses_to_wipe_without_yes_when_not_interactive(
    runner: CliRunner, played: Played, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_database(monkeypatch, played.url)
    result = runner.invoke(app, ["demo"])
    get_settings.cache_clear()
    assert result.exit_code == 2
    assert "demo.confirmation_required" in result.stderr
    assert _stored(played.url) == _played_counts(played)  # the demo's data is all still there


def test_demo_refuses_production(
    runner: CliRunner, cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rarex.config import get_settings

    monkeypatch.setenv("RAREX_ENVIRONMENT", "production")
    monkeypatch.setenv("RAREX_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    for name in ("RAREX_PASSWORD_HASH_TIME_COST", "RAREX_PASSWORD_HASH_MEMORY_KIB"):
        monkeypatch.delenv(name)  # production's own cost
    get_settings.cache_clear()
    result = runner.invoke(app, ["demo", "--yes"])
    assert result.exit_code == 2
    assert "demo.refused" in result.stderr


def test_demo_clears_holds_and_refuses_declarations_and_reports_the_month(
    played: Played,
) -> None:
    result = played.result
    statuses = {d["number"][-3:]: (d["status"], d["reasons"]) for d in result["declarations"]}
    assert statuses["101"] == ("cleared", [])
    assert statuses["102"] == ("refused", ["customs.quantity_exceeded"])
    assert statuses["104"] == ("refused", ["customs.license_required"])
    assert statuses["105"][0] == "held"
    assert "customs.destination_mismatch" in statuses["105"][1]
    licenses = {lic["destination"]: lic for lic in result["licenses"]}
    # 1,500 kg granted to the US, 1,000 kg cleared; the refused 1,600 kg drew nothing.
    assert licenses["US"]["lines"][0]["remaining_kg"] == "500.000"
    cleared = [d for d in result["declarations"] if d["status"] == "cleared"]
    by_series = {t["key"]: t for t in result["statistics"]["series"]}
    assert sum(Decimal(d["kg"]) for d in cleared) == Decimal(by_series["rare_earths"]["net_kg"])


def test_demo_users_sign_in_with_the_passwords_it_prints(played: Played) -> None:
    from sqlalchemy.orm import Session as OrmSession

    from rarex.auth.sign_in import demo_passwords_in_use, sign_in
    from rarex.clock import FixedClock

    passwords = played.result["passwords"]
    assert set(passwords) >= {"admin", "officer.li", "ganzhou.export", "eu.liaison"}
    engine = make_engine(played.url)
    with OrmSession(engine) as session:
        assert demo_passwords_in_use(session) == sorted(passwords)
        clock = FixedClock(datetime(2025, 7, 25, tzinfo=UTC))
        signed = sign_in(
            session,
            clock=clock,
            username="ganzhou.export",
            password=passwords["ganzhou.export"],
            client_address="127.0.0.1",
        )
        assert signed.actor.username == "ganzhou.export"
        session.rollback()
    engine.dispose()


def test_demo_loads_the_published_gacc_series(played: Played) -> None:
    from sqlalchemy.orm import Session as OrmSession

    from rarex.statistics.service import period_report

    engine = make_engine(played.url)
    with OrmSession(engine) as session:
        may = period_report(session, series="rare_earth_exports_t", period="2025-05")
    engine.dispose()
    assert Decimal(may["value"]) == Decimal("5864.6")
    assert Decimal(may["ytd"]) == Decimal("24827")


# The EU's member states in 2025 (europa.eu), written here rather than read from the package.
EU_2025 = {
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
}  # fmt: skip


def test_the_demos_eu_desk_inquired_prioritised_and_vouched(played: Played) -> None:
    partner = played.result["partner"]
    assert partner["desk"] == "EU"
    assert partner["inquiries_overdue"] == 1  # asked on 17 July, unanswered on 25 July
    assert all(partner[key] for key in ("inquiry_answered", "priority_list", "trusted_party"))
    cases = {row["case"]: row for row in played.result["applications"]}
    assert cases["eu-trusted"]["lane"] == "green"


def test_the_demos_outcome_figures_agree_with_a_recomputation_from_the_applications(
    played: Played,
) -> None:
    """Counted again from the applications, their parties and their history, with the clock of
    each case as the officer's case view shows it."""
    from statistics import median

    from sqlalchemy.orm import Session as OrmSession

    from rarex.auth.service import to_actor
    from rarex.clock import FixedClock
    from rarex.config import Settings
    from rarex.licensing import views
    from rarex.models import ForeignParty, StateChange, User
    from rarex.partners.outcomes import outcome_figures

    engine = make_engine(played.url)
    with OrmSession(engine) as session:
        clock = FixedClock(datetime.fromisoformat(played.result["today"]))
        settings = Settings(database_url=played.url)
        officer = to_actor(session.scalars(select(User).where(User.username == "officer.li")).one())
        report = outcome_figures(session, actor=officer, clock=clock, settings=settings,
                                 partner="EU")  # fmt: skip
        country = dict(session.execute(select(ForeignParty.id, ForeignParty.country)).all())
        expected: dict[tuple[str, str], dict[str, Any]] = {}
        for app in session.scalars(select(Application)):
            if app.submitted_at is None or not (
                {app.destination, country[app.consignee_id], country[app.end_user_id]} & EU_2025
            ):
                continue
            first = session.scalars(
                select(StateChange.on_date)
                .where(StateChange.application_id == app.id, StateChange.action == "submit")
                .order_by(StateChange.seq)
            ).first()
            view = views.application_view(session, actor=officer, clock=clock, settings=settings,
                                          key=app.id)  # fmt: skip
            received = expected.setdefault((f"{first:%Y-%m}", app.lane), _blank())
            received["received"] += 1
            if (
                view.clock
                and view.clock["overdue"]
                and app.state not in ("approved", "denied", "withdrawn", "returned", "draft")
            ):
                received["open_past_due"] += 1
            if app.state in ("approved", "denied"):
                decided = expected.setdefault((f"{app.decided_on:%Y-%m}", app.lane), _blank())
                decided["decided"] += 1
                decided[app.state] += 1
                decided["days"].append(view.clock["used"] if view.clock else None)
    engine.dispose()
    got = {(row.month, row.lane): row for row in report.rows}
    assert set(got) == set(expected)
    assert sum(e["received"] for e in expected.values()) >= 8
    for key, want in expected.items():
        row = got[key]
        assert (row.received, row.decided, row.approved, row.denied, row.open_past_due) == (
            want["received"], want["decided"], want["approved"], want["denied"],
            want["open_past_due"],
        ), key  # fmt: skip
        days = sorted(want["days"])
        if days:
            assert row.median_working_days == Decimal(str(median(days))), key
            assert row.p90_working_days == Decimal(days[-(-9 * len(days) // 10) - 1]), key
            assert row.approval_rate == round(Decimal(want["approved"] * 100) / len(days), 1)
        else:
            assert row.median_working_days is None
            assert row.approval_rate is None


def _blank() -> dict[str, Any]:
    return {"received": 0, "decided": 0, "approved": 0, "denied": 0, "open_past_due": 0,
            "days": []}  # fmt: skip
