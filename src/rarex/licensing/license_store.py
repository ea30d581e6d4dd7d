"""Licenses locked for a unit of work, and their changed balances and statuses written back.

The one place license rows change after issue: a drawdown, a restoration, an officer's
suspension. The lock is one statement per unit of work, whether it holds one license for a
declaration or a hundred for a file chunk: the licenses and their lines, with the consignee
and end user, ``FOR UPDATE`` in number order so two units of work never wait for each other
crosswise. On SQLite the writer's ``BEGIN IMMEDIATE`` serialises them instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, or_, select, update
from sqlalchemy.orm import Session

from rarex.licensing.license_states import HeldLicense, HeldLine, LicenseStatus
from rarex.models import Company, ForeignParty, License, LicenseLine

_LICENSES = cast(Table, License.__table__)
_LINES = cast(Table, LicenseLine.__table__)


def _lock_query() -> Any:
    # Core columns, not ORM attributes: the statement runs on every clearance, and a Core
    # select skips the ORM's per-execution set-up.
    companies = cast(Table, Company.__table__)
    parties = cast(Table, ForeignParty.__table__)
    consignee = parties.alias("consignee")
    end_user = parties.alias("end_user")
    lic, line = _LICENSES.c, _LINES.c
    # Licenses by number (cited by a declaration) or by one of their lines (drawn from by a
    # declaration line that is being held, cancelled or amended).
    by_line = select(_LINES.c.license_id).where(
        _LINES.c.id.in_(bindparam("line_ids", expanding=True))
    )
    return (
        select(
            lic.id,
            lic.number,
            lic.exporter_id,
            companies.c.uscc,
            lic.license_type,
            lic.status,
            lic.valid_from,
            lic.valid_until,
            lic.destination,
            consignee.c.name,
            consignee.c.country,
            end_user.c.name,
            end_user.c.country,
            line.id,
            line.line_no,
            line.control_code,
            line.hs_code,
            line.remaining_kg,
            line.granted_kg,
        )
        .select_from(
            _LICENSES.join(_LINES, line.license_id == lic.id)
            .join(companies, companies.c.id == lic.exporter_id)
            .join(consignee, consignee.c.id == lic.consignee_id)
            .join(end_user, end_user.c.id == lic.end_user_id)
        )
        .where(
            or_(
                lic.number.in_(bindparam("numbers", expanding=True)),
                lic.id.in_(by_line.scalar_subquery()),
            )
        )
        .order_by(lic.number, line.line_no)
        .with_for_update(of=[_LICENSES, _LINES])
    )


# Built once: the statement is on every clearance's path, and building it costs more than
# executing its cached compiled form.
_LOCK = _lock_query()


def lock_licenses(
    session: Session, *, numbers: Iterable[str] = (), line_ids: Iterable[uuid.UUID] = ()
) -> dict[str, HeldLicense]:
    """The licenses with these numbers, or holding these lines, locked and read in one
    statement (by number). Unknown numbers are simply absent."""
    wanted = sorted(set(numbers))
    lines = sorted(set(line_ids))
    if not wanted and not lines:
        return {}
    return _held(session.execute(_LOCK, {"numbers": wanted, "line_ids": lines}))


def _held(rows: Iterable[Sequence[Any]]) -> dict[str, HeldLicense]:
    held: dict[str, HeldLicense] = {}
    for row in rows:
        license_ = held.get(row[1])
        if license_ is None:
            license_ = held[row[1]] = HeldLicense(
                id=row[0],
                number=row[1],
                exporter_id=row[2],
                exporter_uscc=row[3],
                license_type=row[4],
                status=LicenseStatus(row[5]),
                valid_from=row[6],
                valid_until=row[7],
                destination=row[8],
                consignee=(row[9], row[10]),
                end_user=(row[11], row[12]),
            )
        license_.lines.append(HeldLine(row[13], row[14], row[15], row[16], row[17], row[18]))
    return held


_SET_BALANCE = (
    update(_LINES)
    .where(_LINES.c.id == bindparam("line_id"))
    .values(remaining_kg=bindparam("remaining", type_=_LINES.c.remaining_kg.type))
)
_SET_STATUS = (
    update(_LICENSES)
    .where(_LICENSES.c.id == bindparam("license_id"))
    .values(status=bindparam("new_status"))
)


def store(session: Session, licenses: Iterable[HeldLicense]) -> None:
    """Write the balances and statuses changed since the lock (the rows are locked: absolute
    values are safe, and the CHECK constraints still refuse a negative balance)."""
    balances: list[dict[str, Any]] = []
    statuses: list[dict[str, Any]] = []
    for license_ in licenses:
        balances.extend(
            {"line_id": ln.id, "remaining": ln.remaining_kg} for ln in license_.lines if ln.changed
        )
        if license_.status_changed:
            statuses.append({"license_id": license_.id, "new_status": license_.status.value})
        for ln in license_.lines:
            ln.changed = False
        license_.status_changed = False
    if balances:
        session.execute(_SET_BALANCE, balances)
    if statuses:
        session.execute(_SET_STATUS, statuses)
    if balances or statuses:
        # Objects the session loaded before (views, the license just issued) read again.
        for obj in list(session.identity_map.values()):
            if isinstance(obj, License | LicenseLine):
                session.expire(obj)
