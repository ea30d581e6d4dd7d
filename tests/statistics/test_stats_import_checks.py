"""What an import checks against what it cannot see in the file alone: the unit each series is
declared in, the sources already stored or offered beside the file, and the release date a new
vintage needs. A refusal writes nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.models.statistics import StatObservation
from rarex.statistics.importer import FileImport
from rarex.statistics.parsing import ImportRefused
from tests.statistics.conftest import SOURCES_CSV, Importer, shared_files
from tests.statistics.test_stats_import import HEADER, counts

MAY = "2025-05,rare_earth_exports_t,WLD,month,{value},t,{source},{release}\n"


def load(do_import: Importer, *files: tuple[str, str]) -> list[FileImport]:
    return do_import(*((name, text.encode()) for name, text in files))


def refused(do_import: Importer, *files: tuple[str, str]) -> ImportRefused:
    with pytest.raises(ImportRefused) as caught:
        load(do_import, *files)
    return caught.value


def may_vintages(session: Session) -> list[tuple[int, Decimal, str, bool]]:
    rows = session.scalars(
        select(StatObservation)
        .where(
            StatObservation.series == "rare_earth_exports_t",
            StatObservation.partner == "WLD",
            StatObservation.basis == "month",
            StatObservation.period == "2025-05",
        )
        .order_by(StatObservation.vintage)
    )
    return [(r.vintage, r.value.normalize(), r.source, r.is_current) for r in rows]


def test_a_kg_row_for_a_tonnes_series_is_refused_and_the_official_file_still_imports(
    session: Session, do_import: Importer
) -> None:
    one_row = HEADER + "2025-06,rare_earth_exports_t,WLD,month,5000000,kg,S1,\n"
    error = refused(
        do_import, ("kg.csv", one_row), (SOURCES_CSV.name, SOURCES_CSV.read_text("utf-8"))
    )
    assert error.code == "stats.unit_mismatch"
    assert error.message.startswith("kg.csv line 2, field 'unit'")
    assert "declared in 't' (tonnes)" in error.message
    assert counts(session) == (0, 0, 0, 0, 0)
    results = {r.kind: r for r in do_import(*shared_files())}
    assert results["observations"].added == 124


def test_a_row_citing_an_unknown_source_is_refused_and_the_stored_vintage_is_unchanged(
    session: Session, do_import: Importer
) -> None:
    do_import(*shared_files())
    before = counts(session)
    rumour = HEADER + MAY.format(value="9999", source="S999", release="2025-06-01")
    error = refused(do_import, ("rumour.csv", rumour))
    assert error.code == "stats.unknown_source"
    assert error.message.startswith("rumour.csv line 2, field 'source'")
    assert "'S999'" in error.message
    assert counts(session) == before
    assert may_vintages(session) == [(1, Decimal("5864.6"), "S1", True)]


def test_a_reported_percentage_citing_an_unknown_source_is_refused(
    session: Session, do_import: Importer
) -> None:
    do_import(*shared_files())
    before = counts(session)
    reported = "period,series,partner,measure,value,source\n"
    reported += "2025-05,rare_earth_exports_t,WLD,mom_pct,23,S1\n"
    reported += "2025-05,rare_earth_exports_t,WLD,yoy_pct,-5,S999\n"
    error = refused(do_import, ("reported.csv", reported))
    assert error.code == "stats.unknown_source"
    assert [(p["line"], p["code"]) for p in error.details["problems"]] == [
        (3, "stats.unknown_source")
    ]
    assert counts(session) == before


def test_a_source_offered_in_the_same_import_is_known(
    session: Session, do_import: Importer
) -> None:
    do_import(*shared_files())
    sources = "id,title,url\nS999,Customs release of July 2025,https://example.org/gacc-2025-07\n"
    revised = HEADER + MAY.format(value="5870", source="S999", release="2025-06-01")
    results = {r.kind: r for r in load(do_import, ("s.csv", sources), ("revised.csv", revised))}
    assert (results["sources"].added, results["observations"].revised) == (1, 1)
    assert may_vintages(session) == [
        (1, Decimal("5864.6"), "S1", False),
        (2, Decimal("5870"), "S999", True),
    ]


@pytest.mark.parametrize(
    "content",
    [
        HEADER + MAY.format(value="5900", source="S1", release=""),
        "period,series,partner,basis,value,unit,source\n"
        "2025-05,rare_earth_exports_t,WLD,month,5900,t,S1\n",
    ],
    ids=["empty-release", "no-release-column"],
)
def test_a_revision_without_a_release_date_is_refused(
    session: Session, do_import: Importer, content: str
) -> None:
    do_import(*shared_files())
    before = counts(session)
    error = refused(do_import, ("revised.csv", content))
    assert error.code == "stats.release_required"
    assert error.message.startswith("revised.csv line 2, field 'release'")
    assert "5864.6" in error.message
    assert counts(session) == before
    assert may_vintages(session) == [(1, Decimal("5864.6"), "S1", True)]


def test_a_revision_with_a_release_date_is_accepted(session: Session, do_import: Importer) -> None:
    do_import(*shared_files())
    revised = HEADER + MAY.format(value="5900", source="S1", release="2025-06-01")
    (result,) = load(do_import, ("revised.csv", revised))
    assert (result.added, result.revised, result.unchanged) == (0, 1, 0)
    assert may_vintages(session) == [
        (1, Decimal("5864.6"), "S1", False),
        (2, Decimal("5900"), "S1", True),
    ]


def test_a_new_figure_needs_no_release_date(session: Session, do_import: Importer) -> None:
    do_import(*shared_files())
    added = HEADER + "2030-01,rare_earth_exports_t,WLD,month,1,t,S1,\n"
    (result,) = load(do_import, ("added.csv", added))
    assert (result.added, result.revised) == (1, 0)


def test_restating_a_stored_figure_without_its_release_date_changes_nothing(
    session: Session, do_import: Importer
) -> None:
    do_import(*shared_files())
    dated = HEADER + MAY.format(value="5900", source="S1", release="2025-06-01")
    load(do_import, ("revised.csv", dated))
    before = counts(session)
    undated = HEADER + MAY.format(value="5900", source="S1", release="")
    (again,) = load(do_import, ("again.csv", undated))
    assert not again.changed
    assert counts(session) == before


def test_every_bad_line_of_a_file_is_listed_and_nothing_is_written(
    session: Session, do_import: Importer
) -> None:
    do_import(*shared_files())
    before = counts(session)
    content = (
        HEADER
        + MAY.format(value="5900", source="S1", release="")
        + "2025-04,rare_earth_exports_t,WLD,month,4790,t,S998,2025-06-01\n"
        + "2030-01,magnet_exports_t,WLD,month,1,t,S1,\n"  # a good row; still not written
    )
    error = refused(do_import, ("bad.csv", content))
    assert "(and 1 more problem(s))" in error.message
    assert [(p["line"], p["field"], p["code"]) for p in error.details["problems"]] == [
        (2, "release", "stats.release_required"),
        (3, "source", "stats.unknown_source"),
    ]
    assert counts(session) == before


def test_a_release_date_after_today_is_refused(session: Session, do_import: Importer) -> None:
    """Found in review: a typo (2205-06-10) ranked above every real release and stayed the
    current figure when the official one came."""
    do_import(*shared_files())
    typo = HEADER + MAY.format(value="9999", source="S1", release="2205-06-10")
    with pytest.raises(ImportRefused) as refused:
        load(do_import, ("typo.csv", typo))
    assert refused.value.code == "stats.release_in_future"
    assert may_vintages(session) == [(1, Decimal("5864.6"), "S1", True)]
