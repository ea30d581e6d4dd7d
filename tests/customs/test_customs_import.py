"""Bulk import from CSV and XLSX: every refused row named with its field and reason; valid
declarations all land, or with all-or-nothing none do; a malformed file changes nothing."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook  # type: ignore[import-untyped]
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.customs import bulk, tabular
from rarex.customs.tabular import COLUMNS, MalformedFile
from rarex.licensing import repository as licensing_repository
from rarex.models.customs import Declaration
from tests.customs.customs_factories import Licensed, next_number

HEADER = list(COLUMNS)


def row(setup: Licensed, number: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": number,
        "exporter_uscc": setup.company.uscc,
        "license_number": setup.license.number,
        "destination": "DE",
        "consignee_name": "Rheinland Antriebstechnik GmbH",
        "consignee_country": "DE",
        "port": "Shanghai",
        "declared_date": "2025-06-04",
        "clearance_date": "",
        "line_no": "",
        "hs_code": "2805301200",
        "control_code": "1C905.a",
        "description": "Dy metal",
        "net_kg": "10",
        "fob_value": "5000",
        "currency": "USD",
    }
    data.update(overrides)
    return data


def write_csv(path: Path, rows: list[dict[str, Any]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for values in rows:
        sheet.append(values)
    workbook.save(path)
    return path


def run(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    setup: Licensed,
    path: Path,
    *,
    all_or_nothing: bool = False,
) -> bulk.ImportReport:
    done: list[int] = []
    report = bulk.import_declarations(
        session,
        actor=setup.customs,
        clock=clock,
        settings=settings,
        source=path.name,
        parsed=tabular.declarations(tabular.read_rows(path, tabular.ImportLimits.of(settings))),
        all_or_nothing=all_or_nothing,
        progress=done.append,
    )
    assert sum(done) == report.rows
    return report


def remaining(session: Session, setup: Licensed) -> Decimal:
    (only,) = licensing_repository.license_lines(session, setup.license.id)
    return only.remaining_kg


def declarations(session: Session) -> int:
    return int(session.scalar(select(func.count(Declaration.id))) or 0)


def mixed_file(setup: Licensed, path: Path) -> tuple[Path, list[str]]:
    """Rows 2-3 one good declaration of two lines; 4 a bad weight; 5 an unknown HS code;
    6-7 a declaration whose second line repeats line 1; 8 a refused (over-balance) one."""
    numbers = [next_number() for _ in range(5)]
    rows = [
        row(setup, numbers[0], line_no="1", net_kg="10"),
        row(setup, numbers[0], line_no="2", net_kg="20.5"),
        row(setup, numbers[1], net_kg="ten"),
        row(setup, numbers[2], hs_code="8505119000"),
        row(setup, numbers[3], line_no="1"),
        row(setup, numbers[3], line_no="1"),
        row(setup, numbers[4], net_kg="900"),
    ]
    return write_csv(path / "mixed.csv", rows), numbers


def test_valid_declarations_land_and_every_refused_row_is_named(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed, tmp_path: Path
) -> None:
    path, numbers = mixed_file(setup, tmp_path)
    report = run(session, clock, settings, setup, path)
    body = report.to_dict()
    assert (body["rows"], body["declarations"], body["recorded"]) == (7, 5, 2)
    assert body["outcomes"] == {"cleared": 1, "refused": 1}
    assert body["landed"] is True
    assert [(e["row"], e["field"], e["code"]) for e in body["errors"]] == [
        (4, "net_kg", "input.invalid_number"),
        (5, "hs_code", "customs.unknown_hs_code"),
        (7, "line_no", "customs.duplicate_line"),
    ]
    assert body["errors"][0]["declaration"] == numbers[1]
    assert remaining(session, setup) == Decimal("469.500")
    assert declarations(session) == 2


def test_all_or_nothing_lands_nothing_and_still_reports_every_row(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed, tmp_path: Path
) -> None:
    path, _ = mixed_file(setup, tmp_path)
    savepoint = session.begin_nested()  # the caller's unit of work, rolled back on the error
    with pytest.raises(bulk.ImportRefused) as caught:
        run(session, clock, settings, setup, path, all_or_nothing=True)
    savepoint.rollback()
    body = caught.value.report.to_dict()
    assert caught.value.code == "customs.import_refused"
    assert body["landed"] is False
    assert (body["recorded"], body["outcomes"]) == (0, {})
    assert [e["row"] for e in body["errors"]] == [4, 5, 7]
    assert remaining(session, setup) == Decimal("500.000")
    assert declarations(session) == 0


def test_a_clean_file_lands_whole_with_all_or_nothing(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed, tmp_path: Path
) -> None:
    rows = [row(setup, next_number(), net_kg=str(n)) for n in (1, 2, 3)]
    report = run(
        session, clock, settings, setup, write_csv(tmp_path / "ok.csv", rows), all_or_nothing=True
    )
    assert (report.recorded, report.errors) == (3, [])
    assert remaining(session, setup) == Decimal("494.000")


def test_a_number_repeated_in_the_file_is_refused_and_a_file_sent_again_is_replayed(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed, tmp_path: Path
) -> None:
    first, second = next_number(), next_number()
    path = write_csv(
        tmp_path / "dup.csv", [row(setup, first), row(setup, second), row(setup, first)]
    )
    report = run(session, clock, settings, setup, path)
    assert [(e.row, e.code) for e in report.errors] == [(4, "customs.duplicate_declaration")]
    # Sent again (its report lost, say): the two filed declarations are replays, nothing is
    # filed twice, and the number repeated in the file is still refused.
    again = run(session, clock, settings, setup, path)
    assert (again.recorded, again.replayed) == (0, 2)
    assert [(e.row, e.field, e.code) for e in again.errors] == [
        (4, "number", "customs.duplicate_declaration"),
    ]
    # The same numbers with other content are refused.
    changed = write_csv(tmp_path / "changed.csv", [row(setup, first, port="Ningbo")])
    other = run(session, clock, settings, setup, changed)
    assert [(e.row, e.field, e.code) for e in other.errors] == [
        (2, "number", "customs.duplicate_declaration"),
    ]
    assert remaining(session, setup) == Decimal("480.000")
    assert declarations(session) == 2


def test_rows_of_one_declaration_must_agree_and_be_complete(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed, tmp_path: Path
) -> None:
    number = next_number()
    path = write_csv(
        tmp_path / "bad.csv",
        [
            row(setup, number, declared_date="2025-02-30"),
            row(setup, number, declared_date="", destination="FR", port=""),
            row(setup, "", hs_code=""),
        ],
    )
    report = run(session, clock, settings, setup, path)
    assert sorted((e.row, e.field, e.code) for e in report.errors) == [
        (2, "declared_date", "customs.invalid_date"),
        (3, "destination", "customs.inconsistent_declaration"),
        (3, "port", "customs.missing_value"),
        (4, "hs_code", "customs.missing_value"),
        (4, "number", "customs.missing_value"),
    ]
    assert declarations(session) == 0


def test_a_row_with_too_many_fields_is_refused(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed, tmp_path: Path
) -> None:
    good = row(setup, next_number())
    path = tmp_path / "ragged.csv"
    path.write_text(
        ",".join(HEADER) + "\n" + ",".join(str(good[c]) for c in HEADER) + ",extra\n",
        encoding="utf-8",
    )
    report = run(session, clock, settings, setup, path)
    assert [(e.row, e.field, e.code) for e in report.errors] == [
        (2, "(row)", "customs.malformed_row")
    ]


def test_header_names_are_forgiving_about_case_space_and_order(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed, tmp_path: Path
) -> None:
    data = row(setup, next_number(), net_kg="7")
    columns = ["Net KG", "HS Code", *[c for c in HEADER if c not in ("net_kg", "hs_code")]]
    path = tmp_path / "bom.csv"
    lines = [",".join(columns), ",".join(str(data[c.lower().replace(" ", "_")]) for c in columns)]
    path.write_bytes("\n".join(lines).encode("utf-8-sig"))
    report = run(session, clock, settings, setup, path)
    assert (report.recorded, report.errors) == (1, [])
    assert remaining(session, setup) == Decimal("493.000")


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "import.malformed_file"),
        (b"number,hs_code\n1,2\n", "customs.missing_column"),
        ((",".join(HEADER) + ",colour\n").encode(), "customs.unknown_column"),
        ((",".join(HEADER) + ",number\n").encode(), "customs.unknown_column"),
        ((",".join(HEADER) + "\n").encode() + b"\xff\xfe\x00bad\n", "import.malformed_file"),
        ((",".join(HEADER) + '\n"unterminated,\n').encode(), "import.malformed_file"),
    ],
)
def test_a_malformed_csv_is_refused_whole_and_changes_nothing(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    setup: Licensed,
    tmp_path: Path,
    content: bytes,
    code: str,
) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    with pytest.raises(MalformedFile) as caught:
        run(session, clock, settings, setup, path)
    assert caught.value.code == code
    assert path.name in caught.value.message
    assert remaining(session, setup) == Decimal("500.000")
    assert declarations(session) == 0


def test_an_xlsx_file_imports_like_a_csv_with_real_numbers_and_dates(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed, tmp_path: Path
) -> None:
    good, bad = next_number(), next_number()
    base = row(setup, good)

    def values(number: str, net: object, declared: object) -> list[object]:
        cells = {**base, "number": number, "net_kg": net, "declared_date": declared}
        cells["hs_code"] = 2805301200  # typed as a number in the sheet
        return [cells[c] for c in HEADER]

    path = write_xlsx(
        tmp_path / "declarations.xlsx",
        [
            HEADER,
            values(good, 12.25, date(2025, 6, 4)),
            [None] * len(HEADER),
            values(bad, -3, "2025-06-04"),
        ],
    )
    report = run(session, clock, settings, setup, path)
    assert report.recorded == 1
    assert [(e.row, e.field, e.code) for e in report.errors] == [
        (4, "net_kg", "customs.weight_not_positive")
    ]
    assert remaining(session, setup) == Decimal("487.750")
    assert tabular.check_file(path, tabular.ImportLimits.of(settings)) == tabular.FileCheck(
        rows=2, declarations=2
    )


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "import.malformed_file"),
        ("text.xlsx", b"number,hs_code\n", "import.malformed_file"),
        ("declarations.ods", b"whatever", "customs.unsupported_format"),
    ],
)
def test_a_malformed_or_unsupported_workbook_is_refused_whole(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    setup: Licensed,
    tmp_path: Path,
    name: str,
    content: bytes,
    code: str,
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(MalformedFile) as caught:
        run(session, clock, settings, setup, path)
    assert caught.value.code == code
    assert declarations(session) == 0


def test_an_xlsx_missing_columns_is_refused(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "short.xlsx", [["number", "hs_code"], ["1", "2805301200"]])
    with pytest.raises(MalformedFile) as caught:
        run(session, clock, settings, setup, path)
    assert caught.value.code == "customs.missing_column"


def test_line_numbers_order_the_lines_and_must_be_whole_and_complete(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed, tmp_path: Path
) -> None:
    ordered, bad, partial = next_number(), next_number(), next_number()
    path = write_csv(
        tmp_path / "lines.csv",
        [
            row(setup, ordered, line_no="2", net_kg="2"),
            row(setup, ordered, line_no="1", net_kg="1"),
            row(setup, bad, line_no="one"),
            row(setup, partial, line_no="1"),
            row(setup, partial, line_no=""),
        ],
    )
    report = run(session, clock, settings, setup, path)
    assert [(e.row, e.field, e.code) for e in report.errors] == [
        (4, "line_no", "customs.invalid_line_no"),
        (6, "line_no", "customs.missing_value"),
    ]
    (filed,) = session.scalars(select(Declaration)).all()
    from rarex.customs import views

    lines = views.declaration_view(session, actor=setup.customs, number=filed.number).lines
    assert [(ln.line_no, ln.net_kg) for ln in lines] == [
        (1, Decimal("1.000")),
        (2, Decimal("2.000")),
    ]
