"""Watch lists (versioned imports and their entries) and screening hits on applications
(issue 4)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from rarex.db import Base, UTCDateTime
from rarex.models._types import Timestamp, UUIDPk

_HIT_STATUSES = "('open', 'confirmed', 'dismissed')"
_PARTY_ROLES = "('applicant', 'consignee', 'end_user')"


class ListVersion(Base):
    """One import of one source's file(s). The same content imported again is the same version
    (source and content hash are unique together), so a re-import changes nothing. At most
    one version per source is active: the one screening uses. ``published_at`` is when the
    publisher made the file, where the file says so (the UN's ``dateGenerated``), apart from
    when it was fetched (``retrieved_at``) and imported (``imported_at``)."""

    __tablename__ = "list_versions"
    __table_args__ = (
        UniqueConstraint("source", "content_hash"),
        # One active version per source, whatever two concurrent imports do.
        Index(
            "uq_list_versions_active_source",
            "source",
            unique=True,
            postgresql_where=text("active"),
            sqlite_where=text("active"),
        ),
    )

    id: Mapped[UUIDPk]
    source: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(32))
    content_hash: Mapped[str] = mapped_column(String(64))
    files: Mapped[list[str]] = mapped_column(JSON, default=list)
    retrieved_at: Mapped[Timestamp]
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    imported_at: Mapped[Timestamp]
    imported_by: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    entities: Mapped[int] = mapped_column(Integer)
    names: Mapped[int] = mapped_column(Integer)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    added: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)


class ListedEntry(Base):
    """A listed party as one version of its list states it (the parsed ``ListEntry`` as JSON);
    ``content_hash`` tells delta re-screening and remembered dismissals whether it changed."""

    __tablename__ = "listed_entries"
    __table_args__ = (UniqueConstraint("version_id", "entity_id"),)

    id: Mapped[UUIDPk]
    version_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("list_versions.id"))
    entity_id: Mapped[str] = mapped_column(String(200), index=True)
    list_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    primary_name: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class ScreeningHit(Base):
    """A possible match of one party of an application against one list entry.

    Open until an officer confirms or dismisses it with a reason; an application with an open
    hit cannot be approved. A dismissal is remembered (``HitDismissal``) for the same party and
    entry, and applies again only while the entry's content is unchanged.
    """

    __tablename__ = "screening_hits"
    __table_args__ = (
        CheckConstraint(f"status in {_HIT_STATUSES}", name="status"),
        CheckConstraint(f"party_role in {_PARTY_ROLES}", name="party_role"),
        CheckConstraint("score >= 0 AND score <= 1", name="score_range"),
        UniqueConstraint(
            "application_id",
            "party_role",
            "party_key",
            "entity_id",
            "entry_hash",
            name="uq_screening_hits_party_entry",
        ),
    )

    id: Mapped[UUIDPk]
    application_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("applications.id"), index=True
    )
    party_role: Mapped[str] = mapped_column(String(16))
    party_name: Mapped[str] = mapped_column(Text)
    party_country: Mapped[str | None] = mapped_column(String(2))
    party_key: Mapped[str] = mapped_column(String(400))
    entity_id: Mapped[str] = mapped_column(String(200), index=True)
    entry_hash: Mapped[str] = mapped_column(String(64))
    version_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("list_versions.id"))
    list_name: Mapped[str] = mapped_column(String(200))
    listed_name: Mapped[str] = mapped_column(Text)
    announcement: Mapped[str | None] = mapped_column(String(200))
    in_force: Mapped[bool] = mapped_column(Boolean)
    screened_on: Mapped[date] = mapped_column(Date)
    score: Mapped[float] = mapped_column(Float)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)
    trigger: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    raised_at: Mapped[Timestamp]
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")


class HitDismissal(Base):
    """An officer's "not this party" for one party and one list entry, as the entry then read."""

    __tablename__ = "hit_dismissals"
    __table_args__ = (UniqueConstraint("party_key", "entity_id", "entry_hash"),)

    id: Mapped[UUIDPk]
    party_key: Mapped[str] = mapped_column(String(400))
    entity_id: Mapped[str] = mapped_column(String(200))
    entry_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    dismissed_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    dismissed_at: Mapped[Timestamp]
    hit_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("screening_hits.id"))
