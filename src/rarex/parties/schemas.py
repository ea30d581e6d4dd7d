"""What goes in and comes out of the parties room: identifiers of companies abroad, and
trusted end users as partners propose them and the authority decides them."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from rarex.inputs import Address, Code, Name, Reason, Reference, Statement


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class IdentifierIn(_In):
    scheme: Code = Field(description="lei, vat (EU), eori or register")
    value: Reference


class TrustedPartyIn(_In):
    """A partner's proposal: a company in its jurisdiction it vouches for as an end user."""

    name: Name = Field(description="The name in Latin script, as registered")
    name_zh: Name | None = Field(default=None, description="The name in Chinese, where known")
    country: Code
    identifiers: list[IdentifierIn] = Field(default_factory=list, max_length=5)
    address: Address | None = None
    basis: Statement = Field(description="Why: e.g. an audited internal compliance programme")
    review_on: date | None = Field(
        default=None, description="After this day the approval lapses (default: in one year)"
    )


class TrustedPartyDecisionIn(_In):
    outcome: Code = Field(description="approved or rejected")
    reason: Reason
    review_on: date | None = Field(
        default=None, description="Another review date than the partner proposed"
    )


class TrustedPartyWithdrawIn(_In):
    reason: Reason


class TrustedPartyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: str
    partner: str
    name: str
    name_zh: str | None
    country: str
    identifiers: list[dict[str, str]]
    address: str | None
    basis: str
    review_on: date
    # proposed, approved, rejected, withdrawn, or lapsed (approved, past its review date)
    status: str
    proposed_at: datetime
    proposed_by: str
    decided_at: datetime | None
    decision_reason: str
    decided_by: str | None  # the authority's officer, for the authority only
    withdrawn_at: datetime | None
    withdrawal_reason: str
