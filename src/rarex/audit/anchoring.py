"""Anchor the audit chain outside the database: write signed checkpoints of its head, and
verify that the stored chain still extends every one of them (:mod:`rarex.audit.checkpoints`).

Writing needs the private key; verifying needs only public keys. Neither writes the database.
For both, the head and the events must be read in one snapshot (:func:`one_snapshot`: SQLite's
transaction is one; on PostgreSQL the session is opened at REPEATABLE READ), or an event
committed between the two reads would look like one appended behind the head's back.

A backup is recorded in the log (:func:`write_backup_record`) only when its chain passed
:func:`verify_anchored`, and ``rarex db restore`` restores only a recorded backup, naming its
record in the restore record (:func:`write_restore_record`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from rarex.audit.chain import AuditRecord, ChainVerification, verify_chain
from rarex.audit.checkpoints import (
    AnchorFailure,
    LogEntry,
    LogReading,
    active_anchors,
    appending,
    check_anchors,
    read_log,
)
from rarex.audit.service import stored_head, stream_records
from rarex.clock import Clock
from rarex.db import session_scope
from rarex.periodic import Periodic

log = logging.getLogger(__name__)


class ChainDiverged(Exception):
    """The stored chain no longer extends the log's last anchor (or the log's last line is
    forged): no checkpoint is written, because signing this chain would vouch for it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def one_snapshot(session: Session) -> None:
    """Read the head and the events in one snapshot: on PostgreSQL, open the session's
    transaction at REPEATABLE READ (its default, READ COMMITTED, takes a snapshot per statement);
    SQLite's transaction is one snapshot already. Call it before the session's first statement.
    A session bound to a connection (a test's) is in its holder's transaction, left as it is."""
    bind = session.get_bind()
    postgresql = isinstance(bind, Engine) and bind.dialect.name == "postgresql"
    if postgresql and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _extends(session: Session, anchor: LogEntry, head: tuple[int, str]) -> None:
    """Check only what follows the anchor: the prefix it covers is the full verification's."""
    if anchor.seq > head[0]:
        raise ChainDiverged(
            f"the chain's head is event {head[0]}, behind {anchor.described} at event "
            f"{anchor.seq}: events were deleted and the head moved back"
        )
    records = stream_records(session, from_seq=max(anchor.seq, 1))
    if anchor.seq > 0:
        first = next(records, None)
        if (
            first is None
            or first.seq != anchor.seq
            or first.hash != anchor.head
            or first.recomputed_hash() != first.hash
        ):
            raise ChainDiverged(
                f"event {anchor.seq} is not the one {anchor.described} signed: the chain was "
                "rewritten"
            )
    result = verify_chain(records, expected_head=head, after=(anchor.seq, anchor.head))
    if not result.ok:
        raise ChainDiverged(f"after {anchor.described}: {result.message}")


def write_checkpoint(
    session: Session, *, key: Ed25519PrivateKey, log_path: Path, clock: Clock
) -> LogEntry:
    """Sign the chain's head and append it to the log (fsynced before this returns).

    Refused (``ChainDiverged``) when the log's last line, signed by this key, does not verify,
    or when the chain does not extend that line's anchor: its events since are checked.
    """
    with appending(log_path) as log_file:
        last = log_file.last
        if last is not None and log_file.last_signed_by(key.public_key()) is False:
            raise ChainDiverged(
                f"{last.described} of {log_path} does not match its signature: the log was "
                "tampered with"
            )
        head = stored_head(session)
        if last is not None:
            _extends(session, last, head)
        return log_file.append(
            key, {"kind": "checkpoint", "seq": head[0], "head": head[1], "at": _utc(clock.now())}
        )


def write_backup_record(
    *,
    key: Ed25519PrivateKey,
    log_path: Path,
    clock: Clock,
    backup: Mapping[str, Any],
    verified_log: bytes,
) -> LogEntry:
    """Sign "this backup file holds the chain up to this head, and that chain extended the log"
    (``backup``: what :func:`rarex.audit.backup.take_backup` returns: its ``file``, ``sha256``,
    ``taken_at`` and ``audit`` head). Only a backup so recorded is restored.

    The caller must have verified the backup's chain against ``verified_log`` (with
    :func:`verify_anchored`); refused (``ChainDiverged``) if the log no longer begins with it.
    """
    with appending(log_path) as log_file:
        if not log_file.data.startswith(verified_log):
            raise ChainDiverged(
                f"the checkpoint log {log_path} changed other than by appending while the "
                "backup was taken: the backup is not recorded"
            )
        return log_file.append(
            key,
            {
                "kind": "backup",
                "seq": backup["audit"]["seq"],
                "head": backup["audit"]["head"],
                "at": _utc(clock.now()),
                "backup": Path(backup["file"]).name,
                "backup_sha256": backup["sha256"],
                "backup_taken_at": backup["taken_at"],
            },
        )


def write_restore_record(
    session: Session, *, key: Ed25519PrivateKey, log_path: Path, clock: Clock, backup: LogEntry
) -> LogEntry:
    """Sign "restored to this head from the backup of this record" (``backup``, a verified
    backup record of the log), so that verification excuses the events lost by the restore,
    and only them. Refused (``ChainDiverged``) when the stored head is not the record's."""
    head = stored_head(session)
    if head != (backup.seq, backup.head):
        raise ChainDiverged(
            f"the database's audit head is event {head[0]} ({head[1][:16]}…), not event "
            f"{backup.seq} ({backup.head[:16]}…) that {backup.described} records; no restore "
            "record was written"
        )
    with appending(log_path) as log_file:
        return log_file.append(
            key,
            {
                "kind": "restore",
                "seq": head[0],
                "head": head[1],
                "at": _utc(clock.now()),
                "backup": backup.record["backup"],
                "backup_sha256": backup.record["backup_sha256"],
                "backup_taken_at": backup.record["backup_taken_at"],
                "backup_record": backup.digest,
            },
        )


@dataclass(frozen=True, slots=True)
class AnchoredVerification:
    """The chain's own verdict, and the checkpoint log's: its lines, then its anchors."""

    chain: ChainVerification
    file: str
    reading: LogReading
    anchored: int
    superseded: int
    failure: AnchorFailure | None

    @property
    def empty(self) -> bool:
        """The log anchors nothing: no line at all (a new log, or one emptied)."""
        return self.reading.problem is None and not self.reading.entries

    @property
    def log_ok(self) -> bool:
        return self.reading.problem is None and self.failure is None and not self.empty

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.log_ok

    @property
    def message(self) -> str:
        if self.reading.problem is not None:
            return self.reading.message
        if self.failure is not None:
            return self.failure.message
        entries = self.reading.entries
        if not entries:
            return (
                "the checkpoint log is empty: nothing anchors the chain (a new log gets its "
                "first line from `rarex audit checkpoint`; an emptied one is evidence)"
            )
        superseded = f" ({self.superseded} superseded by restores)" if self.superseded else ""
        return (
            f"the chain extends every anchor ({self.anchored}) of the log's {len(entries)} "
            f"lines{superseded}; the newest line is of {entries[-1].at}"
        )

    def to_dict(self) -> dict[str, Any]:
        entries = self.reading.entries
        problem = self.reading.problem or (
            self.failure.problem if self.failure else ("empty" if self.empty else None)
        )
        line = self.reading.line or (self.failure.entry.line if self.failure else None)
        return {
            "ok": self.ok,
            "chain": self.chain.to_dict(),
            "checkpoints": {
                "ok": self.log_ok,
                "file": self.file,
                "lines": self.reading.lines,
                "checkpoints": sum(1 for e in entries if e.kind == "checkpoint"),
                "backups": sum(1 for e in entries if e.kind == "backup"),
                "restores": sum(1 for e in entries if e.kind == "restore"),
                "anchored": self.anchored,
                "superseded": self.superseded,
                "last": entries[-1].to_dict() if entries else None,
                "problem": problem,
                "line": line,
                "message": self.message,
            },
        }


def verify_anchored(
    session: Session, *, log_data: bytes, keys: Mapping[str, Ed25519PublicKey], file: str
) -> AnchoredVerification:
    """The chain verified as :func:`rarex.audit.service.verify` does, in the same pass noting
    the hash of each event a checkpoint anchors; then every anchor that is not superseded
    checked against those hashes. Lines after the first that does not verify are not used."""
    reading = read_log(log_data, keys)
    active, superseded = active_anchors(reading.entries)
    wanted = {anchor.seq for anchor in active}
    hashes: dict[int, str] = {}

    def noting(records: Iterable[AuditRecord]) -> Iterator[AuditRecord]:
        for record in records:
            if record.seq in wanted:
                hashes[record.seq] = record.hash
            yield record

    chain = verify_chain(noting(stream_records(session)), expected_head=stored_head(session))
    anchored, failure = check_anchors(
        active, hashes=hashes, verified_through=chain.checked, complete=chain.ok
    )
    return AnchoredVerification(chain, file, reading, anchored, len(superseded), failure)


class Checkpointer:
    """A thread that writes a checkpoint at start, every ``interval`` seconds, and at stop: what
    ``rarex serve`` runs when a signing key and a checkpoint log are configured. A refusal or a
    failure is logged (``audit.checkpoint_refused`` / ``_failed``) and tried again next time."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        key: Ed25519PrivateKey,
        log_path: Path,
        clock: Clock,
        interval: float,
    ) -> None:
        self._sessions = sessions
        self._key = key
        self._log_path = log_path
        self._clock = clock
        self._thread = Periodic(
            self.write_once, every=interval, name="rarex-checkpoints", at_stop=True
        )

    def write_once(self) -> LogEntry | None:
        try:
            with session_scope(self._sessions) as session:
                one_snapshot(session)
                entry = write_checkpoint(
                    session, key=self._key, log_path=self._log_path, clock=self._clock
                )
        except ChainDiverged as exc:
            log.error("audit.checkpoint_refused", extra={"reason": exc.message})
            return None
        except Exception:
            log.exception("audit.checkpoint_failed")
            return None
        log.info("audit.checkpoint_written", extra={"seq": entry.seq, "line": entry.line})
        return entry

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._thread.stop(timeout)
