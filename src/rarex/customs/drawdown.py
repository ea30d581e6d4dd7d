"""Drawing license balances down and restoring them, and counting cleared goods in the
monthly aggregates, all inside the caller's transaction.

Concurrency: the license row and its lines are locked (``SELECT … FOR UPDATE`` on PostgreSQL)
and re-read before any balance is compared, so two declarations against one license take
turns; on SQLite the writer opens its transaction with ``BEGIN IMMEDIATE`` (API and CLI do;
others use ``customs.uow.write_unit_of_work``), which serialises writers. The database's CHECK
``remaining_kg >= 0`` is the last guard: code that got this wrong would fail, not overdraw.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from rarex.customs import repository
from rarex.customs.facts import LicenseFacts, LicenseLineFacts, Party
from rarex.customs.repository import AggregateKey
from rarex.customs.states import LineStatus
from rarex.errors import Conflict
from rarex.models import License, LicenseLine
from rarex.models.customs import Declaration, DeclarationLine, LicenseDrawdown
from rarex.parties import service as parties


@dataclass
class LockedLicense:
    license: License
    lines: list[LicenseLine]

    def line(self, line_id: uuid.UUID | None) -> LicenseLine | None:
        return next((ln for ln in self.lines if ln.id == line_id), None)

    def line_no(self, line_no: int | None) -> LicenseLine | None:
        return next((ln for ln in self.lines if ln.line_no == line_no), None)


def lock_license(session: Session, *, number: str | None) -> LockedLicense | None:
    """The license with this number and its lines, locked; None when none has the number."""
    if number is None:
        return None
    license_ = repository.license_by_number(session, number, lock=True)
    if license_ is None:
        return None
    return LockedLicense(license_, repository.license_lines(session, license_.id, lock=True))


def lock_license_id(session: Session, license_id: uuid.UUID | None) -> LockedLicense | None:
    if license_id is None:
        return None
    license_ = repository.license_by_id(session, license_id, lock=True)
    return LockedLicense(license_, repository.license_lines(session, license_.id, lock=True))


def license_facts(session: Session, locked: LockedLicense | None) -> LicenseFacts | None:
    if locked is None:
        return None
    license_ = locked.license
    consignee = parties.get_foreign_party(session, party_id=license_.consignee_id)
    end_user = parties.get_foreign_party(session, party_id=license_.end_user_id)
    return LicenseFacts(
        number=license_.number,
        exporter_id=license_.exporter_id,
        license_type=license_.license_type,
        status=license_.status,
        valid_from=license_.valid_from,
        valid_until=license_.valid_until,
        destination=license_.destination,
        consignee=Party(consignee.name, consignee.country),
        end_user=Party(end_user.name, end_user.country),
        lines=tuple(
            LicenseLineFacts(
                line_no=ln.line_no,
                control_code=ln.control_code,
                hs_code=ln.hs_code,
                remaining_kg=ln.remaining_kg,
            )
            for ln in locked.lines
        ),
    )


@dataclass
class AggregateChanges:
    """Signed aggregate deltas of one step, written together by ``flush``.

    Cells are written in key order, so two transactions touching the same cells lock them in
    the same order and cannot deadlock each other. A cell something is taken out of exists
    already (it was counted in when the line cleared) and is adjusted in place; any other is
    created on first use.
    """

    deltas: dict[AggregateKey, tuple[Decimal, Decimal, int]] = field(default_factory=dict)
    existing: set[AggregateKey] = field(default_factory=set)

    def count(self, declaration: Declaration, line: DeclarationLine, on: date, sign: int) -> None:
        key = AggregateKey(
            period=on.strftime("%Y-%m"),
            series=line.series,
            element=line.element or "",
            hs_code=line.hs_code,
            destination=declaration.destination,
            currency=line.currency,
        )
        if sign < 0:
            self.existing.add(key)
        kg, value, lines = self.deltas.get(key, (Decimal(0), Decimal(0), 0))
        self.deltas[key] = (kg + sign * line.net_kg, value + sign * line.fob_value, lines + sign)

    def flush(self, session: Session) -> None:
        for key in sorted(self.deltas, key=repository.aggregate_sort_key):
            kg, value, lines = self.deltas[key]
            if kg == 0 and value == 0 and lines == 0:
                continue
            if key in self.existing:
                repository.adjust_aggregate(session, key, kg=kg, value=value, lines=lines)
            else:
                repository.add_to_aggregate(session, key, kg=kg, value=value, lines=lines)
        self.deltas, self.existing = {}, set()


def clear(
    session: Session,
    *,
    declaration: Declaration,
    line: DeclarationLine,
    license_line: LicenseLine | None,
    on: date,
    actor_label: str,
    now: datetime,
    changes: AggregateChanges,
) -> None:
    """Clear the line: draw its kilograms (when it needs a license) and count it in ``on``'s
    month. The caller has checked the balance under the lock; this re-checks, so an error can
    only ever refuse, never overdraw."""
    if line.controlled:
        if license_line is None:
            raise Conflict(
                f"line {line.line_no} is controlled and has no license line to draw from",
                code="customs.item_not_covered",
                line=line.line_no,
            )
        if line.net_kg > license_line.remaining_kg:
            raise Conflict(
                f"line {line.line_no}: {line.net_kg} kg exceeds the {license_line.remaining_kg} "
                f"kg remaining on license line {license_line.line_no}",
                code="customs.quantity_exceeded",
                line=line.line_no,
                requested_kg=str(line.net_kg),
                remaining_kg=str(license_line.remaining_kg),
            )
        license_line.remaining_kg = license_line.remaining_kg - line.net_kg
        line.drawn_kg = line.net_kg
        session.add(
            LicenseDrawdown(
                license_line_id=license_line.id,
                declaration_line_id=line.id,
                kind="draw",
                kg=line.net_kg,
                at=now,
                actor=actor_label,
            )
        )
    line.status = LineStatus.CLEARED.value
    line.cleared_on = on
    changes.count(declaration, line, on, +1)


def unclear(
    session: Session,
    *,
    declaration: Declaration,
    line: DeclarationLine,
    license_line: LicenseLine | None,
    actor_label: str,
    now: datetime,
    changes: AggregateChanges,
) -> Decimal:
    """Take a cleared line back out: restore what it drew and uncount it. Returns the kg
    restored. The caller sets the line's new status."""
    restored = line.drawn_kg
    if restored > 0:
        if license_line is None:
            raise RuntimeError(f"line {line.line_no} drew {restored} kg from no license line")
        license_line.remaining_kg = license_line.remaining_kg + restored
        session.add(
            LicenseDrawdown(
                license_line_id=license_line.id,
                declaration_line_id=line.id,
                kind="restore",
                kg=-restored,
                at=now,
                actor=actor_label,
            )
        )
        line.drawn_kg = Decimal(0)
    if line.cleared_on is not None:
        changes.count(declaration, line, line.cleared_on, -1)
    line.cleared_on = None
    return restored


def cancel_lines(
    session: Session,
    *,
    declaration: Declaration,
    lines: list[DeclarationLine],
    locked: LockedLicense | None,
    actor_label: str,
    now: datetime,
    changes: AggregateChanges,
) -> list[dict[str, object]]:
    """Cancel every line, restoring what the cleared ones drew; returns what was restored per
    line (amendments cancel the old lines this way, cancellations all of them)."""
    restored: list[dict[str, object]] = []
    for line in lines:
        if line.status == LineStatus.CLEARED.value:
            kg = unclear(
                session,
                declaration=declaration,
                line=line,
                license_line=locked.line(line.license_line_id) if locked else None,
                actor_label=actor_label,
                now=now,
                changes=changes,
            )
            restored.append({"line_no": line.line_no, "kg": kg})
        line.status = LineStatus.CANCELLED.value
    return restored


def refresh_license_status(locked: LockedLicense | None) -> str | None:
    """A single license is exhausted at zero balance and active again when a restoration gives
    some back; a general license stays active at zero. Returns the new status if it changed."""
    if locked is None or locked.license.license_type != "single":
        return None
    license_ = locked.license
    empty = all(ln.remaining_kg == 0 for ln in locked.lines)
    if license_.status == "active" and empty:
        license_.status = "exhausted"
        return "exhausted"
    if license_.status == "exhausted" and not empty:
        license_.status = "active"
        return "active"
    return None
