"""The facts a clearance check reads and the outcome it gives, as plain immutable data. Pure.

The caller (``customs.filing``, ``customs.officer``) fills these from the database, holding
the license locked; ``customs.clearance`` decides from them alone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from rarex.customs.states import DeclarationStatus, LineStatus, declaration_status


class Severity(StrEnum):
    REFUSE = "refuse"
    HOLD = "hold"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    severity: Severity
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "details": dict(self.details),
        }


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    country: str

    def matches(self, other: Party) -> bool:
        """Same country and the same name up to case and spacing."""
        return self.country == other.country and _fold(self.name) == _fold(other.name)

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"


@dataclass(frozen=True, slots=True)
class LicenseLineFacts:
    line_no: int
    control_code: str
    hs_code: str
    remaining_kg: Decimal


@dataclass(frozen=True, slots=True)
class LicenseFacts:
    number: str
    exporter_id: uuid.UUID
    license_type: str
    status: str
    valid_from: date
    valid_until: date
    destination: str
    consignee: Party
    end_user: Party
    lines: tuple[LicenseLineFacts, ...]


@dataclass(frozen=True, slots=True)
class GoodsLine:
    line_no: int
    hs_code: str
    control_code: str | None
    net_kg: Decimal


@dataclass(frozen=True, slots=True)
class DeclarationFacts:
    """What was declared, and the license it cites as found (None: none cited, or unknown)."""

    exporter_id: uuid.UUID
    declared_on: date
    destination: str
    consignee: Party
    license_number: str | None
    license: LicenseFacts | None
    lines: tuple[GoodsLine, ...]


@dataclass(frozen=True, slots=True)
class LineOutcome:
    line_no: int
    status: LineStatus
    controlled: bool
    # In-force control entries the goods fall under on the declared date.
    control_codes: tuple[str, ...]
    # The license line the goods are drawn from (or would be, once released).
    license_line_no: int | None
    reasons: tuple[Reason, ...]

    @property
    def refusals(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.severity is Severity.REFUSE)

    @property
    def holds(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.severity is Severity.HOLD)

    @property
    def release_blockers(self) -> tuple[Reason, ...]:
        """What an officer's release cannot override: refusals, or nothing to draw from."""
        blockers = self.refusals
        if self.controlled and self.license_line_no is None and not blockers:
            blockers = tuple(r for r in self.holds if r.code == "customs.control_code_missing")
        return blockers

    def to_dict(self) -> dict[str, Any]:
        return {
            "line_no": self.line_no,
            "status": self.status.value,
            "controlled": self.controlled,
            "control_codes": list(self.control_codes),
            "license_line_no": self.license_line_no,
            "reasons": [r.to_dict() for r in self.reasons],
        }


@dataclass(frozen=True, slots=True)
class ClearanceResult:
    lines: tuple[LineOutcome, ...]

    @property
    def status(self) -> DeclarationStatus:
        return declaration_status(line.status for line in self.lines)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status.value, "lines": [line.to_dict() for line in self.lines]}


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()
