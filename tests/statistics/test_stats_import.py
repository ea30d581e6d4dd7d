"""Importing published series: vintages kept, re-imports idempotent, refusals change nothing
(SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.errors import Forbidden
from rarex.models import AuditEvent
from rarex.models.statistics import StatImport, StatObservation, StatReportedChange, StatSource
from rarex.statistics.importer import import_files
from rarex.statistics.parsing import ImportRefused
from rarex.statistics.service import period_report
from tests.factories import make_actor
from tests.statistics.conftest import REPORTED_CSV, SOURCES_CSV, Importer, shared_files

HEADER = "period,series,partner,basis,value,unit,source,release\n"


def counts(session: Session) -> tuple[int, ...]:
    return tuple(
        int(session.scalar(select(func.count()).select_from(model)) or 0)
        for model in (StatObservation, StatSource, StatImport, StatReportedChange, AuditEvent)
    )


def test_the_shared_files_import_whole(session: Session, do_import: Importer) -> None:
    results = do_import(*shared_files())
    by_kind = {r.kind: r for r in results}
    assert by_kind["observations"].added == 124
    assert by_kind["sources"].added == 80
    assert by_kind["sources"].notes  # the unquoted comma on line 67, rejoined
    assert counts(session) == (124, 80, 2, 0, 2)
    current = session.scalars(
        select(StatObservation).where(
            StatObservation.series == "rare_earth_exports_t",
            StatObservation.period == "2025-05",
            StatObservation.basis == "month",
        )
    ).one()
    assert current.value == Decimal("5864.6")
    assert current.decimals == 1
    assert current.is_current
    assert current.vintage == 1


def test_reimporting_the_same_files_changes_nothing(session: Session, do_import: Importer) -> None:
    do_import(*shared_files())
    before = counts(session)
    again = do_import(*shared_files())
    assert all(not r.changed for r in again)
    assert [r.unchanged for r in again] == [80, 124]
    assert counts(session) == before


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("period,series,value\n2025-05,x,1\n", "stats.bad_header"),
        (HEADER + "2025-05,rare_earth_exports_t,WLD,month,abc,t,S1,\n", "stats.bad_value"),
        (HEADER + "2025-5,rare_earth_exports_t,WLD,month,1,t,S1,\n", "stats.bad_period"),
        (HEADER + "2025-05,rare_earth_exports_t,WLD,mtd,1,t,S1,\n", "stats.unknown_basis"),
        (HEADER + "2025-05,rare_earth_exports_t,WLD,month,1,kg,S1,\n", "stats.unit_mismatch"),
    ],
)
def test_a_malformed_file_changes_nothing(
    session: Session, do_import: Importer, content: str, code: str
) -> None:
    do_import(*shared_files())
    before = counts(session)
    good = (
        "period,series,partner,basis,value,unit,source\n2030-05,magnet_exports_t,WLD,month,1,t,S1\n"
    )
    with pytest.raises(ImportRefused) as caught:
        # The good file comes first and is still not written: all files land or none does.
        do_import(("good.csv", good.encode()), ("bad.csv", content.encode()))
    assert caught.value.code == code
    assert counts(session) == before


def test_bad_encoding_changes_nothing(session: Session, do_import: Importer) -> None:
    before = counts(session)
    content = (HEADER + "2025-05,rare_earth_exports_t,WLD,month,1,t,稀土,\n").encode("gb18030")
    with pytest.raises(ImportRefused) as caught:
        do_import(("gbk.csv", content))
    assert caught.value.code == "stats.bad_encoding"
    assert counts(session) == before


def test_a_newer_vintage_supersedes_and_both_are_kept(
    session: Session, do_import: Importer, clock: FixedClock
) -> None:
    do_import(*shared_files())
    clock.set(datetime(2025, 8, 1, tzinfo=UTC))  # after the revision's release
    revised = HEADER + "2025-04,rare_earth_exports_t,WLD,month,4785,t,S8,2025-06-09\n"
    (result,) = do_import(("revised.csv", revised.encode()))
    assert (result.added, result.revised, result.unchanged) == (0, 1, 0)
    vintages = session.scalars(
        select(StatObservation)
        .where(
            StatObservation.series == "rare_earth_exports_t", StatObservation.period == "2025-04"
        )
        .where(StatObservation.basis == "month")
        .order_by(StatObservation.vintage)
    ).all()
    assert [(v.vintage, str(v.value.normalize()), v.source, v.is_current) for v in vintages] == [
        (1, "4784.8", "S9", False),
        (2, "4785", "S8", True),
    ]
    report = period_report(session, series="rare_earth_exports_t", period="2025-05")
    previous = report["figures"]["previous_month"]
    assert previous["value"] == "4785"
    assert previous["superseded"] == [
        {"vintage": 1, "value": "4784.8", "source": "S9", "released_on": None}
    ]
    assert previous["released_on"] == "2025-06-09"
    # Re-importing the original file does not flip the current vintage back.
    again = do_import(*shared_files())
    assert all(not r.changed for r in again)
    report = period_report(session, series="rare_earth_exports_t", period="2025-05")
    assert report["figures"]["previous_month"]["value"] == "4785"


def test_an_older_release_is_kept_as_history_only(session: Session, do_import: Importer) -> None:
    newer = HEADER + "2025-04,rare_earth_exports_t,WLD,month,4784.8,t,S9,2025-05-20\n"
    older = HEADER + "2025-04,rare_earth_exports_t,WLD,month,4785,t,S8,2025-05-09\n"
    sources = ("sources.csv", SOURCES_CSV.read_bytes())
    do_import(("newer.csv", newer.encode()), sources)
    do_import(("older.csv", older.encode()))
    rows = session.scalars(select(StatObservation).order_by(StatObservation.vintage)).all()
    assert [(str(r.value.normalize()), r.is_current) for r in rows] == [
        ("4784.8", True),
        ("4785", False),
    ]


def test_reported_percentages_are_stored_and_updated(session: Session, do_import: Importer) -> None:
    do_import(*shared_files())
    (first,) = do_import(("reported.csv", REPORTED_CSV.encode()))
    assert first.added == 4
    changed = REPORTED_CSV.replace("mom_pct,23,S1", "mom_pct,22.6,S1")
    (second,) = do_import(("reported.csv", changed.encode()))
    assert (second.added, second.revised, second.unchanged) == (0, 1, 3)
    (third,) = do_import(("reported.csv", changed.encode()))
    assert not third.changed


def test_only_administrators_and_analysts_import(session: Session, clock: FixedClock) -> None:
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    with pytest.raises(Forbidden):
        import_files(session, clock=clock, actor=officer, files=shared_files())
    analyst = make_actor(session, clock, Role.ANALYST)
    results = import_files(session, clock=clock, actor=analyst, files=shared_files())
    batch = session.get(StatImport, results[0].import_id)
    assert batch is not None
    assert batch.imported_by == analyst.label
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "statistics.imported")
    ).first()
    assert event is not None
    assert event.actor == analyst.label
