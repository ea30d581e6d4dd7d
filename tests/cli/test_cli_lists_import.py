"""``rarex lists import`` cannot silently shrink screening: the difference against the active
version is shown, a truncated file is refused (exit 2, ``lists.shrink_refused``) until an
operator confirms it with ``--allow-shrink --reason --as USER`` (audited with that user),
and ``--dry-run`` changes nothing, not a row and not an audit event."""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner, Result

from rarex.cli.common import console
from rarex.cli.main import app
from rarex.db_engine import make_engine
from tests.screening.test_screening_long_names import list_file

pytestmark = pytest.mark.slow  # whole databases, two imports of a real list each

WATCHLISTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "watchlists"


def _shared(name: str) -> Path:
    if not WATCHLISTS.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{WATCHLISTS} is missing in CI")
        pytest.skip(f"{WATCHLISTS} is not beside the clone")
    return WATCHLISTS / name


def _run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(app, list(args))


def _ok(runner: CliRunner, *args: str) -> Any:
    result = _run(runner, *args)
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.stdout) if "--json" in args else result.stdout


def _stored(url: str) -> tuple[Any, ...]:
    """Everything an import may change: versions (and which is active), entries, audit."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return (
                sorted(conn.execute(text("SELECT id, active FROM list_versions")).all()),
                conn.execute(text("SELECT count(*) FROM listed_entries")).scalar(),
                conn.execute(text("SELECT count(*), max(hash) FROM audit_events")).one(),
            )
    finally:
        engine.dispose()


def _last_event(url: str) -> tuple[str, str, dict[str, Any]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            actor, action, payload = conn.execute(
                text("SELECT actor, action, payload_json FROM audit_events ORDER BY seq DESC")
            ).first()  # type: ignore[misc]
    finally:
        engine.dispose()
    return actor, action, json.loads(payload)


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables as a 200-column terminal prints them, so a cell is not wrapped mid-phrase."""
    monkeypatch.setattr(console, "width", 200)


def test_a_truncated_china_list_is_refused_shown_dry_run_and_accepted_when_confirmed(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    whole = _shared("china-control-list.csv")
    first = _ok(runner, "lists", "import", str(whole), "--json")
    assert first["difference"]["before"] == 0
    assert first["difference"]["added"] == 274
    assert first["published_at"] is None  # the MOFCOM file carries no publication date
    _ok(runner, "users", "create", "ops.wang", "--role", "administrator")
    cut = tmp_path / "china-control-list.csv"
    cut.write_bytes(b"".join(whole.read_bytes().splitlines(keepends=True)[:4]))
    stored = _stored(cli_env)

    refused = _run(runner, "lists", "import", str(cut), "--json")
    assert refused.exit_code == 2
    assert "error [lists.shrink_refused]" in refused.stderr
    assert "removes 271 of the 274 active entries (98.9%" in refused.stderr
    body = json.loads(refused.stdout)
    assert body["refused"]["code"] == "lists.shrink_refused"
    assert (body["difference"]["before"], body["difference"]["after"]) == (274, 3)
    assert body["difference"]["removed"] == len(body["difference"]["entries"]["removed"]) == 271
    table = _run(runner, "lists", "import", str(cut))
    assert table.exit_code == 2
    assert re.search(r"^removed\t271\t", table.stdout, re.MULTILINE)  # piped: tab-separated
    assert "and 266 more (--json lists all)" in table.stdout

    assert _run(runner, "lists", "import", str(cut), "--dry-run").exit_code == 2
    unnamed = _run(runner, "lists", "import", str(cut), "--allow-shrink", "--reason", "cut")
    assert unnamed.exit_code == 2
    assert "lists.shrink_actor_required" in unnamed.stderr
    no_reason = _run(runner, "lists", "import", str(cut), "--allow-shrink", "--as", "ops.wang")
    assert "lists.shrink_reason_required" in no_reason.stderr
    confirm = ["--allow-shrink", "--reason", "MOFCOM re-issued the list", "--as", "ops.wang"]
    preview = _ok(runner, "lists", "import", str(cut), "--dry-run", *confirm, "--json")
    assert (preview["dry_run"], preview["version"], preview["rescreened"]) == (True, None, None)
    assert preview["difference"]["removed"] == 271
    assert _stored(cli_env) == stored  # not a row, not an audit event

    done = _ok(runner, "lists", "import", str(cut), *confirm, "--json")
    assert (done["dry_run"], done["removed"], done["entities"]) == (False, 271, 3)
    assert done["shrink_confirmation"]["reason"] == "MOFCOM re-issued the list"
    actor, action, payload = _last_event(cli_env)
    assert action == "screening.list_imported"
    assert actor.startswith("ops.wang (administrator) via cli:")
    assert payload["shrink_confirmation"]["actor"] == actor
    assert payload["shrink_confirmation"]["removed"] == 271
    (status,) = _ok(runner, "lists", "status", "--json")
    assert (status["entities"], status["imported_by"]) == (3, actor)


def test_the_un_list_shows_its_own_date_and_a_cut_release_is_refused(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    whole = _shared("un-consolidated.xml")
    imported = _ok(runner, "lists", "import", str(whole), "--json")
    assert imported["published_at"] == "2026-02-27T00:00:09.554000+00:00"
    (status,) = _ok(runner, "lists", "status", "--json")
    assert status["published_at"] == "2026-02-27T00:00:09.554000+00:00"
    assert status["imported_at"] != status["published_at"]
    assert "2026-02-27" in _ok(runner, "lists", "status")
    text_ = whole.read_text(encoding="utf-8")
    head, rest = text_.split("<INDIVIDUALS>", 1)
    one = re.search(r"<INDIVIDUAL>.*?</INDIVIDUAL>", rest, re.S)
    assert one is not None
    cut = tmp_path / "un.xml"
    cut.write_text(
        f"{head}<INDIVIDUALS>{one.group()}</INDIVIDUALS></CONSOLIDATED_LIST>", encoding="utf-8"
    )
    refused = _run(runner, "lists", "import", str(cut), "--dry-run")
    assert refused.exit_code == 2
    assert "removes 1002 of the 1003 active entries" in refused.stderr
    assert "lists.shrink_refused" in refused.stderr


def _limit_memory() -> None:  # pragma: no cover - runs in the child process
    """The screening child may not take the machine down if a regression makes indexing
    quadratic again (7.8 GB for one such name before the index was bounded)."""
    limit = 3 * 2**30
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def test_the_other_entries_of_a_list_with_a_40000_character_name_are_screened_as_usual(
    runner: CliRunner,
    cli_env: str,
    tmp_path: Path,
    record_property: Callable[[str, object], None],
) -> None:
    path = tmp_path / "long.csv"
    path.write_bytes(list_file())
    imported = runner.invoke(app, ["lists", "import", str(path), "--json"])
    assert imported.exit_code == 0, imported.output + imported.stderr
    assert json.loads(imported.stdout)["entities"] == 32
    # `rarex screen` in a child process under an address-space limit (see _limit_memory).
    started = time.perf_counter()
    screened = subprocess.run(
        [
            sys.executable, "-c", "from rarex.cli.main import app; app()", "screen",
            "Sample Trading Company 7 Ltd.", "--json",
        ],
        env={**os.environ, "RAREX_DATABASE_URL": cli_env},
        preexec_fn=_limit_memory,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip
    record_property("screen_seconds", round(time.perf_counter() - started, 1))
    assert screened.returncode == 0, screened.stderr[-2000:]
    hits = json.loads(screened.stdout)["hits"]
    assert hits[0]["entity_id"] == "us-export:e7"
    assert hits[0]["score"] >= 0.8
