"""Outcome figures of a partner's jurisdiction, by month and lane: what the partner counted in
the article ("about 2,000 EU applications, just over half approved"), computed from the cases.

The cases are the submitted ones whose destination, consignee or end user the jurisdiction
covered on the day they were filed (as the partner's views). By month and lane (the lane the
case is in now):

- ``received``: cases submitted in the month (the first submission of the case);
- ``decided``, ``approved``, ``denied``: cases decided in the month;
- ``approval_rate``: approved over decided, in per cent to one decimal (none when nothing was
  decided);
- ``median_working_days``, ``p90_working_days``: of the month's decisions, the statutory
  clock's working days from acceptance to decision (stops excluded; the median of an even count
  is the mean of the middle two, the 90th percentile the nearest rank: ``lane_stats``);
- ``open_past_due``: of the cases received in the month, those still open today and past their
  statutory due date.

A partner reads its own jurisdiction's figures; the licensing authority (and analysts) read any
partner desk's.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from openpyxl import Workbook  # type: ignore[import-untyped,unused-ignore]
from openpyxl.styles import Font  # type: ignore[import-untyped,unused-ignore]
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role, jurisdiction_of, require_role
from rarex.clock import Clock, authority_date
from rarex.config import Settings
from rarex.errors import Forbidden, InvalidInput
from rarex.jurisdictions import Jurisdiction
from rarex.licensing.clock_service import clocks_for
from rarex.licensing.lane_stats import median_working_days_by_lane
from rarex.licensing.states import OPEN
from rarex.models import Application, StateChange
from rarex.partners import repository

if TYPE_CHECKING:
    from rarex.statistics.outcome_chart import OutcomeBar

ALL_MONTHS: Final = "all"
LANES: Final = ("green", "ordinary")
COLUMNS: Final = (
    "partner", "month", "lane", "received", "decided", "approved", "denied", "approval_rate",
    "median_working_days", "p90_working_days", "open_past_due",
)  # fmt: skip
FORMATS: Final = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_OPEN: Final = frozenset(state.value for state in OPEN)


class OutcomeRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    month: str  # YYYY-MM, or "all" for the lane's totals
    lane: str
    received: int
    decided: int
    approved: int
    denied: int
    approval_rate: Decimal | None  # per cent, one decimal
    median_working_days: Decimal | None
    p90_working_days: Decimal | None
    open_past_due: int


class OutcomeReport(BaseModel):
    partner: str
    as_of: date
    rows: list[OutcomeRow]  # month by month, oldest first, green before ordinary
    totals: list[OutcomeRow]  # each lane over every month, then both lanes ("all")


@dataclass
class _Tally:
    received: int = 0
    decided: int = 0
    approved: int = 0
    denied: int = 0
    open_past_due: int = 0

    def __post_init__(self) -> None:
        self.days: list[int] = []


def partner_desks(session: Session) -> list[str]:
    """The jurisdictions of the active partner users: the desks the authority may look at."""
    return sorted(repository.partner_desks(session))


def _jurisdiction_for(actor: Actor, partner: str | None) -> Jurisdiction:
    own = jurisdiction_of(actor)
    if own is not None:
        if partner is not None and Jurisdiction.from_key(partner) != own:
            raise Forbidden(
                f"{actor.username} reads the figures of its own jurisdiction ({own.key}) only",
                code="partner.other_jurisdiction",
            )
        return own
    require_role(
        actor, Role.LICENSING_OFFICER, Role.ADMINISTRATOR, Role.ANALYST,
        action="read a partner's outcome figures",
    )  # fmt: skip
    return Jurisdiction.from_key(partner or "EU")


def outcome_figures(
    session: Session, *, actor: Actor, clock: Clock, settings: Settings, partner: str | None = None
) -> OutcomeReport:
    """The figures of the asker's jurisdiction (a partner), or of ``partner`` (a jurisdiction
    key such as "EU", for the authority; the EU when none is given)."""
    jurisdiction = _jurisdiction_for(actor, partner)
    today = authority_date(clock.now())
    cases = repository.submitted_cases_of(session, jurisdiction)
    clocks = clocks_for(session, cases, today=today, settings=settings)
    first_submitted = _first_submissions(session, cases)
    tallies: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    for case in cases:
        received = f"{first_submitted.get(case.id, authority_date(case.created_at)):%Y-%m}"
        tallies[(received, case.lane)].received += 1
        status = clocks[case.id].legal
        if case.state in _OPEN and status is not None and status.overdue:
            tallies[(received, case.lane)].open_past_due += 1
        if case.decided_on is not None and case.state in ("approved", "denied"):
            tally = tallies[(f"{case.decided_on:%Y-%m}", case.lane)]
            tally.decided += 1
            if case.state == "approved":
                tally.approved += 1
            else:
                tally.denied += 1
            if status is not None:
                tally.days.append(status.used)
    rows = [
        _row(month, lane, tallies[(month, lane)])
        for month in sorted({month for month, _ in tallies})
        for lane in LANES
        if (month, lane) in tallies
    ]
    totals = []
    for lane in (*LANES, ALL_MONTHS):
        merged = _Tally()
        for (_, row_lane), tally in tallies.items():
            if lane in (ALL_MONTHS, row_lane):
                for name in ("received", "decided", "approved", "denied", "open_past_due"):
                    setattr(merged, name, getattr(merged, name) + getattr(tally, name))
                merged.days.extend(tally.days)
        totals.append(_row(ALL_MONTHS, lane, merged))
    return OutcomeReport(partner=jurisdiction.key, as_of=today, rows=rows, totals=totals)


def _first_submissions(session: Session, cases: list[Application]) -> dict[object, date]:
    """Each case's first submission day (a case returned and submitted again was received
    once, when it first came)."""
    found: dict[object, date] = {}
    ids = [case.id for case in cases]
    for chunk in range(0, len(ids), 500):
        rows = session.execute(
            select(StateChange.application_id, StateChange.on_date)
            .where(
                StateChange.application_id.in_(ids[chunk : chunk + 500]),
                StateChange.action == "submit",
            )
            .order_by(StateChange.application_id, StateChange.seq)
        )
        for application_id, on_date in rows:
            found.setdefault(application_id, on_date)
    return found


def _row(month: str, lane: str, tally: _Tally) -> OutcomeRow:
    stats = median_working_days_by_lane((lane, days) for days in tally.days).get(lane)
    rate = (
        (Decimal(tally.approved) * 100 / tally.decided).quantize(Decimal("0.1"))
        if tally.decided
        else None
    )
    return OutcomeRow(
        month=month, lane=lane, received=tally.received, decided=tally.decided,
        approved=tally.approved, denied=tally.denied, approval_rate=rate,
        median_working_days=stats.median_working_days if stats else None,
        p90_working_days=stats.p90_working_days if stats else None,
        open_past_due=tally.open_past_due,
    )  # fmt: skip


def _table(report: OutcomeReport) -> list[list[object]]:
    return [
        [report.partner, *(getattr(row, column) for column in COLUMNS[1:])]
        for row in (*report.rows, *report.totals)
    ]


def outcomes_csv(report: OutcomeReport) -> bytes:
    """The figures as CSV: a header, a row per month and lane, then the totals ("all")."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in _table(report):
        writer.writerow(["" if value is None else str(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def outcomes_xlsx(report: OutcomeReport) -> bytes:
    """The same table as a workbook, numbers as numbers, with how each column is defined."""
    book = Workbook()
    sheet = book.active
    sheet.title = "outcomes"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _table(report):
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    notes = book.create_sheet("notes")
    notes.append([f"Outcome figures of {report.partner} as of {report.as_of.isoformat()}"])
    for line in (__doc__ or "").strip().splitlines():
        notes.append([line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def chart_bars(report: OutcomeReport, *, last: int = 12) -> list[OutcomeBar]:
    """Both lanes together, the last ``last`` months with something to show, oldest first."""
    from rarex.statistics.outcome_chart import OutcomeBar  # matplotlib: only when drawing

    months: dict[str, list[int]] = {}
    for row in report.rows:
        counts = months.setdefault(row.month, [0, 0, 0])
        counts[0] += row.received
        counts[1] += row.approved
        counts[2] += row.denied
    return [OutcomeBar(month, *months[month]) for month in sorted(months)[-last:]]


def english_chart(report: OutcomeReport) -> bytes:
    """The chart with English words (the API's; the pages write it in their language)."""
    from rarex.statistics.outcome_chart import OutcomeChartText, outcome_chart

    bars = chart_bars(report)
    total = next(t for t in report.totals if t.lane == ALL_MONTHS)
    return outcome_chart(
        bars,
        OutcomeChartText(
            lang="en",
            title=f"Applications of {report.partner}: received and decided, by month",
            description=(
                f"{total.received} received, {total.approved} approved, {total.denied} denied "
                f"as of {report.as_of.isoformat()}."
            ),
            value_axis="Applications",
            received="Received",
            approved="Approved",
            denied="Denied",
            source="Source: applications recorded in Rarex.",
            empty="No application yet.",
            ticks=tuple(bar.month for bar in bars),
        ),
    )


def outcome_download(report: OutcomeReport, fmt: str) -> tuple[bytes, str, str]:
    """The figures as a file: its bytes, media type and name; an unknown format is refused."""
    if fmt not in FORMATS:
        raise InvalidInput(
            f"unknown format {fmt!r}; known: {', '.join(FORMATS)}",
            code="outcomes.unknown_format", field="format",
        )  # fmt: skip
    content = outcomes_csv(report) if fmt == "csv" else outcomes_xlsx(report)
    name = "-".join(report.partner.replace("+", " ").split()).lower()
    return content, FORMATS[fmt], f"rarex-outcomes-{name}-{report.as_of.isoformat()}.{fmt}"
