"""Backups of the whole database, and restores that say what they did to the audit chain.

A backup is one tar file holding a manifest (``rarex-backup.json``) and the database: a SQLite
copy taken with the online backup API, or a ``pg_dump -Fc`` archive. The manifest records the
audit head the copy holds (read from the copy itself, or on PostgreSQL in the very snapshot
``pg_dump`` reads), whether its chain verified, its schema revision, and the payload's SHA-256.
Given the checkpoint log (``CheckpointLog``), the copy's chain is also verified against it, in
the same snapshot (:func:`rarex.audit.anchoring.verify_anchored`): the command records in the
log only a backup that passed, and restores only a recorded backup, so a chain truncated with
its head moved back cannot be laundered through a backup and a restore.

A restore takes the database back in time, so the audit chain loses its newest events exactly
as in a truncation. The command (``rarex db restore``) therefore signs a restore record in the
checkpoint log once the database is back (:func:`rarex.audit.anchoring.write_restore_record`);
this module only moves the data, and refuses anything it cannot restore whole:

* SQLite: the payload is checked (hash, chain, head) in a temporary copy, then copied into the
  live file with the backup API in one step, which is one write transaction: all or nothing.
* PostgreSQL: ``pg_restore --clean --if-exists --single-transaction``: it drops and recreates
  every object of the archive in one transaction, so a failure leaves the database as it was.
  Objects that are not in the archive are left alone, hence the refusal of a database at
  another schema revision (restore into an empty database, or one at the backup's revision).
"""

from __future__ import annotations

import glob
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from rarex import __version__
from rarex.audit.anchoring import AnchoredVerification, verify_anchored
from rarex.audit.chain import verify_chain
from rarex.audit.service import stored_head, stream_records
from rarex.clock import Clock
from rarex.errors import Conflict, InvalidInput
from rarex.migrations import VERSION_TABLE, current_revision

MANIFEST = "rarex-backup.json"
BACKUP_FORMAT = "rarex-backup"
BACKUP_VERSION = 1
PAYLOADS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# How long pg_restore waits for a lock held by a server still running before it gives up
# (and, in its one transaction, changes nothing).
RESTORE_LOCK_TIMEOUT = "30s"


class RestoredChainBroken(Exception):
    """The database was restored, but its chain does not verify or its head is not the one the
    manifest records (a forged manifest): no restore record is written for it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def database_kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in PAYLOADS:
        raise InvalidInput(f"cannot back up a {backend} database", code="backup.unsupported")
    return backend


@dataclass(frozen=True, slots=True)
class CheckpointLog:
    """The checkpoint log as read before the backup, to verify the copied chain against."""

    data: bytes
    keys: Mapping[str, Ed25519PublicKey]
    file: str


@dataclass(frozen=True, slots=True)
class ChainState:
    seq: int
    head: str
    chain_ok: bool
    chain_message: str
    schema_revision: str | None
    anchored: AnchoredVerification | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "head": self.head,
            "chain_ok": self.chain_ok,
            "chain_message": self.chain_message,
        }


def _chain_state(connection: Connection, log: CheckpointLog | None = None) -> ChainState:
    anchored = None
    with Session(bind=connection) as session:
        head = stored_head(session)
        if log is None:
            result = verify_chain(stream_records(session), expected_head=head)
        else:
            anchored = verify_anchored(session, log_data=log.data, keys=log.keys, file=log.file)
            result = anchored.chain
    revision = None
    if connection.dialect.has_table(connection, VERSION_TABLE):
        revision = connection.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}"))
    return ChainState(head[0], head[1], result.ok, result.message, revision, anchored)


def _sqlite_state(path: Path, log: CheckpointLog | None = None) -> ChainState:
    # A plain engine: the application's sets WAL on connect, which would write to the copy.
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return _chain_state(connection, log)
    finally:
        engine.dispose()


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise InvalidInput(
            "only a SQLite database in a file (sqlite:///path) can be backed up or restored",
            code="backup.unsupported",
        )
    return Path(database)


# PostgreSQL's client programs ------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """``pg_dump`` or ``pg_restore`` on PATH, else the newest under /usr/lib/postgresql (where
    Debian installs them), so the tool is at least as new as the server."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(v) if (v := Path(p).parts[-3]).isdigit() else 0,
    )
    if not candidates:
        raise InvalidInput(
            f"{name} was not found on PATH nor under /usr/lib/postgresql: install the "
            "PostgreSQL client programs of the server's version",
            code="backup.tool_missing",
        )
    return candidates[-1]


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _schema(conninfo_options: str) -> str | None:
    """The schema a ``-c search_path=...`` option puts first (a database shared by schemas)."""
    found = re.search(r"search_path\s*=\s*([^\s,]+)", conninfo_options)
    return found.group(1).strip("\"'") if found else None


def libpq_conninfo(url: str, *, options: str = "") -> tuple[str, dict[str, str]]:
    """The SQLAlchemy URL as a libpq ``key='value'`` string, and the password apart, to go in
    ``PGPASSWORD`` (an argument would show in every process listing)."""
    parsed = make_url(url)
    params: dict[str, str] = {}
    if parsed.host:
        params["host"] = parsed.host
    if parsed.port:
        params["port"] = str(parsed.port)
    if parsed.username:
        params["user"] = parsed.username
    if parsed.database:
        params["dbname"] = parsed.database
    for name, value in parsed.query.items():
        params[name] = value if isinstance(value, str) else value[-1]
    if options:
        params["options"] = f"{params.get('options', '')} {options}".strip()
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    return " ".join(f"{name}={_quote(value)}" for name, value in params.items()), env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    # The child inherits the environment (PATH, PGSSLMODE, PGPASSFILE ...), plus the password.
    done = subprocess.run(
        args, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        detail = " / ".join(done.stderr.strip().splitlines()[-5:]) or f"exit {done.returncode}"
        raise Conflict(f"{what} failed: {detail}", code="backup.failed")


# Backup --------------------------------------------------------------------------------------


def _read_only(path: Path) -> sqlite3.Connection:
    # A URI, percent-encoded: a path may hold "?" or "#".
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)


def _backup_sqlite(url: str, payload: Path, log: CheckpointLog | None) -> ChainState:
    source_path = _sqlite_file(url)
    if not source_path.exists():
        raise InvalidInput(f"no SQLite database at {source_path}", code="backup.no_database")
    source = _read_only(source_path)
    target = sqlite3.connect(payload)
    try:
        source.backup(target)  # one consistent copy, while others keep writing
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal
    finally:
        target.close()
        source.close()
    return _sqlite_state(payload, log)


def _backup_postgresql(url: str, payload: Path, log: CheckpointLog | None) -> ChainState:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as raw:
            connection = raw.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                # pg_dump reads the snapshot this transaction holds: the head recorded in the
                # manifest is the one in the archive, whatever is written meanwhile.
                snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
                state = _chain_state(connection, log)
                conninfo, env = libpq_conninfo(url)
                # The configured schema only, when the URL names one; else the whole database.
                schema = _schema(str(make_url(url).query.get("options", "")))
                _run(
                    [pg_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}",
                     f"--file={payload}", f"--dbname={conninfo}",
                     *([f"--schema={schema}"] if schema else [])],
                    env,
                    "pg_dump",
                )  # fmt: skip
    finally:
        engine.dispose()
    return state


def take_backup(
    url: str, destination: Path, *, clock: Clock, log: CheckpointLog | None = None
) -> tuple[dict[str, Any], AnchoredVerification | None]:
    """Write a backup of the database at ``url`` to ``destination`` (refused if it exists);
    return its manifest with the file's path and SHA-256, and, given the checkpoint ``log``,
    the verification of the copied chain against it. The file appears whole or not at all.
    """
    kind = database_kind(url)
    if destination.exists():
        raise Conflict(f"{destination} exists; choose a new name", code="backup.exists")
    folder = destination.parent
    if not folder.is_dir():
        raise InvalidInput(f"no folder {folder} to write the backup in", code="backup.no_folder")
    with tempfile.TemporaryDirectory(prefix=".rarex-backup-", dir=folder) as work:
        payload = Path(work) / PAYLOADS[kind]
        state = (
            _backup_sqlite(url, payload, log)
            if kind == "sqlite"
            else _backup_postgresql(url, payload, log)
        )
        manifest: dict[str, Any] = {
            "format": BACKUP_FORMAT,
            "version": BACKUP_VERSION,
            "database": kind,
            "taken_at": clock.now().astimezone(UTC).isoformat(timespec="seconds"),
            "rarex": __version__,
            "schema_revision": state.schema_revision,
            "audit": state.to_dict(),
            "payload": {
                "name": payload.name,
                "bytes": payload.stat().st_size,
                "sha256": _sha256(payload),
            },
        }
        partial = Path(work) / "backup.tar"
        body = json.dumps(manifest, indent=2).encode()
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(body), int(clock.now().timestamp()), 0o644
            archive.addfile(info, io.BytesIO(body))
            archive.add(payload, arcname=payload.name, recursive=False)
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, destination)
    taken = {"file": str(destination), "sha256": _sha256(destination), **manifest}
    return taken, state.anchored


# Restore -------------------------------------------------------------------------------------


def _not_a_backup(path: Path, why: str) -> InvalidInput:
    return InvalidInput(f"{path} is not a Rarex backup: {why}", code="backup.not_a_backup")


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of the backup at ``path``, with its ``file``, ``name`` and ``sha256``;
    refused (``backup.not_a_backup``) unless it is a tar whose first member is a manifest of
    this format naming a payload that the archive holds."""
    try:
        archive = tarfile.open(path, "r:")  # noqa: SIM115 (closed by the with below)
    except FileNotFoundError:
        raise InvalidInput(f"no file {path}", code="backup.not_found") from None
    except (tarfile.TarError, OSError) as exc:
        raise _not_a_backup(path, f"not a tar archive ({exc})") from None
    with archive:
        first = archive.next()
        if first is None or first.name != MANIFEST or not first.isfile() or first.size > 1 << 20:
            raise _not_a_backup(path, f"its first member is not {MANIFEST}")
        handle = archive.extractfile(first)
        assert handle is not None
        try:
            manifest = json.loads(handle.read())
        except ValueError:
            raise _not_a_backup(path, f"{MANIFEST} is not JSON") from None
        if not isinstance(manifest, dict) or manifest.get("format") != BACKUP_FORMAT:
            raise _not_a_backup(path, f"{MANIFEST} is not of the format {BACKUP_FORMAT}")
        if manifest.get("version") != BACKUP_VERSION:
            raise _not_a_backup(path, f"version {manifest.get('version')!r} is not known")
        kind = manifest.get("database")
        payload = manifest.get("payload")
        if (
            kind not in PAYLOADS
            or not isinstance(payload, dict)
            or payload.get("name") != (PAYLOADS[kind])
        ):
            raise _not_a_backup(path, "its manifest names no payload this version restores")
        audit = manifest.get("audit")
        if not isinstance(audit, dict) or not {"seq", "head", "chain_ok"} <= audit.keys():
            raise _not_a_backup(path, "its manifest records no audit head")
        names = archive.getnames()
        if PAYLOADS[kind] not in names:
            raise _not_a_backup(path, f"it holds no {PAYLOADS[kind]}")
    return {**manifest, "file": str(path), "name": path.name, "sha256": _sha256(path)}


@contextmanager
def _extracted(path: Path, manifest: dict[str, Any]) -> Iterator[Path]:
    """The payload in a temporary folder, refused unless its size and SHA-256 are the
    manifest's (a damaged or altered archive)."""
    expected = manifest["payload"]
    with tempfile.TemporaryDirectory(prefix="rarex-restore-") as work:
        target = Path(work) / expected["name"]
        with tarfile.open(path, "r:") as archive:
            member = archive.getmember(expected["name"])
            source: IO[bytes] | None = archive.extractfile(member) if member.isfile() else None
            if source is None:
                raise _not_a_backup(path, f"{expected['name']} is not a file")
            digest = hashlib.sha256()
            with target.open("wb") as out:
                while chunk := source.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
        if digest.hexdigest() != expected.get("sha256") or target.stat().st_size != expected.get(
            "bytes"
        ):
            raise Conflict(
                f"{path}: the database inside does not match the SHA-256 its manifest records: "
                "the backup is damaged or was altered",
                code="backup.corrupt",
            )
        yield target


def _matches(state: ChainState, manifest: dict[str, Any]) -> str | None:
    """What is wrong with a restored chain, or None."""
    audit = manifest["audit"]
    if not state.chain_ok:
        return f"its audit chain does not verify: {state.chain_message}"
    if (state.seq, state.head) != (audit["seq"], audit["head"]):
        return (
            f"its audit head is event {state.seq} ({state.head[:16]}…), not the event "
            f"{audit['seq']} ({str(audit['head'])[:16]}…) its manifest records"
        )
    return None


def _restore_sqlite(url: str, backup: Path, manifest: dict[str, Any]) -> None:
    live = _sqlite_file(url)
    with _extracted(backup, manifest) as payload:
        problem = _matches(_sqlite_state(payload), manifest)
        if problem:
            raise Conflict(f"{backup} is not restored: {problem}", code="backup.chain_broken")
        source = _read_only(payload)
        target = sqlite3.connect(live, timeout=30)
        try:
            source.backup(target)  # every page in one step: one transaction on the live file
        finally:
            target.close()
            source.close()


def _restore_postgresql(url: str, backup: Path, manifest: dict[str, Any], engine: Engine) -> None:
    current = current_revision(engine)
    if current is not None and current != manifest.get("schema_revision"):
        raise Conflict(
            f"the database is at schema revision {current}, the backup at "
            f"{manifest.get('schema_revision')}: restore into an empty database or one at the "
            "backup's revision (objects that are not in the backup would be left behind)",
            code="backup.revision_mismatch",
        )
    with _extracted(backup, manifest) as payload:
        conninfo, env = libpq_conninfo(url, options=f"-c lock_timeout={RESTORE_LOCK_TIMEOUT}")
        _run(
            [pg_tool("pg_restore"), "--clean", "--if-exists", "--single-transaction",
             "--exit-on-error", "--no-owner", "--no-privileges", f"--dbname={conninfo}",
             str(payload)],
            env,
            "pg_restore",
        )  # fmt: skip
    with engine.connect() as connection:
        problem = _matches(_chain_state(connection), manifest)
    if problem:
        raise RestoredChainBroken(
            f"the database was restored from {backup}, but {problem}; no restore record was "
            "written, so `rarex audit verify --checkpoints` will report what this restore lost"
        )


def restore_backup(url: str, backup: Path, manifest: dict[str, Any]) -> None:
    """Replace the database at ``url`` with the backup's, whole or not at all (``manifest``
    from :func:`read_manifest`). Refused before anything changes when the backup is of another
    kind of database, damaged, or (checked before on SQLite, in the manifest on PostgreSQL)
    its chain does not verify. The command calls it only for a backup recorded in the
    checkpoint log (``rarex db restore``: ``backup.not_anchored`` otherwise)."""
    kind = database_kind(url)
    if manifest["database"] != kind:
        raise Conflict(
            f"{backup} is a backup of a {manifest['database']} database; this one is {kind}",
            code="backup.wrong_database",
        )
    if not manifest["audit"]["chain_ok"]:
        raise Conflict(
            f"{backup} is not restored: its audit chain did not verify when it was taken "
            f"({manifest['audit'].get('chain_message')})",
            code="backup.chain_broken",
        )
    if kind == "sqlite":
        _restore_sqlite(url, backup, manifest)
        return
    engine = create_engine(url, poolclass=NullPool)
    try:
        _restore_postgresql(url, backup, manifest, engine)
    finally:
        engine.dispose()
