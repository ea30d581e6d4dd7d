"""What goes in and comes out of the customs room: API bodies, CLI files and views.

Input models forbid unknown fields. Quantities and money are accepted as decimal strings or
JSON numbers and read by the one number rule (``rarex.quantities.parse_amount``) in
``customs.validation``, so a figure that breaks it gets the same specific error
(``input.invalid_number``, on its line and field, beside every other problem of the
declaration) from the API, a declaration file, a form and a CSV or XLSX row.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rarex.inputs import Address, Label, Reason, Token
from rarex.quantities import AmountOrText

# Lines of one declaration, at most.
MAX_LINES = 200


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ConsigneeIn(_In):
    name: Label
    country: Token


class DeclarationLineIn(_In):
    hs_code: Token
    control_code: Token | None = Field(
        default=None, description="The control code when the goods are controlled (1C905.a)"
    )
    description: Address = ""
    net_kg: AmountOrText
    fob_value: AmountOrText
    currency: Token = "USD"


class DeclarationIn(_In):
    number: Token = Field(description="Declaration number: also the idempotency key")
    exporter_uscc: Token
    license_number: Token | None = None
    destination: Token
    consignee: ConsigneeIn
    port: Label
    declared_date: date | None = Field(default=None, description="Defaults to today")
    clearance_date: date | None = Field(
        default=None, description="Only for declarations already cleared (imports)"
    )
    lines: list[DeclarationLineIn] = Field(min_length=1, max_length=MAX_LINES)


class DeclarationAmend(_In):
    """An amendment replaces the fields it gives; ``lines`` replaces every line."""

    reason: Reason
    license_number: Token | None = None
    remove_license: bool = False
    destination: Token | None = None
    consignee: ConsigneeIn | None = None
    port: Label | None = None
    lines: list[DeclarationLineIn] | None = Field(default=None, min_length=1, max_length=MAX_LINES)


class LineActionIn(_In):
    action: Token = Field(description="hold, release or refuse")
    reason: Reason
    license_number: Token | None = Field(
        default=None,
        description="On release only: the license that covers the line (a line held because "
        "its destination is not on the declaration's license is released only this way)",
    )


class CancelIn(_In):
    reason: Reason


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class DrawdownRead(_Out):
    """One entry of a license line's ledger: a declaration line drew on it (``draw``) or gave
    back what it drew (``restore``, when a clearance was undone)."""

    at: datetime
    kind: str
    kg: Decimal
    license_line_no: int
    control_code: str
    declaration_number: str
    declaration_line_no: int
    declared_date: date


class ReasonRead(_Out):
    code: str
    severity: str
    message: str
    details: dict[str, Any]


class DeclarationLineRead(_Out):
    line_no: int
    hs_code: str
    control_code: str | None
    description: str
    net_kg: Decimal
    fob_value: Decimal
    currency: str
    series: str
    element: str | None
    controlled: bool
    outcome: str
    status: str
    license_line_no: int | None
    drawn_kg: Decimal
    cleared_on: date | None
    reasons: list[ReasonRead]


class DeclarationActionRead(_Out):
    seq: int
    action: str
    line_no: int | None
    revision: int
    at: datetime
    actor: str
    reason: str
    details: dict[str, Any]


class ExporterRef(_Out):
    id: uuid.UUID
    uscc: str
    name: str


class ConsigneeRead(_Out):
    name: str
    country: str


class DeclarationRead(_Out):
    id: uuid.UUID
    number: str
    status: str
    revision: int
    exporter: ExporterRef
    license_number: str | None
    destination: str
    consignee: ConsigneeRead
    port: str
    declared_date: date
    clearance_date: date | None
    filed_by: str
    filed_at: datetime
    lines: list[DeclarationLineRead]
    history: list[DeclarationActionRead]


class DeclarationSummary(_Out):
    number: str
    status: str
    exporter: str
    exporter_uscc: str
    license_number: str | None
    destination: str
    declared_date: date
    clearance_date: date | None
    lines: int
    net_kg: Decimal
    cleared_kg: Decimal
