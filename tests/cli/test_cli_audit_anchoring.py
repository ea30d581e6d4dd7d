"""Issue 14, gaps 4 and 5 from the command line, on SQLite and PostgreSQL: `rarex audit
checkpoint`, `rarex audit verify --checkpoints`, `rarex db backup` and `rarex db restore`."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tarfile
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from rarex.audit.anchoring import write_backup_record
from rarex.audit.backup import read_manifest
from rarex.audit.chain import record_after
from rarex.audit.service import record_event, stream_records
from rarex.cli.main import app
from rarex.clock import SystemClock
from rarex.config import Settings, get_settings
from rarex.db import make_sessionmaker, session_scope
from rarex.db_engine import make_engine
from rarex.models import AuditEvent, AuditHead


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def log(
    cli_env: str, key: Ed25519PrivateKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The signing key in the environment (the raw seed in base64) and a checkpoint log."""
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    path = tmp_path / "checkpoints.log"
    monkeypatch.setenv("RAREX_AUDIT_SIGNING_KEY", base64.b64encode(raw).decode())
    monkeypatch.setenv("RAREX_AUDIT_CHECKPOINT_LOG", str(path))
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def _events(url: str, count: int) -> None:
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        for n in range(count):
            record_event(session, clock=SystemClock(), actor="officer", action="test.step",
                         subject_type="case", subject_id=f"C-{n}", payload={"n": n})  # fmt: skip
    engine.dispose()


def _truncate(url: str, keep: int) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        last = conn.scalar(select(AuditEvent.hash).where(AuditEvent.seq == keep))
        conn.execute(delete(AuditEvent).where(AuditEvent.seq > keep))
        conn.execute(update(AuditHead).values(last_seq=keep, last_hash=last))
    engine.dispose()


def _rewrite(url: str, keep: int) -> None:
    """Every event re-hashed in turn (event 1 altered), the head moved; then the tail cut."""
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        head = (0, "0" * 64)
        for old in list(stream_records(session)):
            new = record_after(head, at=old.at, actor="someone else", action=old.action,
                               subject_type=old.subject_type, subject_id=old.subject_id,
                               payload={"forged": True})  # fmt: skip
            session.execute(delete(AuditEvent).where(AuditEvent.seq == old.seq))
            session.add(AuditEvent(**asdict(new)))
            session.flush()
            head = (new.seq, new.hash)
        session.execute(update(AuditHead).values(last_seq=head[0], last_hash=head[1]))
    engine.dispose()
    _truncate(url, keep)


def _run(runner: CliRunner, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.stdout


@pytest.mark.parametrize("tamper", ["truncate", "rewrite"])
def test_a_cut_or_rewritten_chain_passes_plain_verify_and_fails_against_a_checkpoint(
    runner: CliRunner, cli_env: str, log: Path, tamper: str
) -> None:
    _events(cli_env, 3)
    _run(runner, "audit", "checkpoint")
    _events(cli_env, 2)
    written = json.loads(_run(runner, "audit", "checkpoint", "--json"))
    assert (written["written"], written["line"], written["seq"]) == (True, 2, 5)

    (_truncate if tamper == "truncate" else _rewrite)(cli_env, 4)
    plain = json.loads(_run(runner, "audit", "verify", "--json"))
    assert plain["ok"] is True  # the gap this closes

    body = json.loads(_run(runner, "audit", "verify", "--checkpoints", str(log), "--json", code=5))
    assert body["ok"] is False
    assert body["chain"]["ok"] is True
    expected = ("truncated", 2) if tamper == "truncate" else ("rewritten", 1)
    assert (body["checkpoints"]["problem"], body["checkpoints"]["line"]) == expected
    text = runner.invoke(app, ["audit", "verify", "--checkpoints", str(log)])
    assert text.exit_code == 5
    assert "checkpoints BROKEN" in text.stdout
    refused = runner.invoke(app, ["audit", "checkpoint"])
    assert refused.exit_code == 5
    assert "audit.chain_diverged" in refused.stderr
    assert len(log.read_text().splitlines()) == 2  # nothing signed over the forgery


def test_a_tampered_checkpoint_line_is_reported_and_an_auditor_needs_only_the_public_key(
    runner: CliRunner, cli_env: str, log: Path, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    _events(cli_env, 2)
    _run(runner, "audit", "checkpoint")
    _run(runner, "audit", "checkpoint")
    public = tmp_path / "audit-public.pem"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    args = ["audit", "verify", "--checkpoints", str(log), "--public-key", str(public), "--json"]
    assert json.loads(_run(runner, *args))["checkpoints"]["anchored"] == 2

    lines = log.read_text().splitlines()
    lines[0] = lines[0].replace('"seq":2', '"seq":1')
    log.write_text("\n".join(lines) + "\n")
    body = json.loads(_run(runner, *args, code=5))
    assert (body["checkpoints"]["problem"], body["checkpoints"]["line"]) == ("bad_signature", 1)
    stranger = tmp_path / "stranger.pem"
    stranger.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    args[5] = str(stranger)
    assert json.loads(_run(runner, *args, code=5))["checkpoints"]["problem"] == "unknown_key"


def test_backup_and_restore_round_trip_passes_verify_thanks_to_the_signed_restore_record(
    runner: CliRunner, cli_env: str, log: Path, tmp_path: Path
) -> None:
    _events(cli_env, 3)
    _run(runner, "audit", "checkpoint")
    backup = tmp_path / "rarex.backup"
    made = json.loads(_run(runner, "db", "backup", str(backup), "--json"))
    assert (made["audit"]["seq"], made["audit"]["chain_ok"]) == (3, True)
    assert made["sha256"] == hashlib.sha256(backup.read_bytes()).hexdigest()
    assert (made["anchored"], made["checkpoints"]["ok"]) == (True, True)
    assert (made["record"]["kind"], made["record"]["line"], made["record"]["seq"]) == (
        "backup", 2, 3,
    )  # fmt: skip
    assert made["record"]["backup_sha256"] == made["sha256"]
    again = runner.invoke(app, ["db", "backup", str(backup)])
    assert again.exit_code == 2
    assert "backup.exists" in again.stderr

    _events(cli_env, 2)  # lost by the restore, by design
    _run(runner, "audit", "checkpoint")  # event 5, superseded by the restore
    restored = json.loads(_run(runner, "db", "restore", str(backup), "--yes", "--json"))
    assert restored["audit"]["seq"] == 3
    assert restored["record"]["kind"] == "restore"
    assert restored["record"]["backup_sha256"] == made["sha256"]
    backup_line = log.read_bytes().splitlines()[1]
    assert restored["record"]["backup_record"] == hashlib.sha256(backup_line).hexdigest()
    assert restored["backup_record"]["line"] == 2
    assert json.loads(_run(runner, "audit", "verify", "--json"))["checked"] == 3

    body = json.loads(_run(runner, "audit", "verify", "--checkpoints", str(log), "--json"))
    assert body["ok"] is True
    assert (body["checkpoints"]["backups"], body["checkpoints"]["restores"]) == (1, 1)
    assert body["checkpoints"]["superseded"] == 1
    _events(cli_env, 1)
    _run(runner, "audit", "checkpoint")
    assert json.loads(_run(runner, "audit", "verify", "--checkpoints", str(log), "--json"))["ok"]

    # without its restore record the same restore is a truncation
    lines = log.read_text().splitlines()
    log.write_text("\n".join(lines[:3]) + "\n")
    body = json.loads(_run(runner, "audit", "verify", "--checkpoints", str(log), "--json", code=5))
    assert body["checkpoints"]["problem"] == "truncated"


def test_restore_refuses_what_it_cannot_restore_whole_and_leaves_the_database_as_it_was(
    runner: CliRunner,
    cli_env: str,
    log: Path,
    key: Ed25519PrivateKey,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _events(cli_env, 2)
    _run(runner, "audit", "checkpoint")
    good = tmp_path / "good.backup"
    _run(runner, "db", "backup", str(good))
    engine = make_engine(cli_env)
    with engine.begin() as conn:  # a chain broken before the next backup
        conn.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(payload_json="{}"))
    engine.dispose()

    def refused(path: Path, code: str) -> None:
        result = runner.invoke(app, ["db", "restore", str(path), "--yes"])
        assert result.exit_code == 2, result.output
        assert code in result.stderr
        after = json.loads(_run(runner, "audit", "verify", "--json", code=5))
        assert (after["first_bad_seq"], after["problem"]) == (1, "altered")  # untouched

    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    refused(not_a_backup, "backup.not_a_backup")
    broken = tmp_path / "broken.backup"
    made = runner.invoke(app, ["db", "backup", str(broken), "--json"])
    assert made.exit_code == 5  # written, and said to hold a broken chain
    assert json.loads(made.stdout)["audit"]["chain_ok"] is False
    assert json.loads(made.stdout)["record"] is None
    refused(broken, "backup.not_anchored")  # never recorded, so never restored
    damaged = tmp_path / "damaged.backup"
    with tarfile.open(good) as source, tarfile.open(damaged, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            data = data if member.name.endswith(".json") else data[:-1] + b"?"
            target.addfile(member, io.BytesIO(data))
    refused(damaged, "backup.not_anchored")  # not the file that was recorded
    # Recorded by hand (the key signs anything), each is still refused by what it holds.
    for path, code in ((broken, "backup.chain_broken"), (damaged, "backup.corrupt")):
        manifest = read_manifest(path)
        fields = {"file": str(path), "sha256": manifest["sha256"],
                  "taken_at": manifest["taken_at"], "audit": manifest["audit"]}  # fmt: skip
        write_backup_record(key=key, log_path=log, clock=SystemClock(), backup=fields,
                            verified_log=b"")  # fmt: skip
        refused(path, code)
    kinds = [json.loads(line)["kind"] for line in log.read_text().splitlines()]
    assert kinds == ["checkpoint", "backup", "backup", "backup"]  # no restore record

    kept = log.read_bytes()
    log.write_bytes(kept.replace(b'"seq":2', b'"seq":1', 1))  # the log itself altered
    refused(good, "audit.log_broken")
    log.write_bytes(kept)
    monkeypatch.delenv("RAREX_AUDIT_SIGNING_KEY")
    get_settings.cache_clear()
    result = runner.invoke(app, ["db", "restore", str(broken), "--yes"])
    assert result.exit_code == 2
    assert "audit.no_signing_key" in result.stderr


def test_a_truncated_chain_cannot_be_laundered_through_a_backup_and_a_restore(
    runner: CliRunner, cli_env: str, log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An insider who can write the database cuts the chain's tail and moves the head back.
    The backup of that chain is not recorded in the log, and a backup that is not recorded is
    not restored: no restore record excuses the truncation, and verify keeps reporting it."""
    _events(cli_env, 6)
    _run(runner, "audit", "checkpoint")
    seed = os.environ["RAREX_AUDIT_SIGNING_KEY"]
    monkeypatch.delenv("RAREX_AUDIT_SIGNING_KEY")  # a host without the key: not recorded
    get_settings.cache_clear()
    elsewhere = runner.invoke(app, ["db", "backup", str(tmp_path / "elsewhere.backup")])
    assert elsewhere.exit_code == 0, elsewhere.output
    assert "[backup.not_anchored]" in elsewhere.stderr
    monkeypatch.setenv("RAREX_AUDIT_SIGNING_KEY", seed)
    get_settings.cache_clear()
    _truncate(cli_env, 2)
    verify = ["audit", "verify", "--checkpoints", str(log), "--json"]
    assert json.loads(_run(runner, *verify, code=5))["checkpoints"]["problem"] == "truncated"
    lines = log.read_bytes()

    laundry = tmp_path / "laundry.backup"
    made = runner.invoke(app, ["db", "backup", str(laundry), "--json"])
    assert made.exit_code == 5, made.output
    body = json.loads(made.stdout)
    assert (body["audit"]["chain_ok"], body["anchored"], body["record"]) == (True, False, None)
    assert body["checkpoints"]["problem"] == "truncated"
    assert "not recorded in the checkpoint log" in body["message"]
    text = runner.invoke(app, ["db", "backup", str(tmp_path / "laundry2.backup")])
    assert text.exit_code == 5
    assert "[backup.not_anchored]" in text.stderr
    assert log.read_bytes() == lines  # nothing signed over the truncation

    for backup in (laundry, tmp_path / "elsewhere.backup"):
        refused = runner.invoke(app, ["db", "restore", str(backup), "--yes"])
        assert refused.exit_code == 2, refused.output
        assert "backup.not_anchored" in refused.stderr
    assert log.read_bytes() == lines
    assert json.loads(_run(runner, *verify, code=5))["checkpoints"]["problem"] == "truncated"


def test_a_checkpoint_log_that_anchors_nothing_is_broken(
    runner: CliRunner, cli_env: str, log: Path
) -> None:
    _events(cli_env, 2)
    log.touch()  # empty: never written, or emptied
    body = json.loads(_run(runner, "audit", "verify", "--checkpoints", str(log), "--json", code=5))
    assert (body["chain"]["ok"], body["checkpoints"]["ok"]) == (True, False)
    assert (body["checkpoints"]["problem"], body["checkpoints"]["line"]) == ("empty", None)
    text = runner.invoke(app, ["audit", "verify", "--checkpoints", str(log)])
    assert text.exit_code == 5
    assert "checkpoints BROKEN (empty," in text.stdout
    _run(runner, "audit", "checkpoint")
    _run(runner, "audit", "verify", "--checkpoints", str(log))


def test_serve_runs_the_checkpoint_thread_only_with_a_key_a_log_and_an_interval(
    tmp_path: Path, key: Ed25519PrivateKey
) -> None:
    from rarex.cli.system import _checkpointer

    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    full = Settings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
        audit_signing_key=base64.b64encode(raw).decode(),
        audit_checkpoint_log=str(tmp_path / "checkpoints.log"),
    )
    made = _checkpointer(full)
    assert made is not None
    made[1].dispose()
    assert _checkpointer(full.model_copy(update={"audit_checkpoint_interval_seconds": 0})) is None
    assert _checkpointer(full.model_copy(update={"audit_checkpoint_log": None})) is None
    assert _checkpointer(full.model_copy(update={"audit_signing_key": None})) is None
