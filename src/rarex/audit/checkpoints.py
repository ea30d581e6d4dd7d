"""The checkpoint log: the audit chain's head, signed, in an append-only file outside the database.

The head row beside the chain proves nothing to someone who can write the database: they can
delete the last events and move the head back, or rewrite every event and recompute every hash.
A checkpoint is the head (sequence and hash) at a moment, signed with an Ed25519 key that the
database never holds, and appended as one JSON object per line to a file kept elsewhere. The
chain must then extend every checkpoint: the event at the checkpoint's sequence still exists
and still has the signed hash. Neither forgery survives that.

A line is the canonical JSON (sorted keys, no spaces) of::

    {"v": 1, "kind": "checkpoint" | "backup" | "restore", "seq": N, "head": "<64 hex>",
     "at": "<ISO UTC>", "prev": "<sha256 hex of the previous line>", "key": "<key id>",
     "sig": "<base64>"}

plus, for a backup and a restore, ``backup`` (the file's name), ``backup_sha256`` and
``backup_taken_at``, and for a restore ``backup_record``: the SHA-256 of the backup record's
line. ``sig`` is the Ed25519 signature of ``SIGNED_PREFIX`` followed by the canonical JSON of
every other field. ``prev`` chains the lines themselves, so a line removed, reordered or copied
from elsewhere in the log (an old restore record replayed to excuse a new truncation) is
detected.

A backup record says that the backup file with this SHA-256 holds the chain up to event N,
and that this chain extended every anchor of the log when it was copied: only such a backup
may be restored. A restore record says that the database was put back to sequence N from the
backup its ``backup_record`` names, an earlier line of the same head (``unanchored_restore``
otherwise): checkpoints and backup records before it with a sequence beyond N are superseded
(those events were lost by design); the others, and the record itself, still anchor the
chain, so a restore of a rewritten backup is caught like any rewrite. A truncated chain cannot
be laundered through a backup: its backup is never recorded, so it is never restored.

Nothing here touches the database: :mod:`rarex.audit.anchoring` reads the chain.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from rarex.audit.chain import GENESIS_HASH
from rarex.audit.keys import key_id
from rarex.errors import Conflict, InvalidInput

FORMAT = 1
SIGNED_PREFIX = b"rarex.audit.checkpoint.v1\n"
# The "prev" of the log's first line.
LOG_GENESIS = "0" * 64

Kind = Literal["checkpoint", "backup", "restore"]
LogProblem = Literal[
    "malformed", "broken_link", "unknown_key", "bad_signature", "unanchored_restore"
]
AnchorProblem = Literal["truncated", "rewritten"]
_HEX = frozenset("0123456789abcdef")


def _canonical(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _is_hash(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of the log, parsed (and, when read by :func:`read_log`, verified)."""

    line: int
    kind: Kind
    seq: int
    head: str
    at: str
    key: str
    record: Mapping[str, Any]
    # The SHA-256 of the line as stored: what the next line's ``prev`` and a restore record's
    # ``backup_record`` name.
    digest: str = ""

    @property
    def described(self) -> str:
        return f"line {self.line} ({self.kind} of {self.at})"

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, **self.record}


def _entry(raw: bytes, line: int) -> LogEntry | str:
    """The line's fields, or what is wrong with their form."""
    try:
        record = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "is not a JSON object"
    if not isinstance(record, dict):
        return "is not a JSON object"
    kind, seq = record.get("kind"), record.get("seq")
    if record.get("v") != FORMAT:
        return f"has format {record.get('v')!r}, not {FORMAT}"
    if kind not in ("checkpoint", "backup", "restore"):
        return f"has kind {kind!r}"
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        return f"has sequence {seq!r}"
    if not _is_hash(record.get("head")) or not _is_hash(record.get("prev")):
        return "has a head or prev that is not a SHA-256 hex digest"
    for name in ("at", "key", "sig"):
        if not isinstance(record.get(name), str):
            return f"has no {name}"
    try:
        datetime.fromisoformat(record["at"])
    except ValueError:
        return f"has a time {record['at']!r} that is not ISO 8601"
    if kind == "backup" and not (
        _is_hash(record.get("backup_sha256"))
        and isinstance(record.get("backup"), str)
        and isinstance(record.get("backup_taken_at"), str)
    ):
        return "is a backup record without the backup's name, SHA-256 and time"
    return LogEntry(
        line, kind, seq, record["head"], record["at"], record["key"], record, _digest(raw)
    )


def _signature_holds(entry: LogEntry, public: Ed25519PublicKey) -> bool:
    body = {k: v for k, v in entry.record.items() if k != "sig"}
    try:
        public.verify(
            base64.b64decode(entry.record["sig"], validate=True), SIGNED_PREFIX + _canonical(body)
        )
    except (InvalidSignature, binascii.Error):
        return False
    return True


@dataclass(frozen=True, slots=True)
class LogReading:
    """The log's lines up to the first that does not verify (``problem`` and ``line`` then name
    it, and ``entries`` hold the lines before it)."""

    entries: list[LogEntry]
    lines: int
    problem: LogProblem | None = None
    line: int | None = None
    message: str = ""


def read_log(data: bytes, keys: Mapping[str, Ed25519PublicKey]) -> LogReading:
    """Parse and verify every line: its form, its key (one of ``keys``, by id), its signature,
    and its link to the line before it."""
    rows = data.split(b"\n")
    complete, tail = rows[:-1], rows[-1]
    entries: list[LogEntry] = []
    backups: dict[str, LogEntry] = {}
    prev = LOG_GENESIS

    def bad(problem: LogProblem, line: int, message: str) -> LogReading:
        return LogReading(entries, len(complete) + (1 if tail else 0), problem, line, message)

    for number, raw in enumerate(complete, 1):
        parsed = _entry(raw, number)
        if isinstance(parsed, str):
            return bad("malformed", number, f"line {number} of the checkpoint log {parsed}")
        public = keys.get(parsed.key)
        if public is None:
            return bad(
                "unknown_key",
                number,
                f"{parsed.described} is signed by key {parsed.key}, which is not among the keys "
                f"given ({', '.join(sorted(keys))}): a forged line, or the wrong public key",
            )
        if not _signature_holds(parsed, public):
            return bad(
                "bad_signature",
                number,
                f"{parsed.described} does not match its signature: the line was altered",
            )
        if parsed.record["prev"] != prev:
            return bad(
                "broken_link",
                number,
                f"{parsed.described} does not follow line {number - 1}: lines of the log were "
                "removed, reordered or copied",
            )
        if parsed.kind == "restore" and not _restores(parsed, backups):
            return bad(
                "unanchored_restore",
                number,
                f"{parsed.described} names no earlier backup record of event {parsed.seq} "
                f"({parsed.head[:16]}…): a restore of a backup that was never verified against "
                "the log, which may excuse a truncation",
            )
        if parsed.kind == "backup":
            backups[parsed.digest] = parsed
        entries.append(parsed)
        prev = parsed.digest
    if tail:
        return bad(
            "malformed",
            len(complete) + 1,
            f"line {len(complete) + 1} of the checkpoint log is incomplete (no end of line)",
        )
    return LogReading(entries, len(complete))


def _restores(restore: LogEntry, backups: Mapping[str, LogEntry]) -> bool:
    """Whether the restore record names an earlier backup record of its head and file."""
    backup = backups.get(str(restore.record.get("backup_record")))
    return (
        backup is not None
        and (backup.seq, backup.head) == (restore.seq, restore.head)
        and backup.record["backup_sha256"] == restore.record.get("backup_sha256")
    )


def find_backup(entries: Sequence[LogEntry], sha256: str) -> LogEntry | None:
    """The newest backup record of the file with this SHA-256 among verified ``entries``."""
    for entry in reversed(entries):
        if entry.kind == "backup" and entry.record["backup_sha256"] == sha256:
            return entry
    return None


def active_anchors(entries: Sequence[LogEntry]) -> tuple[list[LogEntry], list[LogEntry]]:
    """(active, superseded): a restore record supersedes the checkpoints and backup records
    before it whose sequence lies beyond the one restored, and is itself an anchor."""
    active: list[LogEntry] = []
    superseded: list[LogEntry] = []
    for entry in entries:
        if entry.kind == "restore":
            superseded.extend(a for a in active if a.seq > entry.seq)
            active = [a for a in active if a.seq <= entry.seq]
        active.append(entry)
    return active, superseded


@dataclass(frozen=True, slots=True)
class AnchorFailure:
    entry: LogEntry
    problem: AnchorProblem
    message: str


def check_anchors(
    active: Sequence[LogEntry], *, hashes: Mapping[int, str], verified_through: int, complete: bool
) -> tuple[int, AnchorFailure | None]:
    """(anchors checked, the first that the chain no longer extends).

    ``hashes`` holds the stored hash of each event at an anchor's sequence, for events
    ``1 .. verified_through``; ``complete`` says the chain verified to its head, so that an
    anchor beyond ``verified_through`` was cut off, not merely unreachable past a fault.
    """
    checked = 0
    for anchor in active:
        if anchor.seq > verified_through:
            if not complete:
                continue  # the chain broke before it: that fault is reported already
            gone = (
                f"event {anchor.seq} was"
                if anchor.seq == verified_through + 1
                else f"events {verified_through + 1}-{anchor.seq} were"
            )
            return checked, AnchorFailure(
                anchor,
                "truncated",
                f"{anchor.described} anchors event {anchor.seq}, but the chain ends at event "
                f"{verified_through}: {gone} deleted and the head moved back",
            )
        stored = GENESIS_HASH if anchor.seq == 0 else hashes.get(anchor.seq)
        checked += 1
        if stored != anchor.head:
            return checked, AnchorFailure(
                anchor,
                "rewritten",
                f"event {anchor.seq} has hash {str(stored)[:16]}…, but {anchor.described} "
                f"signed {anchor.head[:16]}…: the chain up to event {anchor.seq} was rewritten "
                "and re-hashed",
            )
    return checked, None


def sign_record(key: Ed25519PrivateKey, fields: Mapping[str, Any]) -> dict[str, Any]:
    """``fields`` with the format, the key's id and the signature over all of them."""
    body = {**fields, "v": FORMAT, "key": key_id(key.public_key())}
    signature = key.sign(SIGNED_PREFIX + _canonical(body))
    return {**body, "sig": base64.b64encode(signature).decode("ascii")}


class LogAppender:
    """The log opened for appending, locked against other writers (``flock``) until closed, so
    that reading its last line and appending the next are one step."""

    def __init__(self, fd: int, path: Path) -> None:
        self._fd = fd
        self.path = path
        data = b""
        while chunk := os.read(fd, 1 << 20):
            data += chunk
        if data and not data.endswith(b"\n"):
            raise Conflict(
                f"the checkpoint log {path} ends with an incomplete line; `rarex audit verify "
                "--checkpoints` names it (docs/operations.md)",
                code="audit.log_incomplete",
            )
        rows = data.split(b"\n")[:-1]
        self.data = data  # as read under the lock, before this appender's lines
        self.lines = len(rows)
        self._prev = _digest(rows[-1]) if rows else LOG_GENESIS
        last = _entry(rows[-1], len(rows)) if rows else None
        if isinstance(last, str):
            raise Conflict(
                f"the last line of the checkpoint log {path} {last}", code="audit.log_malformed"
            )
        self.last: LogEntry | None = last

    def last_signed_by(self, public: Ed25519PublicKey) -> bool | None:
        """Whether the last line's signature holds under ``public``; None when another key
        signed it (the key was rotated: only a verifier holding the old key can say)."""
        if self.last is None or self.last.key != key_id(public):
            return None
        return _signature_holds(self.last, public)

    def append(self, key: Ed25519PrivateKey, fields: Mapping[str, Any]) -> LogEntry:
        record = sign_record(key, {**fields, "prev": self._prev})
        raw = _canonical(record)
        view = memoryview(raw + b"\n")
        while view:
            view = view[os.write(self._fd, view) :]
        os.fsync(self._fd)  # on disk before anyone is told it was written
        self.lines += 1
        self._prev = _digest(raw)
        entry = _entry(raw, self.lines)
        assert isinstance(entry, LogEntry)
        self.last = entry
        return entry


@contextmanager
def appending(path: Path) -> Iterator[LogAppender]:
    """Open (creating it) and lock the log; a new log's directory entry is synced too."""
    created = not path.exists()
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError as exc:
        raise InvalidInput(
            f"cannot open the checkpoint log {path}: {exc.strerror}", code="audit.log_unwritable"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if created:
            directory = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        yield LogAppender(fd, path)
    finally:
        os.close(fd)  # releases the lock
