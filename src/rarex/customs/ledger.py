"""Reads for reconciliation: the drawdown ledger, and declaration lines as evidence.

Kept apart from ``repository`` (which serves filing and the statistics room) because these
scan: a license's whole history, or one month's declarations. Reports call them, never a
clearance.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rarex.customs.states import LineStatus
from rarex.models import License, LicenseLine
from rarex.models.customs import Declaration, DeclarationLine, LicenseDrawdown


def ledger_totals(
    session: Session, license_line_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Decimal]:
    ids = list(set(license_line_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(LicenseDrawdown.license_line_id, func.sum(LicenseDrawdown.kg))
        .where(LicenseDrawdown.license_line_id.in_(ids))
        .group_by(LicenseDrawdown.license_line_id)
    )
    return {line_id: Decimal(total or 0) for line_id, total in rows}


@dataclass(frozen=True, slots=True)
class DeclaredLine:
    """A declaration line as reconciliation sees it."""

    declaration_number: str
    license_id: uuid.UUID | None
    license_line_id: uuid.UUID | None
    current: bool
    status: str
    outcome: str
    controlled: bool
    net_kg: Decimal
    drawn_kg: Decimal
    destination: str
    series: str
    reason_codes: frozenset[str]


# The license a line is under: the one its license line belongs to (an officer may release a
# line against a license other than the one its declaration cites), else the one cited.
_UNDER_LICENSE = func.coalesce(LicenseLine.license_id, Declaration.license_id)


def _declared_lines(session: Session, *conditions: Any) -> list[DeclaredLine]:
    rows = session.execute(
        select(
            Declaration.number,
            _UNDER_LICENSE,
            DeclarationLine.license_line_id,
            DeclarationLine.revision == Declaration.revision,
            DeclarationLine.status,
            DeclarationLine.outcome,
            DeclarationLine.controlled,
            DeclarationLine.net_kg,
            DeclarationLine.drawn_kg,
            Declaration.destination,
            DeclarationLine.series,
            DeclarationLine.reasons,
        )
        .join(Declaration, Declaration.id == DeclarationLine.declaration_id)
        .outerjoin(LicenseLine, LicenseLine.id == DeclarationLine.license_line_id)
        .where(*conditions)
    )
    return [
        DeclaredLine(
            declaration_number=row[0],
            license_id=row[1],
            license_line_id=row[2],
            current=bool(row[3]),
            status=row[4],
            outcome=row[5],
            controlled=bool(row[6]),
            net_kg=row[7],
            drawn_kg=row[8],
            destination=row[9],
            series=row[10],
            reason_codes=frozenset(r["code"] for r in row[11] or ()),
        )
        for row in rows
    ]


def lines_citing_licenses(session: Session, license_ids: Iterable[uuid.UUID]) -> list[DeclaredLine]:
    """Every line, of every revision, under these licenses (drawn from one, or on a
    declaration citing one)."""
    ids = list(set(license_ids))
    if not ids:
        return []
    return _declared_lines(session, _UNDER_LICENSE.in_(ids))


def lines_declared_between(session: Session, start: date, end: date) -> list[DeclaredLine]:
    """Every line, of every revision, of declarations declared from ``start`` to ``end``."""
    return _declared_lines(
        session, Declaration.declared_date >= start, Declaration.declared_date <= end
    )


def lines_cleared_between(session: Session, start: date, end: date) -> list[DeclaredLine]:
    """Lines standing cleared whose clearance day falls from ``start`` to ``end``."""
    return _declared_lines(
        session,
        DeclarationLine.status == LineStatus.CLEARED,
        DeclarationLine.cleared_on >= start,
        DeclarationLine.cleared_on <= end,
    )


def licenses_for_report(session: Session, *, number: str | None = None) -> list[License]:
    query = select(License).order_by(License.number)
    if number is not None:
        query = query.where(License.number == number)
    return list(session.scalars(query))


def license_lines_of(session: Session, license_ids: Iterable[uuid.UUID]) -> list[LicenseLine]:
    ids = list(set(license_ids))
    if not ids:
        return []
    return list(
        session.scalars(
            select(LicenseLine)
            .where(LicenseLine.license_id.in_(ids))
            .order_by(LicenseLine.license_id, LicenseLine.line_no)
        )
    )


def license_destinations_valid_between(session: Session, start: date, end: date) -> set[str]:
    """Destinations of licenses valid on at least one day from ``start`` to ``end``."""
    rows = session.scalars(
        select(License.destination)
        .where(License.valid_from <= end, License.valid_until >= start)
        .distinct()
    )
    return set(rows)
