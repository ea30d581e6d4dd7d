"""Operator commands on the database and its audit log: schema, backup and restore, signed
checkpoints and verification (docs/operations.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from rarex.audit.service import verify
from rarex.cli.common import (
    ExitCode,
    JsonOpt,
    console,
    domain_errors,
    emit_json,
    err_console,
    fail,
)
from rarex.cli.context import open_context
from rarex.config import Settings, get_settings
from rarex.migrations import current_revision, head_revision, upgrade_database

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

db_app = typer.Typer(
    help="""Database schema, backup and restore.

    Example: rarex db backup /var/backups/rarex/2025-07-31.tar
    """,
    no_args_is_help=True,
)
audit_app = typer.Typer(
    help="""The hash-chained audit log: signed checkpoints outside the database, verification.

    Example: rarex audit verify --checkpoints /var/lib/rarex/checkpoints.log
    """,
    no_args_is_help=True,
)


@db_app.command("upgrade")
@domain_errors
def db_upgrade() -> None:
    """Apply every Alembic migration up to the current schema.

    Example: rarex db upgrade
    """
    ctx = open_context(migrate=False)
    before = current_revision(ctx.engine)
    upgrade_database(ctx.engine)
    console.print(f"database at revision {head_revision()} (was {before or 'empty'})")


LogOpt = Annotated[
    Path | None,
    typer.Option(
        "--log", dir_okay=False, help="The checkpoint log (default: RAREX_AUDIT_CHECKPOINT_LOG)."
    ),
]


def _signing_key(settings: Settings, purpose: str) -> Ed25519PrivateKey:
    from rarex.audit.keys import signing_key

    key = signing_key(settings)
    if key is None:
        raise fail(
            "audit.no_signing_key",
            f"{purpose} signs a record with the audit key: set RAREX_AUDIT_SIGNING_KEY_FILE "
            "(or RAREX_AUDIT_SIGNING_KEY) on this host (docs/operations.md)",
        )
    return key


PublicKeysOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--public-key",
        dir_okay=False,
        help="An Ed25519 public key (PEM or base64) the log may be signed with; repeat for "
        "rotated keys. Default: derived from the configured signing key.",
    ),
]
OldKeysOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--public-key",
        dir_okay=False,
        help="The public key (PEM or base64) of an earlier, rotated signing key that signed "
        "lines of the log; repeat for each. The configured key's is always used.",
    ),
]


def _log_path(option: Path | None, settings: Settings) -> Path:
    path = option or settings.audit_checkpoint_log
    if not path:
        raise fail("audit.no_checkpoint_log", "give --log FILE or set RAREX_AUDIT_CHECKPOINT_LOG")
    return Path(path)


def _public_keys(
    paths: list[Path] | None, private: Ed25519PrivateKey | None
) -> dict[str, Ed25519PublicKey]:
    """The keys a log may be signed with, by id: those given, and the signing key's."""
    from rarex.audit.keys import key_id, read_public_key

    keys = [read_public_key(path) for path in paths or []]
    if private is not None:
        keys.append(private.public_key())
    return {key_id(k): k for k in keys}


def _broken(code: str, message: str, as_json: bool, body: dict[str, Any] | None) -> typer.Exit:
    """Exit 5 (broken), with ``body`` on stdout (``--json``; None: printed already) or the
    message on stderr."""
    if as_json:
        if body is not None:
            emit_json(body)
    else:
        err_console.print(
            "[bold red]error[/] " + escape(f"[{code}] {message}"), highlight=False, soft_wrap=True
        )
    return typer.Exit(ExitCode.AUDIT_BROKEN)


@audit_app.command("checkpoint")
@domain_errors
def audit_checkpoint(log: LogOpt = None, as_json: JsonOpt = False) -> None:
    """Sign the audit chain's head with the audit key and append it to the checkpoint log,
    outside the database. Exit 5, writing nothing, when the chain no longer extends the log's
    last checkpoint (events deleted or rewritten since).

    Example: rarex audit checkpoint --log /var/lib/rarex/checkpoints.log
    """
    from rarex.audit.anchoring import ChainDiverged, one_snapshot, write_checkpoint

    settings = get_settings()
    key = _signing_key(settings, "a checkpoint")
    path = _log_path(log, settings)
    ctx = open_context()
    try:
        with ctx.unit_of_work() as session:
            one_snapshot(session)
            entry = write_checkpoint(session, key=key, log_path=path, clock=ctx.clock)
    except ChainDiverged as exc:
        body = {"written": False, "file": str(path), "message": exc.message}
        raise _broken("audit.chain_diverged", exc.message, as_json, body) from None
    if as_json:
        emit_json({"written": True, "file": str(path), **entry.to_dict()})
    else:
        console.print(
            f"checkpoint of event {entry.seq} ({entry.head[:16]}…) signed by key {entry.key}, "
            f"line {entry.line} of {escape(str(path))}",
            highlight=False,
        )


@audit_app.command("verify")
@domain_errors
def audit_verify(
    checkpoints: Annotated[
        Path | None,
        typer.Option(
            "--checkpoints",
            dir_okay=False,
            help="Also prove that the chain extends every signed checkpoint of this log.",
        ),
    ] = None,
    public_keys: PublicKeysOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Recompute the hash chain; name the first altered, deleted or reordered event. With
    --checkpoints, also check every line's signature and that the chain still holds every
    signed head (a deleted tail or a re-hashed chain); a log that anchors nothing (empty) is
    broken. Exit 0 when intact, 5 when broken.

    Example: rarex audit verify --checkpoints /var/lib/rarex/checkpoints.log --public-key
    audit-2024.pub
    """
    if checkpoints is not None:
        _verify_anchored(checkpoints, public_keys or [], as_json)
        return
    ctx = open_context()
    with ctx.unit_of_work() as session:
        result = verify(session)
    body = result.to_dict()
    if as_json:
        emit_json(body)
    elif result.ok:
        console.print(f"[green]audit log intact[/]: {result.checked} events verified")
    else:
        console.print(
            f"[bold red]audit log BROKEN[/] at event {result.first_bad_seq}: {result.message}"
        )
    if not result.ok:
        raise typer.Exit(ExitCode.AUDIT_BROKEN)


def _verify_anchored(log: Path, public_keys: list[Path], as_json: bool) -> None:
    from rarex.audit.anchoring import one_snapshot, verify_anchored
    from rarex.audit.keys import key_id, read_public_key, signing_key

    settings = get_settings()
    keys = [read_public_key(path) for path in public_keys]
    if not keys:
        private = signing_key(settings)
        if private is None:
            raise fail(
                "audit.no_verify_key",
                "give --public-key FILE, or set the signing key it derives from",
            )
        keys = [private.public_key()]
    try:
        data = log.read_bytes()
    except OSError as exc:
        raise fail("audit.no_checkpoint_log", f"cannot read {log}: {exc.strerror}") from None
    ctx = open_context()
    with ctx.unit_of_work() as session:
        one_snapshot(session)
        result = verify_anchored(
            session, log_data=data, keys={key_id(k): k for k in keys}, file=str(log)
        )
    if as_json:
        emit_json(result.to_dict())
    else:
        chain = result.chain
        if chain.ok:
            console.print(f"[green]audit log intact[/]: {chain.checked} events verified")
        else:
            console.print(
                f"[bold red]audit log BROKEN[/] at event {chain.first_bad_seq}: {chain.message}"
            )
        if result.log_ok:
            console.print(f"[green]checkpoints hold[/]: {escape(result.message)}", soft_wrap=True)
        else:
            problem = result.to_dict()["checkpoints"]
            where = f"line {problem['line']} of " if problem["line"] is not None else ""
            console.print(
                f"[bold red]checkpoints BROKEN[/] ({problem['problem']}, {where}"
                f"{escape(str(log))}): {escape(result.message)}",
                soft_wrap=True,
            )
    if not result.ok:
        raise typer.Exit(ExitCode.AUDIT_BROKEN)


@db_app.command("backup")
@domain_errors
def db_backup(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="The backup to write (new).")],
    log: LogOpt = None,
    public_keys: OldKeysOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Copy the whole database into FILE, a tar holding the database (SQLite's online backup,
    or pg_dump -Fc) and a manifest of the audit head it holds. Works on an outdated schema
    (take one before `rarex db upgrade`). With the signing key and the checkpoint log, the
    copied chain is verified against the log and, if it holds, a signed backup record is
    appended to the log: `rarex db restore` restores only such a backup. Exit 5 when the copied
    chain does not verify, alone or against the log (the backup is written all the same, as
    evidence, and is not recorded).

    Example: rarex db backup /var/backups/rarex/2025-07-31.tar --json
    """
    from rarex.audit.anchoring import ChainDiverged, write_backup_record
    from rarex.audit.backup import CheckpointLog, take_backup
    from rarex.audit.keys import signing_key
    from rarex.clock import clock_for

    settings = get_settings()
    key = signing_key(settings)
    path = log or (Path(settings.audit_checkpoint_log) if settings.audit_checkpoint_log else None)
    checkpoints: CheckpointLog | None = None
    if key is not None and path is not None:
        try:
            data = path.read_bytes() if path.exists() else b""
        except OSError as exc:
            raise fail("audit.no_checkpoint_log", f"cannot read {path}: {exc.strerror}") from None
        checkpoints = CheckpointLog(data, _public_keys(public_keys, key), str(path))
    clock = clock_for(settings.frozen_time)
    body, anchored = take_backup(settings.database_url, file, clock=clock, log=checkpoints)
    audit = body["audit"]
    record: dict[str, Any] | None = None
    refusal = None if audit["chain_ok"] else audit["chain_message"]
    if anchored is not None:
        body["checkpoints"] = anchored.to_dict()["checkpoints"]
        refusal = refusal or (None if anchored.ok else anchored.message)
    if refusal is None and checkpoints is not None and key is not None and path is not None:
        try:
            entry = write_backup_record(
                key=key, log_path=path, clock=clock, backup=body, verified_log=checkpoints.data
            )
        except ChainDiverged as exc:
            refusal = exc.message
        else:
            record = {"file": str(path), **entry.to_dict()}
    warning = None
    if refusal is not None:
        refusal += (
            "; the backup is kept as evidence, is not recorded in the checkpoint log, and "
            "`rarex db restore` refuses it"
        )
    elif record is None:
        warning = (
            "no signing key or no checkpoint log on this host: the backup is not recorded in "
            "the log, and `rarex db restore` refuses it; take backups where the key is "
            "(docs/operations.md)"
        )
    body.update(anchored=record is not None, record=record, message=refusal or warning)
    if as_json:
        emit_json(body)
    else:
        console.print(
            f"backup of the {body['database']} database written to {escape(str(file))}: schema "
            f"{body['schema_revision']}, audit head event {audit['seq']} ({audit['head'][:16]}…)"
            f", sha256 {body['sha256']}",
            highlight=False,
        )
        if record is not None:
            console.print(
                f"backup record signed on line {record['line']} of {escape(str(path))}",
                highlight=False,
            )
        elif warning is not None:
            err_console.print(
                "[bold yellow]warning[/] " + escape(f"[backup.not_anchored] {warning}"),
                highlight=False,
                soft_wrap=True,
            )
    if refusal is not None:
        code = "backup.not_anchored" if audit["chain_ok"] else "backup.chain_broken"
        raise _broken(code, refusal, as_json, body=None)


@db_app.command("restore")
@domain_errors
def db_restore(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="A file `rarex db backup` wrote.")],
    log: LogOpt = None,
    public_keys: OldKeysOpt = None,
    yes: Annotated[bool, typer.Option("--yes", help="Replace the database without asking")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Replace the whole database with a backup, all or nothing, then sign a restore record in
    the checkpoint log naming the backup's record, so that `audit verify --checkpoints` excuses
    the events the restore lost and nothing else. Only a backup that `rarex db backup` recorded
    in the log (its chain verified against the log) is restored. Needs the signing key. Stop
    the server first.

    Example: rarex db restore /var/backups/rarex/2025-07-31.tar --yes
    """
    from rarex.audit.anchoring import ChainDiverged, write_restore_record
    from rarex.audit.backup import RestoredChainBroken, read_manifest, restore_backup
    from rarex.audit.checkpoints import appending, find_backup, read_log

    settings = get_settings()
    key = _signing_key(settings, "a restore")
    path = _log_path(log, settings)
    manifest = read_manifest(file)
    with appending(path) as log_file:  # the record must be writable before anything changes
        reading = read_log(log_file.data, _public_keys(public_keys, key))
    if reading.problem is not None:
        raise fail(
            "audit.log_broken",
            f"the checkpoint log {path} does not verify ({reading.problem}): {reading.message}; "
            "compare it with your copies, or give the --public-key of a rotated key",
        )
    audit = manifest["audit"]
    record = find_backup(reading.entries, manifest["sha256"])
    if record is None or (record.seq, record.head) != (audit["seq"], audit["head"]):
        raise fail(
            "backup.not_anchored",
            f"{file} (sha256 {manifest['sha256']}) is named by no backup record of {path}: "
            "only a backup whose chain `rarex db backup` verified against the checkpoint log "
            "is restored (a chain truncated before the backup would be laundered otherwise)",
        )
    if not yes:
        if not sys.stdin.isatty():
            raise fail("db.confirmation_required", "pass --yes to replace the database")
        typer.confirm(
            f"Replace the {manifest['database']} database with the backup of "
            f"{manifest['taken_at']} (audit event {audit['seq']})? Every later change is lost",
            abort=True,
        )
    try:
        restore_backup(settings.database_url, file, manifest)
    except RestoredChainBroken as exc:
        broken = {"restored": True, "record": None, "message": exc.message}
        raise _broken("backup.restored_chain_broken", exc.message, as_json, broken) from None
    ctx = open_context(migrate=False)
    try:
        with ctx.unit_of_work() as session:
            entry = write_restore_record(
                session, key=key, log_path=path, clock=ctx.clock, backup=record
            )
    except ChainDiverged as exc:
        broken = {"restored": True, "record": None, "message": exc.message}
        raise _broken("backup.restored_chain_broken", exc.message, as_json, broken) from None
    finally:
        ctx.engine.dispose()
    body: dict[str, Any] = {
        "restored": True,
        "file": str(file),
        "sha256": manifest["sha256"],
        "database": manifest["database"],
        "taken_at": manifest["taken_at"],
        "schema_revision": manifest["schema_revision"],
        "audit": {"seq": entry.seq, "head": entry.head},
        "backup_record": record.to_dict(),
        "record": {"file": str(path), **entry.to_dict()},
    }
    if as_json:
        emit_json(body)
    else:
        console.print(
            f"restored the backup of {manifest['taken_at']}: audit head event {entry.seq}; "
            f"restore record signed on line {entry.line} of {escape(str(path))}",
            highlight=False,
        )
