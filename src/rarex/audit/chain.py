"""The pure half of the append-only audit log: canonical payloads, hashing, chain verification.

Each event's hash covers its own fields and the previous event's hash, so altering, removing or
reordering any stored event breaks the chain from that point on. Deleting events from the *end*
leaves a shorter chain that is still internally valid; that is why verification also accepts the
expected head (count and last hash), which the writer keeps in a separate row.

Nothing here touches a database; :mod:`rarex.audit.service` stores and streams the records.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Literal
from uuid import UUID

GENESIS_HASH = "0" * 64
# Part of every hashed message so that a future change of encoding cannot collide with this one.
HASH_SCHEME = "rarex.audit.v1"

ChainProblem = Literal["altered", "broken_link", "missing_or_reordered", "truncated", "beyond_head"]


def _plain(value: Any) -> Any:
    """Reduce a payload value to JSON types, deterministically; refuse what has no one rendering."""
    # Order matters: bool before int, Enum before str/int (StrEnum is a str), datetime before date.
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, str | int):
        return value
    if isinstance(value, float):
        raise TypeError(
            f"float {value!r} in an audit payload: quantities are Decimals, and a float has no "
            "single exact rendering"
        )
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise TypeError(f"naive datetime {value!r} in an audit payload: its instant is unknown")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Mapping):
        plain: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                # json.dumps would turn 1 into "1" and silently merge it with a real "1" key.
                raise TypeError(f"audit payload keys must be strings, got {key!r}")
            plain[key] = _plain(item)
        return plain
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    raise TypeError(f"{type(value).__name__} {value!r} cannot go into an audit payload")


def canonical_json(payload: Mapping[str, Any]) -> str:
    """One string per payload: sorted keys, no spaces, UTF-8 text kept as is.

    Decimals render via ``str`` (so ``Decimal("1.50")`` stays ``"1.50"``: the exact figure the
    actor saw), aware datetimes as ISO 8601 in UTC, dates as ISO, UUIDs hyphenated, enums by value,
    tuples as lists. Raises ``TypeError`` for floats, naive datetimes, sets, non-string keys and
    any other type, rather than guess a rendering that might later differ.
    """
    return json.dumps(
        _plain(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _utc_iso(at: datetime) -> str:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"audit time must be timezone-aware, got {at!r}")
    # Fixed precision, so a stored time that lost trailing zero microseconds hashes the same.
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def compute_hash(
    *,
    prev_hash: str,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    payload_json: str,
    request_id: str | None = None,
) -> str:
    """SHA-256 (hex) over a JSON array of the fields.

    JSON string escaping makes the encoding injective: no choice of field values can move a
    boundary (``actor="a|b", action="c"`` cannot collide with ``actor="a", action="b|c"``), which
    plain concatenation would allow. ``at`` enters as ISO 8601 UTC with microseconds, so the same
    instant in any time zone hashes the same. The id of the request that wrote the event, when
    there was one, is the array's last element: an event recorded outside a request (and every
    event written before request ids were kept) hashes as it always did.
    """
    fields: list[object] = [
        HASH_SCHEME,
        prev_hash,
        seq,
        _utc_iso(at),
        actor,
        action,
        subject_type,
        subject_id,
        payload_json,
    ]
    if request_id is not None:
        fields.append(request_id)
    message = json.dumps(
        fields,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(message.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One stored event. ``at`` must be timezone-aware; nothing else is checked on construction,
    because verification has to be able to hold a tampered record in order to report it."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    payload_json: str
    prev_hash: str
    hash: str
    # The request that wrote it (rarex.logs), so its log lines and this event can be matched.
    request_id: str | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError(f"audit time must be timezone-aware, got {self.at!r}")

    def recomputed_hash(self) -> str:
        return compute_hash(
            prev_hash=self.prev_hash,
            seq=self.seq,
            at=self.at,
            actor=self.actor,
            action=self.action,
            subject_type=self.subject_type,
            subject_id=self.subject_id,
            payload_json=self.payload_json,
            request_id=self.request_id,
        )


def next_record(
    prev: AuditRecord | None,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    payload: Mapping[str, Any],
    request_id: str | None = None,
) -> AuditRecord:
    """The event that follows ``prev`` (or opens the chain when ``prev`` is None).

    The caller must hold the chain's write lock from reading ``prev`` until the new record is
    stored; two writers extending the same ``prev`` would fork the chain. ``at`` is not required
    to be later than ``prev.at``: clocks of different processes disagree slightly, and refusing
    to record an event is worse than recording it with an honest timestamp.
    Raises ``ValueError`` for an empty actor, action or subject type, or a naive ``at``.
    """
    for name, value in (("actor", actor), ("action", action), ("subject_type", subject_type)):
        if not value:
            raise ValueError(f"an audit event needs a non-empty {name}")
    head = (0, GENESIS_HASH) if prev is None else (prev.seq, prev.hash)
    return record_after(
        head,
        at=at,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        payload=payload,
        request_id=request_id,
    )


def record_after(
    head: tuple[int, str],
    *,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    payload: Mapping[str, Any],
    request_id: str | None = None,
) -> AuditRecord:
    """The event that follows a chain whose last event has this (seq, hash).

    Writers keep the head apart from the events, so appending needs no read of the last event.
    """
    for name, value in (("actor", actor), ("action", action), ("subject_type", subject_type)):
        if not value:
            raise ValueError(f"an audit event needs a non-empty {name}")
    seq = head[0] + 1
    prev_hash = head[1]
    payload_json = canonical_json(payload)
    return AuditRecord(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        payload_json=payload_json,
        prev_hash=prev_hash,
        hash=compute_hash(
            prev_hash=prev_hash,
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            payload_json=payload_json,
            request_id=request_id,
        ),
        request_id=request_id,
    )


@dataclass(frozen=True, slots=True)
class ChainVerification:
    """The verdict on a chain.

    When ``ok`` is false, events ``1 .. first_bad_seq - 1`` were verified (``checked`` of them)
    and ``first_bad_seq`` is the sequence number of the first event that is missing, out of place
    or does not verify. ``first_bad_seq`` is None only when the expected head itself is
    inconsistent (a hash other than the genesis hash for an empty chain).
    """

    ok: bool
    checked: int
    first_bad_seq: int | None
    problem: ChainProblem | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_bad_seq": self.first_bad_seq,
            "problem": self.problem,
            "message": self.message,
        }


def _bad(checked: int, problem: ChainProblem, message: str) -> ChainVerification:
    return ChainVerification(False, checked, checked + 1, problem, message)


def verify_chain(
    records: Iterable[AuditRecord],
    *,
    expected_head: tuple[int, str] | None = None,
    after: tuple[int, str] = (0, GENESIS_HASH),
) -> ChainVerification:
    """Check records in the order given (the store's order by ``seq``), stopping at the first fault.

    For the record at position ``n`` (counting from 1), in this order:

    * ``altered``: its hash does not recompute from its fields (any field changed in place,
      including ``seq``, ``prev_hash`` or ``hash`` itself);
    * ``missing_or_reordered``: it is intact but its ``seq`` is not ``n``: event ``n`` was
      deleted or the events were moved;
    * ``broken_link``: it is intact and in place but its ``prev_hash`` is not the hash of event
      ``n - 1``: one of the two was rewritten *and* re-hashed.

    Then, against ``expected_head = (count, last_hash)`` if given:

    * ``truncated``: fewer than ``count`` events: the tail was deleted;
    * ``beyond_head``: more than ``count`` events: events were appended without moving the head
      (or the head was rolled back); read the head and the events in one snapshot;
    * ``altered``: ``count`` events but the last hash differs from the head's: the last event
      was rewritten and re-hashed (or the head was).

    Without ``expected_head``, deletion of events from the end cannot be detected. Records are
    consumed lazily, so a long chain can be streamed. ``after = (seq, hash)`` checks only the
    events that follow an event already trusted (a signed checkpoint's): the records then start
    at ``seq + 1``, and ``checked`` counts from ``seq``.
    """
    if expected_head is not None and expected_head[0] < 0:
        raise ValueError(f"expected head count must be >= 0, got {expected_head[0]}")
    head_count = expected_head[0] if expected_head is not None else None
    checked, last_hash = after
    for record in records:
        expected_seq = checked + 1
        if head_count is not None and expected_seq > head_count:
            return _bad(
                checked,
                "beyond_head",
                f"event at position {expected_seq} (seq {record.seq}) lies beyond the recorded "
                f"head of {head_count} events: appended without moving the head, or the head "
                "was rolled back",
            )
        if record.recomputed_hash() != record.hash:
            claimed = "" if record.seq == expected_seq else f" (claiming seq {record.seq})"
            return _bad(
                checked,
                "altered",
                f"event {expected_seq}{claimed} does not match its hash: it was altered",
            )
        if record.seq != expected_seq:
            return _bad(
                checked,
                "missing_or_reordered",
                f"expected event {expected_seq} but found event {record.seq}: event "
                f"{expected_seq} is missing or the events are out of order",
            )
        if record.prev_hash != last_hash:
            before = "the genesis hash" if expected_seq == 1 else f"event {expected_seq - 1}'s hash"
            return _bad(
                checked,
                "broken_link",
                f"event {expected_seq} does not link to {before}: event {expected_seq} or its "
                "predecessor was rewritten and re-hashed",
            )
        last_hash = record.hash
        checked = expected_seq

    if expected_head is not None:
        count, head_hash = expected_head
        if checked < count:
            gone = f"event {count}" if count == checked + 1 else f"events {checked + 1}-{count}"
            return _bad(
                checked,
                "truncated",
                f"the head records {count} events but the chain ends at {checked}: {gone} deleted",
            )
        if head_hash != last_hash:
            if count == 0:
                return ChainVerification(
                    False, 0, None, "altered", "the head records no events but a non-genesis hash"
                )
            return _bad(
                checked - 1,
                "altered",
                f"event {count}'s hash differs from the head's: the last event was rewritten "
                "and re-hashed, or the head was altered",
            )
    return ChainVerification(True, checked, None, None, f"{checked} events verified")
