"""What goes in and comes out of the licensing room: API bodies, CLI files and views.

Input models forbid unknown fields so a typo in a filing is an error, not silently dropped.
Business rules (positive quantities, known codes) are checked by the services, which give
each failure its own code; these models only fix shapes and types. Quantities and money are
read by the one number rule (``rarex.quantities.Amount``: ``input.invalid_number``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rarex.inputs import Address, Code, Item, Name, Reason, Reference, Statement
from rarex.parties.schemas import IdentifierIn
from rarex.quantities import Amount

LicenseType = Literal["single", "general"]
Outcome = Literal["approved", "denied"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LicenseActionIn(_In):
    action: Code = Field(description="suspend, reinstate or revoke")
    reason: Reason


class PartyIn(_In):
    name: Name
    country: Code
    address: Address | None = None
    identifiers: list[IdentifierIn] = Field(default_factory=list, max_length=5)


class LineIn(_In):
    control_code: Code
    hs_code: Code
    description: Address = ""
    quantity_kg: Amount
    value: Amount
    currency: Code = "USD"


class ApplicationCreate(_In):
    exporter_uscc: Code | None = Field(
        default=None, description="Required when an officer or administrator files for a company"
    )
    license_type: LicenseType = "single"
    consignee: PartyIn
    end_user: PartyIn
    destination: Code | None = Field(default=None, description="Defaults to the end user's country")
    end_use_category: Code
    end_use_statement: Statement
    contract_reference: Reference
    lines: list[LineIn] = Field(min_length=1, max_length=200)


class ApplicationAmend(_In):
    license_type: LicenseType | None = None
    consignee: PartyIn | None = None
    end_user: PartyIn | None = None
    destination: Code | None = None
    end_use_category: Code | None = None
    end_use_statement: Statement | None = None
    contract_reference: Reference | None = None
    lines: list[LineIn] | None = Field(default=None, min_length=1, max_length=200)


class TransitionIn(_In):
    action: Code
    reason: Reason = ""
    missing_items: list[Item] = Field(default_factory=list, max_length=50)


class DecisionIn(_In):
    outcome: Outcome
    reason: Reason
    reason_codes: list[Code] = Field(default_factory=list, max_length=10)
    conditions: list[Item] = Field(default_factory=list, max_length=30)
    granted_kg: dict[int, Amount] | None = Field(
        default=None, description="Per line number; omitted lines are granted in full"
    )
    valid_until: date | None = None


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PartyRead(_Out):
    id: uuid.UUID
    name: str
    country: str
    address: str | None
    identifiers: list[dict[str, str]] = Field(default_factory=list)


class ExporterRead(_Out):
    id: uuid.UUID
    uscc: str
    name: str
    name_zh: str | None
    compliance_programme_on: date | None


class LineRead(_Out):
    line_no: int
    control_code: str
    hs_code: str
    description: str
    quantity_kg: Decimal
    value_amount: Decimal
    currency: str
    granted_kg: Decimal | None


class DocumentRead(_Out):
    id: uuid.UUID
    kind: str
    filename: str
    media_type: str
    size_bytes: int
    sha256: str
    uploaded_at: datetime


class StateChangeRead(_Out):
    seq: int
    action: str
    from_state: str | None
    to_state: str
    at: datetime
    on_date: date
    actor: str
    reason: str
    legal_basis: str
    details: dict[str, Any]


class DecisionRead(_Out):
    outcome: str
    decided_at: datetime
    officer: str
    reason_codes: list[str]
    reason: str
    conditions: list[str]
    legal_basis: str


class LicenseLineRead(_Out):
    line_no: int
    control_code: str
    hs_code: str
    granted_kg: Decimal
    remaining_kg: Decimal


class LicenseRead(_Out):
    id: uuid.UUID
    number: str
    application_reference: str
    exporter: ExporterRead
    license_type: str
    status: str
    consignee: PartyRead
    end_user: PartyRead
    destination: str
    valid_from: date
    valid_until: date
    conditions: list[str]
    supervision_code: str
    issued_at: datetime
    lines: list[LicenseLineRead]


class ApplicationSummary(_Out):
    id: uuid.UUID
    reference: str
    state: str
    lane: str
    license_type: str
    exporter: str
    destination: str
    end_use_category: str
    total_kg: Decimal
    accepted_on: date | None
    due_on: date | None
    decided_on: date | None
    working_days_used: int | None = None
    working_days_left: int | None = None
    clock_stopped: bool = False


class ApplicationRead(_Out):
    id: uuid.UUID
    reference: str
    state: str
    lane: str
    license_type: str
    exporter: ExporterRead
    filed_by: str
    consignee: PartyRead
    end_user: PartyRead
    destination: str
    end_use_category: str
    end_use_statement: str
    contract_reference: str
    created_at: datetime
    submitted_at: datetime | None
    accepted_on: date | None
    decided_on: date | None
    lines: list[LineRead]
    documents: list[DocumentRead]
    missing_documents: list[str]
    allowed_actions: list[str]
    clock: dict[str, Any] | None
    green_channel: dict[str, Any] | None
    # Licensing officers and administrators only: counts by status and every hit.
    screening: dict[str, Any] | None = None
    decision: DecisionRead | None
    license_number: str | None
    history: list[StateChangeRead]


class QueueItem(BaseModel):
    reference: str
    id: uuid.UUID
    state: str
    lane: str
    exporter: str
    destination: str
    end_use_category: str
    accepted_on: date | None
    working_days_used: int | None
    working_days_left: int | None
    due_on: date | None
    lane_target_on: date | None
    at_risk: bool
    overdue: bool
    stopped: bool
    off_clock: bool
    provisional: bool
    submitted_on: date | None = None
    # on a partner's priority list (pending or accepted): it orders the work, nothing else
    priority: str | None = None


class LanePerformance(BaseModel):
    lane: str
    decided: int
    median_working_days: Decimal | None
    p90_working_days: Decimal | None
    approved: int
    denied: int
