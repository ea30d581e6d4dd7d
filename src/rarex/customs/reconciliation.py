"""Reconciliation: what licenses granted against what customs drew and what was declared,
and each month's licensed exports against all cleared exports (and, given the figure, the
published total).

Flags name their own code and evidence, so a report can be read without the code:

* ``customs.balance_mismatch``: a license line's granted minus remaining is not what its
  drawdown ledger and its cleared declaration lines say was drawn;
* ``customs.over_shipment_attempt``: a line was refused for exceeding the balance;
* ``customs.unlicensed_attempt``: controlled goods were declared without a usable license
  (none, unknown, someone else's, expired, not active, not covering them);
* ``customs.unlicensed_controlled_cleared``: controlled goods cleared with nothing drawn
  (cannot happen through this code: its appearance means data was changed behind it);
* ``customs.destination_without_license``: controlled goods declared for a destination no
  license valid in the month names;
* ``customs.aggregate_mismatch``: the monthly aggregates disagree with the cleared lines;
* ``customs.published_difference``: cleared exports differ from the published figure by
  more than the tolerance.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, require_role
from rarex.customs import ledger, repository
from rarex.customs.access import LICENSE_REPORT_ROLES, MONTHLY_REPORT_ROLES
from rarex.customs.ledger import DeclaredLine
from rarex.customs.repository import check_period
from rarex.customs.series import Series
from rarex.customs.states import LineStatus
from rarex.customs.validation import normalise_number
from rarex.errors import InvalidInput, NotFound
from rarex.models import Company
from rarex.parties import service as parties

UNLICENSED_REASONS = frozenset(
    {
        "customs.license_required",
        "customs.license_not_found",
        "customs.license_wrong_exporter",
        "customs.license_expired",
        "customs.license_not_yet_valid",
        "customs.license_not_active",
        "customs.license_exhausted",
        "customs.item_not_covered",
    }
)
OVER_SHIPMENT = "customs.quantity_exceeded"
_TONNE = Decimal(1000)


@dataclass(frozen=True, slots=True)
class Flag:
    code: str
    message: str
    count: int = 0
    kg: Decimal = Decimal(0)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "count": self.count,
            "kg": str(self.kg),
            "details": self.details,
        }


@dataclass(frozen=True, slots=True)
class LicenseLineBalance:
    line_no: int
    control_code: str
    hs_code: str
    granted_kg: Decimal
    remaining_kg: Decimal
    drawn_kg: Decimal  # granted - remaining
    ledger_kg: Decimal  # sum of the drawdown ledger
    cleared_kg: Decimal  # what cleared declaration lines hold drawn now

    @property
    def consistent(self) -> bool:
        return self.drawn_kg == self.ledger_kg == self.cleared_kg

    def to_dict(self) -> dict[str, Any]:
        return {
            "line_no": self.line_no,
            "control_code": self.control_code,
            "hs_code": self.hs_code,
            "granted_kg": str(self.granted_kg),
            "remaining_kg": str(self.remaining_kg),
            "drawn_kg": str(self.drawn_kg),
            "ledger_kg": str(self.ledger_kg),
            "cleared_kg": str(self.cleared_kg),
            "consistent": self.consistent,
        }


@dataclass(frozen=True, slots=True)
class LicenseReconciliation:
    number: str
    exporter_uscc: str
    license_type: str
    status: str
    destination: str
    valid_from: date
    valid_until: date
    granted_kg: Decimal
    drawn_kg: Decimal
    declared_kg: Decimal  # current, not cancelled lines of declarations citing the license
    held_kg: Decimal
    refused_kg: Decimal
    declarations: int
    lines: tuple[LicenseLineBalance, ...]
    flags: tuple[Flag, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "exporter_uscc": self.exporter_uscc,
            "license_type": self.license_type,
            "status": self.status,
            "destination": self.destination,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "granted_kg": str(self.granted_kg),
            "drawn_kg": str(self.drawn_kg),
            "remaining_kg": str(self.granted_kg - self.drawn_kg),
            "declared_kg": str(self.declared_kg),
            "held_kg": str(self.held_kg),
            "refused_kg": str(self.refused_kg),
            "declarations": self.declarations,
            "lines": [line.to_dict() for line in self.lines],
            "flags": [flag.to_dict() for flag in self.flags],
        }


def reconcile_licenses(
    session: Session, *, actor: Actor, number: str | None = None
) -> list[LicenseReconciliation]:
    """Per license: granted vs drawn vs declared, with the flags above."""
    require_role(actor, *LICENSE_REPORT_ROLES, action="reconcile licenses")
    wanted = normalise_number(number) if number is not None else None
    licenses = ledger.licenses_for_report(session, number=wanted)
    if wanted is not None and not licenses:
        raise NotFound(f"license {number} not found", code="license.not_found")
    ids = [lic.id for lic in licenses]
    lines_by_license = defaultdict(list)
    for ln in ledger.license_lines_of(session, ids):
        lines_by_license[ln.license_id].append(ln)
    ledgered = ledger.ledger_totals(
        session, (ln.id for lns in lines_by_license.values() for ln in lns)
    )
    declared_by_license: dict[Any, list[DeclaredLine]] = defaultdict(list)
    for citing in ledger.lines_citing_licenses(session, ids):
        declared_by_license[citing.license_id].append(citing)
    companies = _companies(session, {lic.exporter_id for lic in licenses})
    reports = []
    for lic in licenses:
        declared = declared_by_license[lic.id]
        cleared_by_line: dict[Any, Decimal] = defaultdict(Decimal)
        for d in declared:
            if d.license_line_id is not None:
                cleared_by_line[d.license_line_id] += d.drawn_kg
        balances = tuple(
            LicenseLineBalance(
                line_no=ln.line_no,
                control_code=ln.control_code,
                hs_code=ln.hs_code,
                granted_kg=ln.granted_kg,
                remaining_kg=ln.remaining_kg,
                drawn_kg=ln.granted_kg - ln.remaining_kg,
                ledger_kg=ledgered.get(ln.id, Decimal(0)).quantize(Decimal("0.001")),
                cleared_kg=cleared_by_line[ln.id].quantize(Decimal("0.001")),
            )
            for ln in lines_by_license[lic.id]
        )
        # Goods that need no license are not declared against it, even on a declaration
        # that cites it.
        live = [
            d for d in declared if d.current and d.controlled and d.status != LineStatus.CANCELLED
        ]
        flags = []
        broken = [b.line_no for b in balances if not b.consistent]
        if broken:
            flags.append(
                Flag(
                    "customs.balance_mismatch",
                    f"license lines {broken}: granted minus remaining differs from the "
                    "drawdown ledger or the cleared declarations",
                    count=len(broken),
                    details={"lines": broken},
                )
            )
        flags.extend(_attempt_flags(declared))
        reports.append(
            LicenseReconciliation(
                number=lic.number,
                exporter_uscc=companies.get(lic.exporter_id, "?"),
                license_type=lic.license_type,
                status=lic.status,
                destination=lic.destination,
                valid_from=lic.valid_from,
                valid_until=lic.valid_until,
                granted_kg=_sum(b.granted_kg for b in balances),
                drawn_kg=_sum(b.drawn_kg for b in balances),
                declared_kg=_sum(d.net_kg for d in live),
                held_kg=_sum(d.net_kg for d in live if d.status == LineStatus.HELD),
                refused_kg=_sum(d.net_kg for d in live if d.status == LineStatus.REFUSED),
                declarations=len({d.declaration_number for d in declared}),
                lines=balances,
                flags=tuple(flags),
            )
        )
    return reports


@dataclass(frozen=True, slots=True)
class PublishedComparison:
    series: str
    published_t: Decimal
    cleared_t: Decimal
    difference_t: Decimal
    difference_pct: Decimal | None
    tolerance_pct: Decimal

    @property
    def flagged(self) -> bool:
        if self.difference_pct is None:
            return self.cleared_t != 0
        return abs(self.difference_pct) > self.tolerance_pct

    def to_dict(self) -> dict[str, Any]:
        return {
            "series": self.series,
            "published_t": str(self.published_t),
            "cleared_t": str(self.cleared_t),
            "difference_t": str(self.difference_t),
            "difference_pct": None if self.difference_pct is None else str(self.difference_pct),
            "tolerance_pct": str(self.tolerance_pct),
            "flagged": self.flagged,
        }


def compare_with_published(
    series: str,
    *,
    cleared_kg: Decimal,
    published_t: Decimal,
    tolerance_pct: Decimal = Decimal("0.5"),
) -> PublishedComparison:
    """Cleared exports (kg) against a published figure (tonnes), as the statistics room
    passes it. Pure. The difference is cleared minus published; its percentage is of the
    published figure, rounded to 0.01 only for the report."""
    cleared_t = cleared_kg / _TONNE
    difference = cleared_t - published_t
    pct = None if published_t == 0 else (difference / published_t * 100).quantize(Decimal("0.01"))
    return PublishedComparison(
        series=series,
        published_t=published_t,
        cleared_t=cleared_t,
        difference_t=difference,
        difference_pct=pct,
        tolerance_pct=tolerance_pct,
    )


@dataclass(frozen=True, slots=True)
class MonthReconciliation:
    period: str
    cleared_kg: Decimal
    cleared_by_series: dict[str, Decimal]
    licensed_kg: Decimal  # cleared lines that drew on a license
    unlicensed_kg: Decimal  # cleared lines of goods not controlled on their declared date
    declarations: int
    flags: tuple[Flag, ...]
    published: tuple[PublishedComparison, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "cleared_kg": str(self.cleared_kg),
            "cleared_by_series": {k: str(v) for k, v in sorted(self.cleared_by_series.items())},
            "licensed_kg": str(self.licensed_kg),
            "not_controlled_kg": str(self.unlicensed_kg),
            "declarations": self.declarations,
            "flags": [flag.to_dict() for flag in self.flags],
            "published": [p.to_dict() for p in self.published],
        }


def reconcile_month(
    session: Session,
    *,
    actor: Actor,
    period: str,
    published_t: Mapping[str, Decimal] | None = None,
    tolerance_pct: Decimal = Decimal("0.5"),
) -> MonthReconciliation:
    """One month: cleared exports (month of clearance) from the aggregates, licensed against
    not controlled, attempts in the month (month of declaration) and destinations without a
    license. ``published_t`` maps a series (``rare_earths``, ``magnets``) to its published
    figure in tonnes, supplied by the statistics room; each is compared with what cleared."""
    require_role(actor, *MONTHLY_REPORT_ROLES, action="reconcile a month")
    for series, tonnes in (published_t or {}).items():
        # A published figure is in tonnes to the kilogram at most: finer is no publication,
        # and its percentage difference would run past any precision.
        if tonnes != tonnes.quantize(Decimal("0.001"), rounding=ROUND_DOWN):
            raise InvalidInput(
                f"the published {series} figure {tonnes} t has more than 3 decimals (kg)",
                code="customs.invalid_published_figure",
                field=f"published_{series}_t",
            )
    start, end = month_bounds(period)
    by_series = {
        t.key: t.net_kg for t in repository.monthly_totals(session, period=period, by="series")
    }
    cleared = ledger.lines_cleared_between(session, start, end)
    declared = ledger.lines_declared_between(session, start, end)
    flags = list(_attempt_flags(declared))
    sneaked = [d for d in cleared if d.controlled and d.drawn_kg == 0]
    if sneaked:
        flags.append(
            Flag(
                "customs.unlicensed_controlled_cleared",
                "controlled goods stand cleared with nothing drawn from a license",
                count=len(sneaked),
                kg=_sum(d.net_kg for d in sneaked),
                details={"declarations": sorted({d.declaration_number for d in sneaked})},
            )
        )
    scanned = _sum(d.net_kg for d in cleared)
    if scanned != _sum(by_series.values()):
        flags.append(
            Flag(
                "customs.aggregate_mismatch",
                f"the monthly aggregates hold {_sum(by_series.values())} kg, the cleared "
                f"declaration lines {scanned} kg",
                kg=scanned - _sum(by_series.values()),
            )
        )
    licensed_places = ledger.license_destinations_valid_between(session, start, end)
    strays: dict[str, list[DeclaredLine]] = defaultdict(list)
    for d in declared:
        live = d.current and d.controlled and d.status != LineStatus.CANCELLED
        if live and d.destination not in licensed_places:
            strays[d.destination].append(d)
    if strays:
        flags.append(
            Flag(
                "customs.destination_without_license",
                f"controlled goods declared for {', '.join(sorted(strays))}, which no license "
                f"valid in {period} names",
                count=sum(len({d.declaration_number for d in ds}) for ds in strays.values()),
                kg=_sum(d.net_kg for ds in strays.values() for d in ds),
                details={
                    "destinations": {
                        dest: str(_sum(d.net_kg for d in ds)) for dest, ds in sorted(strays.items())
                    }
                },
            )
        )
    comparisons = []
    for series, figure in sorted((published_t or {}).items()):
        comparison = compare_with_published(
            series,
            cleared_kg=by_series.get(series, Decimal(0)),
            published_t=figure,
            tolerance_pct=tolerance_pct,
        )
        comparisons.append(comparison)
        if comparison.flagged:
            flags.append(
                Flag(
                    "customs.published_difference",
                    f"{series}: {comparison.cleared_t} t cleared against {figure} t published",
                    details=comparison.to_dict(),
                )
            )
    return MonthReconciliation(
        period=period,
        cleared_kg=_sum(by_series.values()),
        cleared_by_series={s.value: by_series.get(s.value, Decimal(0)) for s in Series},
        licensed_kg=_sum(d.net_kg for d in cleared if d.drawn_kg > 0),
        unlicensed_kg=_sum(d.net_kg for d in cleared if not d.controlled),
        declarations=len({d.declaration_number for d in declared}),
        flags=tuple(flags),
        published=tuple(comparisons),
    )


def month_bounds(period: str) -> tuple[date, date]:
    check_period(period)
    year, month = int(period[:4]), int(period[5:])
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _attempt_flags(declared: Iterable[DeclaredLine]) -> list[Flag]:
    """Attempts are counted by the outcome when declared, every revision included: amending
    an over-shipment away does not unmake the attempt."""
    over = [
        d for d in declared if d.outcome == LineStatus.REFUSED and OVER_SHIPMENT in d.reason_codes
    ]
    unlicensed = [
        d
        for d in declared
        if d.outcome == LineStatus.REFUSED and d.controlled and d.reason_codes & UNLICENSED_REASONS
    ]
    flags = []
    if over:
        flags.append(
            Flag(
                "customs.over_shipment_attempt",
                "lines refused for exceeding the license balance",
                count=len(over),
                kg=_sum(d.net_kg for d in over),
                details={"declarations": sorted({d.declaration_number for d in over})},
            )
        )
    if unlicensed:
        codes = sorted({c for d in unlicensed for c in d.reason_codes & UNLICENSED_REASONS})
        flags.append(
            Flag(
                "customs.unlicensed_attempt",
                "controlled goods declared without a usable license",
                count=len(unlicensed),
                kg=_sum(d.net_kg for d in unlicensed),
                details={
                    "declarations": sorted({d.declaration_number for d in unlicensed}),
                    "reasons": codes,
                },
            )
        )
    return flags


def _companies(session: Session, ids: set[Any]) -> dict[Any, str]:
    found: dict[Any, str] = {}
    for company_id in ids:
        company: Company = parties.get_company(session, company_id=company_id)
        found[company_id] = company.uscc
    return found


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, Decimal(0))
