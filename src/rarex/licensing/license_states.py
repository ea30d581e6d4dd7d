"""Where a license stands, and the only ways its status and balances change. Pure.

The licensing room owns the license: it issues it, and every later change (a drawdown, a
restoration, a suspension) goes through this table. Customs asks for a draw or a restoration
on a ``HeldLicense`` (read and locked by ``licensing.license_store``) and never writes a
license row itself.

*Expired* is not stored: it is read off the validity date on the day asked
(``standing``), so no job has to run at midnight for the answer to be right.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from rarex.errors import Conflict, InvalidTransition


class LicenseStatus(StrEnum):
    ACTIVE = "active"
    # A single license whose whole balance has been exported; a restoration reopens it.
    EXHAUSTED = "exhausted"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    # Never stored: an active or exhausted license read on a day after its validity.
    EXPIRED = "expired"


STORED_STATUSES = (
    LicenseStatus.ACTIVE,
    LicenseStatus.EXHAUSTED,
    LicenseStatus.SUSPENDED,
    LicenseStatus.REVOKED,
)


class LicenseAction(StrEnum):
    EXHAUST = "exhaust"
    REPLENISH = "replenish"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    REVOKE = "revoke"


# Taken by a licensing officer or an administrator, with a reason; the other two follow the
# balance and are never asked for.
OFFICER_ACTIONS = (LicenseAction.SUSPEND, LicenseAction.REINSTATE, LicenseAction.REVOKE)

TRANSITIONS: dict[LicenseStatus, dict[LicenseAction, LicenseStatus]] = {
    LicenseStatus.ACTIVE: {
        LicenseAction.EXHAUST: LicenseStatus.EXHAUSTED,
        LicenseAction.SUSPEND: LicenseStatus.SUSPENDED,
        LicenseAction.REVOKE: LicenseStatus.REVOKED,
    },
    LicenseStatus.EXHAUSTED: {
        LicenseAction.REPLENISH: LicenseStatus.ACTIVE,
        LicenseAction.SUSPEND: LicenseStatus.SUSPENDED,
        LicenseAction.REVOKE: LicenseStatus.REVOKED,
    },
    # Reinstating lands on active; ``settle`` then says exhausted if the balance is gone.
    LicenseStatus.SUSPENDED: {
        LicenseAction.REINSTATE: LicenseStatus.ACTIVE,
        LicenseAction.REVOKE: LicenseStatus.REVOKED,
    },
    LicenseStatus.REVOKED: {},
    LicenseStatus.EXPIRED: {},
}


def next_status(current: LicenseStatus, action: LicenseAction, *, number: str) -> LicenseStatus:
    """The status after ``action``; raises ``license.illegal_transition`` naming what is allowed."""
    moves = TRANSITIONS[current]
    if action not in moves:
        allowed = ", ".join(a.value for a in moves if a in OFFICER_ACTIONS) or "nothing"
        raise InvalidTransition(
            f"license {number} is {current.value}: cannot {action.value} it (allowed: {allowed})",
            code="license.illegal_transition",
            license=number,
            status=current.value,
            action=action.value,
        )
    return moves[action]


def settle(status: LicenseStatus, *, license_type: str, empty: bool) -> LicenseStatus:
    """The status the balance calls for: a single license is exhausted at zero and active again
    when a restoration gives some back; a general license stays active at zero. Suspended and
    revoked licenses stay as they are whatever their balance."""
    if license_type != "single":
        return status
    if status is LicenseStatus.ACTIVE and empty:
        return next_status(status, LicenseAction.EXHAUST, number="")
    if status is LicenseStatus.EXHAUSTED and not empty:
        return next_status(status, LicenseAction.REPLENISH, number="")
    return status


def standing(status: LicenseStatus, *, valid_until: date, on: date | None) -> LicenseStatus:
    """The status as read on ``on``: past its validity, a license that could still be used
    reads as expired (a suspended or revoked one keeps saying why it cannot)."""
    if (
        on is not None
        and valid_until < on
        and status in (LicenseStatus.ACTIVE, LicenseStatus.EXHAUSTED)
    ):
        return LicenseStatus.EXPIRED
    return status


@dataclass
class HeldLine:
    id: uuid.UUID
    line_no: int
    control_code: str
    hs_code: str
    remaining_kg: Decimal
    granted_kg: Decimal
    changed: bool = False


@dataclass
class HeldLicense:
    """A license locked for the rest of the unit of work: its balances as they stand, and as
    this unit of work draws and restores them. ``license_store.store`` writes what changed."""

    id: uuid.UUID
    number: str
    exporter_id: uuid.UUID
    exporter_uscc: str
    license_type: str
    status: LicenseStatus
    valid_from: date
    valid_until: date
    destination: str
    consignee: tuple[str, str]
    end_user: tuple[str, str]
    lines: list[HeldLine] = field(default_factory=list)
    status_changed: bool = False

    def line_no(self, line_no: int | None) -> HeldLine | None:
        return next((ln for ln in self.lines if ln.line_no == line_no), None)

    def line(self, line_id: uuid.UUID | None) -> HeldLine | None:
        return next((ln for ln in self.lines if ln.id == line_id), None)

    def draw(self, line: HeldLine, kg: Decimal, *, for_line: int) -> LicenseStatus | None:
        """Take ``kg`` off ``line``. The clearance check compared them already; this checks
        again, so a mistake can only ever refuse the unit of work, never overdraw (the CHECK
        constraint is the last guard). Returns the new status when the draw changed it."""
        if kg <= 0:
            raise ValueError(f"a draw is positive, not {kg}")
        if self.status is not LicenseStatus.ACTIVE:
            raise Conflict(
                f"license {self.number} is {self.status.value}: nothing can be drawn from it",
                code="license.not_active",
                license=self.number,
                status=self.status.value,
            )
        if kg > line.remaining_kg:
            raise Conflict(
                f"line {for_line}: {kg} kg exceeds the {line.remaining_kg} kg remaining on "
                f"license {self.number} line {line.line_no}",
                code="customs.quantity_exceeded",
                line=for_line,
                requested_kg=str(kg),
                remaining_kg=str(line.remaining_kg),
            )
        line.remaining_kg -= kg
        line.changed = True
        return self._settle()

    def restore(self, line: HeldLine, kg: Decimal) -> LicenseStatus | None:
        """Give ``kg`` back to ``line`` (a cleared declaration line held or cancelled).
        Returns the new status when the restoration changed it."""
        if kg <= 0:
            raise ValueError(f"a restoration is positive, not {kg}")
        if line.remaining_kg + kg > line.granted_kg:
            raise Conflict(
                f"restoring {kg} kg to license {self.number} line {line.line_no} would give "
                f"back more than the {line.granted_kg} kg granted",
                code="license.restore_exceeds_grant",
                license=self.number,
            )
        line.remaining_kg += kg
        line.changed = True
        return self._settle()

    def act(self, action: LicenseAction) -> LicenseStatus:
        """An officer's step (suspend, reinstate, revoke); reinstating settles on the balance."""
        status = next_status(self.status, action, number=self.number)
        if action is LicenseAction.REINSTATE:
            status = settle(status, license_type=self.license_type, empty=self.empty)
        self.status = status
        self.status_changed = True
        return status

    @property
    def empty(self) -> bool:
        return all(ln.remaining_kg == 0 for ln in self.lines)

    def _settle(self) -> LicenseStatus | None:
        status = settle(self.status, license_type=self.license_type, empty=self.empty)
        if status is self.status:
            return None
        self.status = status
        self.status_changed = True
        return status
