"""Issue 14, gap 4: the audit head lives beside the chain, so whoever can write the database can
cut the tail and move the head, or rewrite every event with recomputed hashes, and the chain's
own verification still passes. Each test first shows that, then that a signed checkpoint kept
outside the database catches it. SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from rarex.audit import anchoring
from rarex.audit.anchoring import (
    AnchoredVerification,
    ChainDiverged,
    Checkpointer,
    verify_anchored,
    write_backup_record,
    write_checkpoint,
    write_restore_record,
)
from rarex.audit.chain import record_after
from rarex.audit.keys import key_id
from rarex.audit.service import record_event, stored_head, stream_records, verify
from rarex.clock import FixedClock
from rarex.db import make_sessionmaker, session_scope
from rarex.db_engine import make_engine
from rarex.models import AuditEvent, AuditHead
from tests.conftest import BACKENDS, whole_database

KEY = Ed25519PrivateKey.generate()
KEYS = {key_id(KEY.public_key()): KEY.public_key()}


def _events(session: Session, clock: FixedClock, count: int) -> None:
    for n in range(count):
        record_event(session, clock=clock, actor="officer", action="test.step",
                     subject_type="case", subject_id=f"C-{n}", payload={"n": n})  # fmt: skip


def _tampered(session: Session) -> None:
    session.info.pop("audit_head", None)  # the writer's cached head no longer holds


def _truncate(session: Session, keep: int) -> None:
    """What someone with write access does: delete the tail and move the head back to it."""
    last = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == keep))
    session.execute(delete(AuditEvent).where(AuditEvent.seq > keep))
    session.execute(update(AuditHead).values(last_seq=keep, last_hash=last))
    _tampered(session)


def _rewrite(session: Session) -> None:
    """Every event rewritten (one payload changed) and re-hashed in turn, the head moved."""
    records = list(stream_records(session))
    head = (0, "0" * 64)
    rows = []
    for old in records:
        payload = {"n": "forged"} if old.seq == 2 else {"n": old.seq - 1}
        new = record_after(head, at=old.at, actor=old.actor, action=old.action,
                           subject_type=old.subject_type, subject_id=old.subject_id,
                           payload=payload)  # fmt: skip
        rows.append(asdict(new))
        head = (new.seq, new.hash)
    session.execute(delete(AuditEvent))
    session.execute(insert(AuditEvent), rows)
    session.execute(update(AuditHead).values(last_seq=head[0], last_hash=head[1]))
    _tampered(session)


def _backup(session: Session) -> dict[str, Any]:
    """What `take_backup` says of a backup of the chain as it is now."""
    seq, head = stored_head(session)
    return {"file": "/backups/b.tar", "sha256": "ab" * 32, "taken_at": "2025-06-02T02:00:00+00:00",
            "audit": {"seq": seq, "head": head}}  # fmt: skip


def _verify(session: Session, log: Path) -> AnchoredVerification:
    return verify_anchored(session, log_data=log.read_bytes(), keys=KEYS, file=str(log))


def test_a_cut_tail_with_the_head_moved_passes_the_chain_but_not_the_checkpoint(
    session: Session, clock: FixedClock, tmp_path: Path
) -> None:
    log = tmp_path / "checkpoints.log"
    _events(session, clock, 3)
    write_checkpoint(session, key=KEY, log_path=log, clock=clock)
    _events(session, clock, 3)
    write_checkpoint(session, key=KEY, log_path=log, clock=clock)
    assert _verify(session, log).ok

    _truncate(session, 4)
    assert verify(session).ok  # the gap: the chain and its head agree
    result = _verify(session, log)
    assert result.chain.ok
    assert not result.ok
    body = result.to_dict()["checkpoints"]
    assert (body["problem"], body["line"]) == ("truncated", 2)
    assert (
        "anchors event 6, but the chain ends at event 4: events 5-6 were deleted"
        in (body["message"])
    )
    with pytest.raises(ChainDiverged, match="behind line 2"):
        write_checkpoint(session, key=KEY, log_path=log, clock=clock)
    assert len(log.read_text().splitlines()) == 2


def test_a_rewritten_and_rehashed_chain_passes_the_chain_but_not_the_checkpoint(
    session: Session, clock: FixedClock, tmp_path: Path
) -> None:
    log = tmp_path / "checkpoints.log"
    _events(session, clock, 4)
    write_checkpoint(session, key=KEY, log_path=log, clock=clock)

    _rewrite(session)
    assert verify(session).ok  # the gap: a consistent forgery
    result = _verify(session, log)
    assert not result.ok
    body = result.to_dict()["checkpoints"]
    assert (body["problem"], body["line"]) == ("rewritten", 1)
    assert "the chain up to event 4 was rewritten and re-hashed" in body["message"]
    with pytest.raises(ChainDiverged, match="rewritten"):
        write_checkpoint(session, key=KEY, log_path=log, clock=clock)


def test_checkpoints_follow_a_growing_chain_and_a_broken_event_is_still_named(
    session: Session, clock: FixedClock, tmp_path: Path
) -> None:
    log = tmp_path / "checkpoints.log"
    write_checkpoint(session, key=KEY, log_path=log, clock=clock)  # the empty chain
    for _ in range(3):
        _events(session, clock, 2)
        write_checkpoint(session, key=KEY, log_path=log, clock=clock)
    result = _verify(session, log)
    assert result.ok
    assert result.to_dict()["checkpoints"]["anchored"] == 4
    session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(payload_json="{}"))
    result = _verify(session, log)
    assert (result.chain.ok, result.chain.first_bad_seq) == (False, 3)
    assert result.log_ok  # anchors past the fault are not judged; the fault is the chain's
    # The writer checks only what follows the last checkpoint; signing again vouches for
    # nothing before it: event 3 still fails, and stays failing, in every verification.
    write_checkpoint(session, key=KEY, log_path=log, clock=clock)
    assert _verify(session, log).chain.first_bad_seq == 3


def test_a_signed_restore_record_excuses_the_lost_events_and_nothing_before(
    session: Session, clock: FixedClock, tmp_path: Path
) -> None:
    log = tmp_path / "checkpoints.log"
    _events(session, clock, 3)
    write_checkpoint(session, key=KEY, log_path=log, clock=clock)
    _events(session, clock, 1)
    verified = log.read_bytes()
    assert _verify(session, log).ok  # what `rarex db backup` checks before it records one
    backup = write_backup_record(
        key=KEY, log_path=log, clock=clock, backup=_backup(session), verified_log=verified
    )
    _events(session, clock, 2)
    write_checkpoint(session, key=KEY, log_path=log, clock=clock)
    with pytest.raises(ChainDiverged, match="not event 4"):  # the database is not restored yet
        write_restore_record(session, key=KEY, log_path=log, clock=clock, backup=backup)
    _truncate(session, 4)  # what restoring the backup of event 4 does to the chain
    restore = write_restore_record(session, key=KEY, log_path=log, clock=clock, backup=backup)
    assert restore.record["backup_record"] == backup.digest
    _events(session, clock, 5)  # events 5-9 anew, other than the lost 5-6
    write_checkpoint(session, key=KEY, log_path=log, clock=clock)
    result = _verify(session, log)
    assert result.ok, result.message
    assert result.superseded == 1
    body = result.to_dict()["checkpoints"]
    assert (body["checkpoints"], body["backups"], body["restores"]) == (3, 1, 1)

    # a restore does not excuse a rewrite of what it kept: checkpoint 1 (event 3) still holds
    _rewrite(session)
    result = _verify(session, log)
    assert result.to_dict()["checkpoints"]["problem"] == "rewritten"
    assert result.to_dict()["checkpoints"]["line"] == 1


def test_a_backup_is_recorded_only_over_the_log_it_was_verified_against_and_an_empty_log_is_broken(
    session: Session, clock: FixedClock, tmp_path: Path
) -> None:
    log = tmp_path / "checkpoints.log"
    log.touch()
    _events(session, clock, 2)
    result = _verify(session, log)  # a log that anchors nothing proves nothing
    assert (result.chain.ok, result.ok) == (True, False)
    body = result.to_dict()["checkpoints"]
    assert (body["problem"], body["line"]) == ("empty", None)
    assert "empty: nothing anchors the chain" in body["message"]

    write_checkpoint(session, key=KEY, log_path=log, clock=clock)
    verified = log.read_bytes()
    assert _verify(session, log).ok
    log.write_bytes(b"")  # the log changed while the backup was taken
    with pytest.raises(ChainDiverged, match="changed other than by appending"):
        write_backup_record(
            key=KEY, log_path=log, clock=clock, backup=_backup(session), verified_log=verified
        )
    assert log.read_bytes() == b""


def test_the_server_thread_writes_a_checkpoint_at_start_and_at_stop(
    session: Session, clock: FixedClock, tmp_path: Path
) -> None:
    log = tmp_path / "checkpoints.log"
    _events(session, clock, 2)
    sessions = sessionmaker(bind=session.connection(), join_transaction_mode="create_savepoint")
    thread = Checkpointer(sessions, key=KEY, log_path=log, clock=clock, interval=3600)
    thread.start()
    thread.stop()
    lines = log.read_text().splitlines()
    assert len(lines) == 2
    assert _verify(session, log).ok


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_server_thread_reads_the_head_and_the_events_in_one_snapshot(
    backend: str, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request that commits an event between the thread's read of the head and its read of
    the events must not look like an event appended behind the head's back (PostgreSQL's READ
    COMMITTED, the default, takes a new snapshot for each statement)."""
    log = tmp_path / "checkpoints.log"
    with whole_database(backend, tmp_path, name="snapshot", migrated=True) as url:
        engine = make_engine(url)  # the default isolation, not the server's
        sessions = make_sessionmaker(engine)
        try:
            with session_scope(sessions) as other:
                _events(other, clock, 2)
            thread = Checkpointer(sessions, key=KEY, log_path=log, clock=clock, interval=3600)
            assert thread.write_once() is not None
            read_head = anchoring.stored_head

            def head_then_a_commit(session: Session) -> tuple[int, str]:
                head = read_head(session)
                with session_scope(sessions) as other:
                    _events(other, clock, 1)  # a request commits meanwhile
                return head

            monkeypatch.setattr(anchoring, "stored_head", head_then_a_commit)
            written = thread.write_once()
            assert written is not None, "refused: the two reads saw two snapshots"
            assert written.seq == 2  # the head of its snapshot, not the event committed after
            monkeypatch.undo()
            assert thread.write_once().seq == 3  # type: ignore[union-attr]
            with session_scope(sessions) as session:
                assert _verify(session, log).ok
        finally:
            engine.dispose()
