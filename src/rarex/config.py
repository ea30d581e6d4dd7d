"""Typed settings. Nothing else in Rarex reads ``os.environ``."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field, field_validator, model_validator
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
    # Imports (declarations, statistics, watch lists): an uploaded file's size, which is also
    # the request body cap of the import routes (plus 1 MiB for the form around it); an XLSX
    # part's and a whole workbook's size once inflated; a cell's or comment's length (Excel's
    # own limit); and the row and time budget of reading a file before anything is written.
    max_import_bytes: int = Field(default=100 * 1024 * 1024, ge=1024)
    import_max_xlsx_part_bytes: int = Field(default=1024 * 1024 * 1024, ge=1024)
    import_max_xlsx_total_bytes: int = Field(default=2 * 1024 * 1024 * 1024, ge=1024)
    import_max_cell_chars: int = Field(default=32_767, ge=256, le=10_000_000)
    # openpyxl holds every shared string of a workbook in memory before the first row is read.
    import_max_xlsx_shared_strings: int = Field(default=2_000_000, ge=1)
    import_max_rows: int = Field(default=2_000_000, ge=1)
    import_max_seconds: float = Field(default=600.0, gt=0, le=24 * 3600)
    max_quantity_kg: Decimal = Decimal("100000000")  # 100,000 t: anything above is absurd

    # Notifications by e-mail (rarex.notify). Without an SMTP URL nothing is sent: every
    # notification still lands in the outbox and on the recipient's page. smtp://host:port,
    # smtp+starttls://user:password@host:587, smtps://user:password@host:465.
    smtp_url: str | None = None
    mail_from: str = "Rarex <rarex@localhost>"
    # The site's address as recipients reach it: mails link to pages under it.
    public_url: str = "http://127.0.0.1:8000"
    # A failed delivery waits base * 2^(attempts - 1) seconds, at most the cap, and is tried
    # again; a permanent refusal (5xx) gives up once the notification has been tried this often.
    notify_backoff_seconds: float = Field(default=30.0, gt=0, le=24 * 3600)
    notify_backoff_max_seconds: float = Field(default=3600.0, gt=0, le=7 * 24 * 3600)
    notify_give_up_after: int = Field(default=8, ge=1, le=1000)
    # How long a sender's claim on a notification lasts: a sender that died holding one is
    # relieved of it after this long, and the notification is sent again (same Message-ID).
    notify_claim_seconds: float = Field(default=120.0, gt=0, le=3600)
    # How often the sender looks for due notifications; the elected sender of `rarex serve`
    # renews its lease this often, and another takes over after three periods without renewal.
    notify_poll_seconds: float = Field(default=5.0, gt=0, le=3600)
    smtp_timeout_seconds: float = Field(default=20.0, gt=0, le=600)
    # A test seam, documented in the README: the sender sleeps this long after the mail server
    # accepted a message and before marking it sent, so that a test can kill it in between.
    notify_pause_after_send_seconds: float = Field(default=0.0, ge=0, le=600)

    # Freeze "now" (ISO datetime with offset): lets `rarex serve` show the demo as of its last
    # simulated day. Refused in production, where time must be real.
    frozen_time: datetime | None = None

    # Serving (issue 14): on SIGTERM `rarex serve` stops taking connections, tells the requests
    # in flight that it is stopping (an import stops at its next chunk, keeping what it
    # committed) and waits at most this long for them; then it cancels what is left and the
    # process ends, even with a request's thread still running (rarex.cli.serving).
    shutdown_grace_seconds: int = Field(default=30, ge=1, le=3600)

    # Audit checkpoints (issue 14): the chain's head, signed with an Ed25519 key the database
    # never holds, appended to a log outside the database (rarex.audit.checkpoints,
    # docs/operations.md). The key is a file or the variable's own value: PEM (PKCS#8, as
    # `openssl genpkey -algorithm ed25519` writes it) or the 32-byte seed in base64; at most
    # one of the two. `rarex serve` writes a checkpoint at start and every interval when a key
    # and a log are set (0: never; `rarex audit checkpoint` on demand either way).
    audit_signing_key_file: str | None = None
    audit_signing_key: str | None = Field(default=None, repr=False)
    audit_checkpoint_log: str | None = None
    audit_checkpoint_interval_seconds: float = Field(default=3600.0, ge=0, le=7 * 24 * 3600)

    # Observability (issue 15): the servers' log (JSON lines with the request id, or plain text
    # for a person at a terminal) and who may read the Prometheus metrics at /metrics: the
    # loopback only (a direct connection from this host, nothing forwarded by a proxy), a
    # bearer token whose SHA-256 (hex) is set here (the token itself is never configured), or
    # nobody.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"
    metrics_access: Literal["loopback", "token", "off"] = "loopback"
    metrics_token_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")

    @field_validator("smtp_url", mode="before")
    @classmethod
    def _empty_smtp_url_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

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
        if self.smtp_url is not None:
            SmtpTarget.parse(self.smtp_url)  # a ValueError names what is wrong with it
        if self.metrics_access == "token" and self.metrics_token_sha256 is None:
            raise ValueError(
                "RAREX_METRICS_ACCESS=token needs RAREX_METRICS_TOKEN_SHA256 (the SHA-256 of the "
                "token, hex: printf %s TOKEN | sha256sum)"
            )
        if self.notify_backoff_max_seconds < self.notify_backoff_seconds:
            raise ValueError("RAREX_NOTIFY_BACKOFF_MAX_SECONDS is below the first wait")
        if self.frozen_time is not None and self.frozen_time.tzinfo is None:
            raise ValueError("RAREX_FROZEN_TIME needs a UTC offset, e.g. 2025-07-25T18:00+08:00")
        return self


Security = Literal["plain", "starttls", "tls"]
_SCHEMES: dict[str, Security] = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "tls"}
_DEFAULT_PORTS: dict[Security, int] = {"plain": 25, "starttls": 587, "tls": 465}


@dataclass(frozen=True)
class SmtpTarget:
    """``RAREX_SMTP_URL`` read: ``smtp://host:port`` (plain, as a local relay takes it),
    ``smtp+starttls://user:password@host:587`` (STARTTLS, then login), ``smtps://...@host:465``
    (TLS from the first byte)."""

    host: str
    port: int
    security: Security
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        """Refuse, with what is wrong, a URL the sender could not use (checked with the
        settings, so a bad one stops ``rarex serve`` and ``rarex notify run`` at start)."""
        parts = urlsplit(url.strip())
        security = _SCHEMES.get(parts.scheme.lower())
        if security is None:
            raise ValueError(
                f"RAREX_SMTP_URL must start with {', '.join(s + '://' for s in _SCHEMES)}"
            )
        try:
            port = parts.port or _DEFAULT_PORTS[security]
        except ValueError:
            raise ValueError("RAREX_SMTP_URL has a port that is not a number") from None
        if not parts.hostname:
            raise ValueError("RAREX_SMTP_URL names no host")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError("RAREX_SMTP_URL is scheme://[user:password@]host[:port] only")
        return cls(
            host=parts.hostname,
            port=port,
            security=security,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    @property
    def shown(self) -> str:
        """The target without its password, for logs and the CLI."""
        user = f"{self.username}@" if self.username else ""
        return f"{self.security} {user}{self.host}:{self.port}"


def _default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/rarex``, or ``~/.cache/rarex``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rarex"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
