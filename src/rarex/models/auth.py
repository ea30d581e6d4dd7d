"""Users, their API tokens (hashed at rest) and declared conflicts of interest."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from rarex.db import Base, UTCDateTime
from rarex.models._types import Timestamp, UUIDPk


class User(Base):
    __tablename__ = "users"

    id: Mapped[UUIDPk]
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    # Exporter users act for exactly one company.
    company_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("companies.id"))
    # A partner authority's jurisdiction: ISO alpha-2 countries, and country groups ("EU")
    # read as they were on the day asked (rarex.jurisdictions).
    partner_countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    partner_groups: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp]
    # argon2id (PHC string); None: the user cannot sign in to the web pages
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # "demo" for the demo's printed passwords, which production refuses to start with
    password_origin: Mapped[str | None] = mapped_column(String(16))
    # the audit event up to which the user has seen the news of their pages
    news_seen_seq: Mapped[int | None] = mapped_column(Integer)
    # where notifications are mailed (None: on the page only), and the language they are
    # written in: "en" or "zh", the codes of the pages (rarex.auth.contact)
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")


class ApiToken(Base):
    """Only the SHA-256 of a token is stored: a stolen table does not grant access."""

    __tablename__ = "api_tokens"

    id: Mapped[UUIDPk]
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[Timestamp]
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # None: the token lives until it is revoked
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OfficerConflict(Base):
    """An officer's declared connection to a company: they may not decide its cases."""

    __tablename__ = "officer_conflicts"
    __table_args__ = (UniqueConstraint("user_id", "company_id"),)

    id: Mapped[UUIDPk]
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    company_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("companies.id"))
    reason: Mapped[str] = mapped_column(String(300))
    declared_at: Mapped[Timestamp]


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so
    a stolen table signs nobody in. Ended by sign-out, by idleness, by its absolute expiry
    and, at once, by the user's deactivation (checked on every request)."""

    __tablename__ = "web_sessions"

    id: Mapped[UUIDPk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    # per-session token every state-changing form carries (not a credential on its own)
    csrf_token: Mapped[str] = mapped_column(String(64))
    client_address: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[Timestamp]
    last_seen_at: Mapped[Timestamp]
    expires_at: Mapped[Timestamp]
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SignInThrottle(Base):
    """Failed sign-ins of one (account, client address) pair: each failure delays the next
    attempt of that pair longer, and enough of them lock the pair for a while. Kept per pair,
    so that failures from elsewhere never lock the account's owner out."""

    __tablename__ = "sign_in_throttles"
    __table_args__ = (UniqueConstraint("username", "client_address"),)

    id: Mapped[UUIDPk]
    username: Mapped[str] = mapped_column(String(80))
    client_address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[Timestamp]
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class IdempotencyRecord(Base):
    """A POST the API answered under an ``Idempotency-Key``: the request's fingerprint and the
    answer given, written in the same transaction as what the request did, so that the same
    request sent again gets the same answer and does nothing twice (``rarex.api.idempotency``).
    """

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[UUIDPk]
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(255))
    # The method and path asked, and the SHA-256 of method, path, query and body.
    request: Mapped[str] = mapped_column(String(600))
    request_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(600))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[Timestamp]
