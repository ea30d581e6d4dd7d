"""Answers of the customs routes that are not declarations: imports, reconciliation, totals."""

from __future__ import annotations

from typing import Any

from rarex.api.schemas import DateText, DecimalText, Out


class ImportRowProblem(Out):
    row: int
    field: str
    code: str
    message: str
    declaration: str | None


class ImportReportRead(Out):
    source: str
    all_or_nothing: bool
    landed: bool
    rows: int
    declarations: int
    recorded: int
    replayed: int
    lines_recorded: int
    outcomes: dict[str, int]
    refused_declarations: int
    refused_rows: int
    errors: list[ImportRowProblem]


class ReconciliationFlag(Out):
    code: str
    message: str
    count: int
    kg: DecimalText
    details: dict[str, Any]


class LicenseLineBalanceRead(Out):
    line_no: int
    control_code: str
    hs_code: str
    granted_kg: DecimalText
    remaining_kg: DecimalText
    drawn_kg: DecimalText
    ledger_kg: DecimalText
    cleared_kg: DecimalText
    consistent: bool


class LicenseReconciliationRead(Out):
    number: str
    exporter_uscc: str
    license_type: str
    status: str
    destination: str
    valid_from: DateText
    valid_until: DateText
    granted_kg: DecimalText
    drawn_kg: DecimalText
    remaining_kg: DecimalText
    declared_kg: DecimalText
    held_kg: DecimalText
    refused_kg: DecimalText
    declarations: int
    lines: list[LicenseLineBalanceRead]
    flags: list[ReconciliationFlag]


class PublishedComparisonRead(Out):
    series: str
    published_t: DecimalText
    cleared_t: DecimalText
    difference_t: DecimalText
    difference_pct: DecimalText | None
    tolerance_pct: DecimalText
    flagged: bool


class MonthReconciliationRead(Out):
    period: str
    cleared_kg: DecimalText
    cleared_by_series: dict[str, DecimalText]
    licensed_kg: DecimalText
    not_controlled_kg: DecimalText
    declarations: int
    flags: list[ReconciliationFlag]
    published: list[PublishedComparisonRead]


class MonthlyTotalRead(Out):
    period: str
    dimension: str
    key: str
    net_kg: DecimalText
    lines: int
    fob_value: dict[str, DecimalText]
