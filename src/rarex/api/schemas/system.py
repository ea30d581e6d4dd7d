"""Answers of the administration routes."""

from __future__ import annotations

import uuid
from datetime import datetime

from rarex.api.schemas import DateText, Out


class Health(Out):
    status: str
    version: str


class Readiness(Out):
    status: str
    version: str
    schema_revision: str | None


class Me(Out):
    username: str
    role: str
    company_id: str | None
    partner_countries: list[str]
    partner_groups: list[str]
    email: str | None
    language: str


class UserCreated(Out):
    username: str
    role: str
    token: str


class ScheduleLoaded(Out):
    year: int
    days: int
    source: str


class AuditVerification(Out):
    ok: bool
    checked: int
    first_bad_seq: int | None
    problem: str | None
    message: str


class UserDeactivated(Out):
    username: str
    active: bool


class TokensRevoked(Out):
    username: str
    tokens_revoked: int


class ConflictDeclared(Out):
    username: str
    company_uscc: str
    reason: str


class ViolationRecorded(Out):
    uscc: str
    occurred_on: DateText
    description: str
    penalty_reference: str | None


class UserRead(Out):
    username: str
    display_name: str
    role: str
    company_id: uuid.UUID | None
    partner_countries: list[str]
    partner_groups: list[str]
    active: bool
    has_password: bool
    email: str | None
    language: str


class TokenRead(Out):
    id: uuid.UUID
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenIssued(Out):
    """The token's value is in this answer and nowhere else, ever."""

    username: str
    label: str
    expires_at: datetime | None
    token: str


class SignInUnlocked(Out):
    username: str
    addresses_freed: int
