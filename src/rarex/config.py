"""Typed settings. Nothing else in Rarex reads ``os.environ``."""

from __future__ import annotations

import os
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration, read from ``RAREX_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="RAREX_", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite:///rarex.db"

    # Statutory clock (Decree 792: 45 working days from acceptance).
    decision_working_days: int = Field(default=45, ge=1, le=365)
    at_risk_working_days: int = Field(default=5, ge=0, le=60)
    # Whether consultation with other departments stops the clock (unconfirmed in law).
    consultation_stops_clock: bool = True

    # Green channel: the lane's own target, inside the statutory limit.
    green_channel_target_working_days: int = Field(default=10, ge=1, le=45)
    green_channel_min_approved_applications: int = Field(default=3, ge=0)
    # The partner channel: the authority answers a partner's inquiry within this many official
    # working days (the statutory clock's calendar), counted from its first unanswered message.
    inquiry_reply_working_days: int = Field(default=5, ge=1, le=60)
    # Party screening raises a hit at or above this score (rarex.screening.matching explains
    # the default: true variants score 0.85-1.0, near misses 0.6-0.75).
    screening_threshold: float = Field(default=0.80, ge=0.5, le=1.0)
    # A watch-list version that removes more than this share of the active entries (0.05 =
    # 5%) is refused unless an operator confirms it: a truncated download is well-formed too.
    list_shrink_limit: float = Field(default=0.05, ge=0.0, le=1.0)
    # Where the screening index over the active list versions is kept between processes, so
    # that `rarex screen` does not rebuild it (seconds) on every call; empty turns it off.
    screening_cache_dir: str = Field(default_factory=lambda: str(_default_cache_dir()))

    # Web sign-in (issue 11): a session ends after this long idle, and this long after sign-in
    # whatever its use; failures of one (account, address) pair wait 1 s, then twice as long
    # each time, and this many lock the pair for ``sign_in_lock_minutes``.
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_absolute_hours: int = Field(default=12, ge=1, le=24 * 30)
    sign_in_lock_failures: int = Field(default=5, ge=2, le=100)
    sign_in_lock_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # The cost of a password's argon2id hash: RFC 9106's second recommended profile (64 MiB,
    # 3 passes) by default and at least that in production; cheaper for tests and demos.
    password_hash_time_cost: int = Field(default=3, ge=1, le=20)
    password_hash_memory_kib: int = Field(default=64 * 1024, ge=8, le=4 * 1024 * 1024)
    # Addresses (or networks, CIDR) of the reverse proxies whose X-Forwarded-For and
    # X-Forwarded-Proto are believed; empty: the peer's own address, and HTTPS only when the
    # server itself speaks it. Comma-separated in RAREX_TRUSTED_PROXIES.
    trusted_proxies: str = ""

    max_document_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    max_quantity_kg: Decimal = Decimal("100000000")  # 100,000 t: anything above is absurd

    # Freeze "now" (ISO datetime with offset): lets `rarex serve` show the demo as of its last
    # simulated day. Refused in production, where time must be real.
    frozen_time: datetime | None = None

    @model_validator(mode="after")
    def _refuse_unsafe_production_settings(self) -> Settings:
        if self.environment == "production":
            if self.frozen_time is not None:
                raise ValueError("RAREX_FROZEN_TIME is for demos and tests, not production")
            if self.password_hash_time_cost < 3 or self.password_hash_memory_kib < 64 * 1024:
                raise ValueError(
                    "production hashes passwords with at least 3 passes over 64 MiB "
                    "(RAREX_PASSWORD_HASH_TIME_COST, RAREX_PASSWORD_HASH_MEMORY_KIB)"
                )
            if self.database_url.startswith("sqlite"):
                raise ValueError(
                    "production requires PostgreSQL (RAREX_DATABASE_URL=postgresql+psycopg://...)"
                )
        if self.frozen_time is not None and self.frozen_time.tzinfo is None:
            raise ValueError("RAREX_FROZEN_TIME needs a UTC offset, e.g. 2025-07-25T18:00+08:00")
        return self


def _default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/rarex``, or ``~/.cache/rarex``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rarex"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
