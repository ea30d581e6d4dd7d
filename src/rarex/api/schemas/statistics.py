"""Answers of the statistics routes: the catalogue, a month's report, a series table, imports.

Quantities are exact decimal strings, at the precision they were published at; percentages
and percentage points are decimal strings at a fixed two places (``"22.57"``), the robust
z-score too; ``*_display`` fields are the same figures rounded for people (``"+12.3%"``,
``"1,238.47 t"``). A measure that cannot be computed is null, and a ``reason`` says why where
the answer has one."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from rarex.api.schemas import DateText, DecimalText, Out, TimeText

PercentText = Annotated[
    str,
    Field(
        description="A percentage (or percentage points), half up at two decimals",
        examples=["22.57", "-3.00"],
        pattern=r"^-?[0-9]+\.[0-9]{2}$",
    ),
]
ScoreText = Annotated[
    str,
    Field(description="A robust z-score, half up at two decimals", examples=["7.70"]),
]


class SeriesSummary(Out):
    series: str
    description: str | None
    unit: str
    partners: list[str]
    first_period: str
    last_period: str
    published_figures: int


class SourceRead(Out):
    id: str
    title: str | None
    url: str | None


class FindingRead(Out):
    code: str
    severity: str
    message: str
    first: str
    last: str
    months_sum: DecimalText
    ytd_difference: DecimalText
    difference: DecimalText
    allowance: DecimalText
    figures: list[str]


class ReportedRead(Out):
    """A growth rate as a cited source printed it, beside the one computed from the figures."""

    value: PercentText
    places: int = Field(description="Decimal places the source printed the rate to")
    display: str = Field(description="The rate as printed: `+23%`, `+2.3%`")
    source: str
    source_title: str | None
    computed: PercentText | None
    difference_pp: PercentText | None
    difference_display: str | None
    consistent_with_rounding: bool | None


class RowReportedRead(ReportedRead):
    measure: str = Field(description="mom_pct, yoy_pct or ytd_yoy_pct")


class TableRow(Out):
    period: str
    label: str
    jan_feb: bool
    value: DecimalText | None
    value_status: str | None
    value_formula: str | None
    ytd: DecimalText | None
    ytd_status: str | None
    ytd_formula: str | None
    mom_pct: PercentText | None
    mom_display: str | None
    yoy_pct: PercentText | None
    yoy_display: str | None
    ytd_yoy_pct: PercentText | None
    ytd_yoy_display: str | None
    sources: list[str]
    monitor: str | None
    monitor_reason: str | None
    reported: list[RowReportedRead]


class SeriesTable(Out):
    series: str
    description: str | None
    partner: str
    unit: str
    first: str | None = Field(alias="from", serialization_alias="from")
    last: str | None = Field(alias="to", serialization_alias="to")
    decimals: int
    rows: list[TableRow]
    findings: list[FindingRead]
    sources: list[SourceRead]


class SupersededRead(Out):
    vintage: int
    value: DecimalText
    source: str | None
    released_on: DateText | None


class FigureRead(Out):
    key: str
    basis: str
    period: str
    value: DecimalText
    display: str
    status: str
    formula: str | None
    expression: str | None
    inputs: list[str]
    sources: list[str]
    vintage: int | None
    released_on: DateText | None
    vintages: int
    superseded: list[SupersededRead]


class Figures(Out):
    month: FigureRead | None
    previous_month: FigureRead | None
    same_period_last_year: FigureRead | None
    ytd: FigureRead | None
    ytd_last_year: FigureRead | None


class ChangeRead(Out):
    pct: PercentText | None
    display: str | None
    current: str | None
    base: str | None
    base_status: str | None
    reason: str | None
    reported: list[ReportedRead]


class Changes(Out):
    mom: ChangeRead
    yoy: ChangeRead
    ytd_yoy: ChangeRead


class MonitorRead(Out):
    status: str
    flagged: bool
    reason: str
    history_months: int
    nonzero_history_months: int
    median: DecimalText | None
    low: DecimalText | None
    high: DecimalText | None
    mad: DecimalText | None
    robust_z: ScoreText | None
    robust_z_display: str | None
    same_month_last_year: DecimalText | None
    yoy_pct: PercentText | None
    yoy_display: str | None


class FlagRead(Out):
    code: str
    severity: str
    message: str


class DerivationRead(Out):
    figure: str
    value: DecimalText
    display: str
    formula: str
    expression: str | None
    inputs: list[str]
    sources: list[str]
    rounding_uncertainty: DecimalText


class DestinationRead(Out):
    partner: str
    value: DecimalText
    display: str
    status: str
    share_pct: PercentText | None
    share_display: str | None


class PeriodReport(Out):
    series: str
    description: str | None
    partner: str
    period: str
    label: str
    jan_feb: bool
    unit: str
    decimals: int
    value: DecimalText | None
    value_display: str | None
    value_status: str | None
    mom_pct: PercentText | None
    mom_display: str | None
    yoy_pct: PercentText | None
    yoy_display: str | None
    ytd: DecimalText | None
    ytd_display: str | None
    ytd_status: str | None
    ytd_yoy_pct: PercentText | None
    ytd_yoy_display: str | None
    share_of_world_pct: PercentText | None
    share_of_world_display: str | None
    figures: Figures
    changes: Changes
    destinations: list[DestinationRead]
    monitor: MonitorRead | None
    flags: list[FlagRead]
    findings: list[FindingRead]
    derivations: list[DerivationRead]
    sources: list[SourceRead]


class DeclaredDestination(Out):
    partner: str
    value: DecimalText
    display: str
    share_pct: PercentText | None
    share_display: str | None


class PublishedFigure(Out):
    value: DecimalText
    status: str
    sources: list[str]
    declared_minus_published: DecimalText
    coverage_pct: PercentText | None
    coverage_display: str | None


class DeclarationsReport(Out):
    source: str
    series: str
    customs_series: str
    partner: str
    period: str
    label: str
    unit: str
    decimals: int
    value: DecimalText | None
    value_display: str
    mom_pct: PercentText | None
    mom_display: str | None
    yoy_pct: PercentText | None
    yoy_display: str | None
    ytd: DecimalText | None
    ytd_display: str | None
    ytd_yoy_pct: PercentText | None
    ytd_yoy_display: str | None
    changes: Changes
    destinations: list[DeclaredDestination]
    monitor: MonitorRead | None
    published: PublishedFigure | None


class FileImported(Out):
    file: str
    kind: str
    sha256: str
    rows: int
    added: int
    revised: int
    unchanged: int
    import_id: str | None
    notes: list[str]


class StatisticsImported(Out):
    changed: bool
    files: list[FileImported]


class ImportRecord(Out):
    id: str
    kind: str
    file: str
    sha256: str
    rows: int
    added: int
    revised: int
    unchanged: int
    imported_at: TimeText
    imported_by: str
