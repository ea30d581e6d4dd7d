"""What a partner authority is shown of a case or a license: the fields the channel shares
and nothing else. Every answer to a partner (API, page, download, e-mail) is built from these
models, so a field missing here cannot leak anywhere.

Left out on purpose: drafts (never listed), documents and their metadata, screening hits and
the green-channel rules' explanations (which would tell of hits and of the applicant's
record), prices, officers' notes and names, the decision's reasons and conditions (written by
officers, they may cite hits), the applicant's record and standing, and every party's address.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rarex.inputs import Message, Name, Reason, Reference


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


class PartnerParty(_Out):
    name: str
    country: str


class PartnerExporter(_Out):
    name: str
    name_zh: str | None


class PartnerItem(_Out):
    line_no: int
    control_code: str
    quantity_kg: Decimal
    granted_kg: Decimal | None


class PartnerDecision(_Out):
    outcome: str
    decided_on: date


class PartnerApplication(_Out):
    reference: str
    exporter: PartnerExporter
    destination: str
    consignee: PartnerParty
    end_user: PartnerParty
    items: list[PartnerItem]
    state: str
    lane: str
    submitted_on: date
    accepted_on: date | None
    due_on: date | None
    working_days_used: int | None
    working_days_left: int | None
    clock_stopped: bool
    decision: PartnerDecision | None
    license_number: str | None


class PartnerLicenseItem(_Out):
    line_no: int
    control_code: str
    granted_kg: Decimal


class PartnerLicense(_Out):
    number: str
    application_reference: str
    exporter: PartnerExporter
    destination: str
    consignee: PartnerParty
    end_user: PartnerParty
    status: str
    valid_from: date
    valid_until: date
    issued_on: date
    items: list[PartnerLicenseItem]


class InquiryOpen(BaseModel):
    """A partner's new inquiry: about one application (its reference) or a general one."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    subject: Name
    body: Message
    application_reference: Reference | None = None


class InquiryWrite(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    body: Message


class InquiryClose(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: Reason = ""


class InquiryMessageRead(_Out):
    seq: int
    side: str
    # who wrote it: a partner's own colleagues by username; the authority's officers are
    # named to the authority only ("authority" is all a partner reads)
    author: str
    body: str
    at: datetime


class InquirySummary(_Out):
    number: str
    partner: str
    subject: str
    application_reference: str | None
    state: str
    opened_at: datetime
    messages: int
    last_message_at: datetime
    reply_due_on: date | None
    overdue: bool


class InquiryRead(InquirySummary):
    thread: list[InquiryMessageRead]


MAX_PRIORITY_ITEMS = 50


class PriorityItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    application_reference: Reference
    reason: Reason


class PriorityListIn(BaseModel):
    """A partner's request to have these applications examined first, a reason for each."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    items: list[PriorityItemIn] = Field(min_length=1, max_length=MAX_PRIORITY_ITEMS)
    note: Reason = ""


class PriorityDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    outcome: Literal["accepted", "declined"]
    reason: Reason


class PriorityItemRead(_Out):
    id: uuid.UUID
    application_reference: str
    position: int
    reason: str
    status: str
    decided_at: datetime | None
    decision_reason: str
    # the officer who decided, for the authority only (None to a partner)
    decided_by: str | None


class PriorityListRead(_Out):
    number: str
    partner: str
    submitted_at: datetime
    submitted_by: str
    note: str
    items: list[PriorityItemRead]
