"""The checkpoint log and its keys, without a database: signing, reading back, and every way a
line can be forged, removed or replayed."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from rarex.audit.chain import GENESIS_HASH
from rarex.audit.checkpoints import (
    LogEntry,
    active_anchors,
    appending,
    check_anchors,
    find_backup,
    read_log,
)
from rarex.audit.keys import key_id, load_private_key, load_public_key, signing_key
from rarex.config import Settings
from rarex.errors import Conflict, InvalidInput

KEY = Ed25519PrivateKey.generate()
KEYS = {key_id(KEY.public_key()): KEY.public_key()}
H = {n: f"{n:x}".rjust(64, "a") for n in range(20)}


def _write(path: Path, *records: tuple[str, int], key: Ed25519PrivateKey = KEY) -> list[LogEntry]:
    """Lines of these kinds and sequences; a restore names the last backup written before it
    in the same call (the backup of file ``H[seq]``)."""
    entries: list[LogEntry] = []
    with appending(path) as log:
        for kind, seq in records:
            fields: dict[str, object] = {
                "kind": kind, "seq": seq, "head": H[seq], "at": "2025-06-02T02:00"
            }  # fmt: skip
            if kind in ("backup", "restore"):
                fields |= {"backup": "b.tar", "backup_sha256": H[seq],
                           "backup_taken_at": "2025-06-02T01:00"}  # fmt: skip
            if kind == "restore":
                backups = [e.digest for e in entries if e.kind == "backup"]
                fields["backup_record"] = backups[-1] if backups else "0" * 64
            entries.append(log.append(key, fields))
    return entries


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def test_signed_lines_read_back_in_order_and_survive_a_reopen(tmp_path: Path) -> None:
    log = tmp_path / "checkpoints.log"
    _write(log, ("checkpoint", 3))
    _write(log, ("checkpoint", 5), ("backup", 4), ("restore", 4))
    reading = read_log(log.read_bytes(), KEYS)
    assert reading.problem is None
    assert [(e.line, e.kind, e.seq) for e in reading.entries] == [
        (1, "checkpoint", 3), (2, "checkpoint", 5), (3, "backup", 4), (4, "restore", 4),
    ]  # fmt: skip
    assert reading.entries[3].record["backup_record"] == reading.entries[2].digest
    first = json.loads(_lines(log)[0])
    assert first["prev"] == "0" * 64
    assert first["key"] == key_id(KEY.public_key())
    assert set(first) == {"v", "kind", "seq", "head", "at", "prev", "key", "sig"}


def test_an_altered_line_no_longer_matches_its_signature(tmp_path: Path) -> None:
    log = tmp_path / "checkpoints.log"
    _write(log, ("checkpoint", 3), ("checkpoint", 5))
    lines = _lines(log)
    record = json.loads(lines[0])
    record["seq"] = 2
    lines[0] = json.dumps(record, sort_keys=True, separators=(",", ":"))
    log.write_text("\n".join(lines) + "\n")
    reading = read_log(log.read_bytes(), KEYS)
    assert (reading.problem, reading.line) == ("bad_signature", 1)
    assert "altered" in reading.message
    assert reading.entries == []


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (lambda lines: [lines[0], *lines[2:]], 2),  # a line removed
        (lambda lines: [lines[1], lines[0], *lines[2:]], 1),  # lines reordered
        (lambda lines: [*lines, lines[2]], 5),  # an old restore record replayed at the end
    ],
)
def test_removed_reordered_or_replayed_lines_break_the_links(
    tmp_path: Path, change: object, line: int
) -> None:
    log = tmp_path / "checkpoints.log"
    _write(log, ("checkpoint", 3), ("backup", 2), ("restore", 2), ("checkpoint", 4))
    log.write_text("\n".join(change(_lines(log))) + "\n")  # type: ignore[operator]
    reading = read_log(log.read_bytes(), KEYS)
    assert (reading.problem, reading.line) == ("broken_link", line)


def test_a_line_signed_with_another_key_is_refused(tmp_path: Path) -> None:
    log = tmp_path / "checkpoints.log"
    _write(log, ("checkpoint", 3))
    _write(log, ("checkpoint", 9), key=Ed25519PrivateKey.generate())
    reading = read_log(log.read_bytes(), KEYS)
    assert (reading.problem, reading.line) == ("unknown_key", 2)
    assert len(reading.entries) == 1


def test_an_incomplete_last_line_is_reported_and_not_appended_to(tmp_path: Path) -> None:
    log = tmp_path / "checkpoints.log"
    _write(log, ("checkpoint", 3))
    with log.open("a") as handle:
        handle.write('{"v":1,"kind":"check')
    reading = read_log(log.read_bytes(), KEYS)
    assert (reading.problem, reading.line) == ("malformed", 2)
    with pytest.raises(Conflict, match="incomplete line"):
        _write(log, ("checkpoint", 4))


def _entry(line: int, kind: str, seq: int) -> LogEntry:
    return LogEntry(line, kind, seq, H[seq], "t", "k", {})  # type: ignore[arg-type]


def test_a_restore_supersedes_only_the_checkpoints_beyond_it() -> None:
    entry = _entry
    entries = [entry(1, "checkpoint", 3), entry(2, "checkpoint", 8), entry(3, "restore", 5),
               entry(4, "checkpoint", 7)]  # fmt: skip
    active, superseded = active_anchors(entries)
    assert [e.line for e in active] == [1, 3, 4]
    assert [e.line for e in superseded] == [2]
    hashes = {3: H[3], 5: H[5], 7: H[7]}
    assert check_anchors(active, hashes=hashes, verified_through=7, complete=True) == (3, None)
    _, failure = check_anchors(active, hashes=hashes, verified_through=6, complete=True)
    assert failure is not None
    assert (failure.problem, failure.entry.line) == ("truncated", 4)
    assert "ends at event 6: event 7 was deleted and the head moved back" in failure.message
    _, failure = check_anchors(
        active, hashes={**hashes, 3: H[4]}, verified_through=7, complete=True
    )
    assert failure is not None
    assert (failure.problem, failure.entry.line) == ("rewritten", 1)
    # past a fault of the chain itself, an anchor is not judged (the fault is reported)
    assert check_anchors(active, hashes=hashes, verified_through=6, complete=False) == (2, None)
    genesis = LogEntry(1, "checkpoint", 0, GENESIS_HASH, "t", "k", {})
    assert check_anchors([genesis], hashes={}, verified_through=0, complete=True) == (1, None)


def test_a_restore_record_must_name_an_earlier_backup_record_of_its_head(tmp_path: Path) -> None:
    """Only a backup recorded in the log (its chain verified against the log when it was
    taken) may excuse the events a restore lost: a restore record naming none is reported."""
    named = tmp_path / "named.log"
    backup, restore = _write(named, ("backup", 4), ("restore", 4))
    assert read_log(named.read_bytes(), KEYS).problem is None
    assert find_backup(read_log(named.read_bytes(), KEYS).entries, H[4]) == backup
    assert find_backup([backup, restore], H[5]) is None
    active, _ = active_anchors([_entry(1, "checkpoint", 9), backup, restore])
    assert active == [backup, restore]  # a backup record is an anchor, superseded like any

    for records, line in [
        ((("checkpoint", 9), ("restore", 4)), 2),  # no backup record at all
        ((("backup", 5), ("restore", 4)), 2),  # the backup of another head
    ]:
        log = tmp_path / f"unanchored-{line}-{len(records)}-{records[0][1]}.log"
        _write(log, *records)
        reading = read_log(log.read_bytes(), KEYS)
        assert (reading.problem, reading.line) == ("unanchored_restore", line)
        assert "names no earlier backup record of event 4" in reading.message
    # nor does a later backup record, or the record of another file of the same head
    later = tmp_path / "later.log"
    _write(later, ("restore", 4), ("backup", 4))
    assert read_log(later.read_bytes(), KEYS).problem == "unanchored_restore"
    other = tmp_path / "other.log"
    (first,) = _write(other, ("backup", 4))
    with appending(other) as handle:
        handle.append(KEY, {"kind": "restore", "seq": 4, "head": H[4], "at": "2025-06-02T03:00",
                            "backup": "b.tar", "backup_sha256": H[7],
                            "backup_taken_at": "2025-06-02T01:00",
                            "backup_record": first.digest})  # fmt: skip
    assert read_log(other.read_bytes(), KEYS).problem == "unanchored_restore"


def test_keys_are_read_as_pem_or_base64_and_anything_else_is_refused() -> None:
    pem = KEY.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    raw = KEY.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = KEY.public_key()
    for data in (pem, base64.b64encode(raw)):
        assert key_id(load_private_key(data, source="test").public_key()) == key_id(public)
    public_pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public_raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    for data in (public_pem, base64.b64encode(public_raw)):
        assert key_id(load_public_key(data, source="test")) == key_id(public)
    with pytest.raises(InvalidInput, match="private key"):
        load_public_key(pem, source="auditor.pem")
    x25519 = X25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(InvalidInput, match="not an Ed25519 key"):
        load_private_key(x25519, source="test")
    with pytest.raises(InvalidInput, match="32"):
        load_private_key(base64.b64encode(b"short"), source="test")
    with pytest.raises(InvalidInput, match="neither PEM nor base64"):
        load_private_key(b"not a key!", source="test")


def test_the_signing_key_comes_from_one_setting_or_the_other(tmp_path: Path) -> None:
    raw = KEY.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    inline = base64.b64encode(raw).decode()
    file = tmp_path / "audit.key"
    file.write_text(inline)
    assert signing_key(Settings(audit_signing_key=None)) is None
    both = (Settings(audit_signing_key=inline), Settings(audit_signing_key_file=str(file)))
    for settings in both:
        key = signing_key(settings)
        assert key is not None
        assert key_id(key.public_key()) == key_id(KEY.public_key())
    with pytest.raises(InvalidInput, match="not both"):
        signing_key(Settings(audit_signing_key=inline, audit_signing_key_file=str(file)))
    with pytest.raises(InvalidInput, match="cannot read"):
        signing_key(Settings(audit_signing_key_file=str(tmp_path / "missing")))
    assert inline not in repr(Settings(audit_signing_key=inline))
