"""The servers' log: JSON lines whose fields are named the same in every room (issue 15)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from rarex.logs import FIELD_NAMES

SOURCE = Path(__file__).resolve().parents[1] / "src" / "rarex"


def _logged_fields() -> dict[str, set[str]]:
    """Every key of an ``extra={...}`` given to a logging call in the package, by file."""
    found: dict[str, set[str]] = {}
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg == "extra" and isinstance(keyword.value, ast.Dict):
                    keys = {k.value for k in keyword.value.keys if isinstance(k, ast.Constant)}
                    found.setdefault(str(path.relative_to(SOURCE)), set()).update(keys)
    return found


def test_every_room_names_its_log_fields_from_the_one_list() -> None:
    found = _logged_fields()
    assert len(found) >= 5  # the scan sees the rooms that log
    strangers = {path: keys - FIELD_NAMES for path, keys in found.items() if keys - FIELD_NAMES}
    assert not strangers, f"log fields not in rarex.logs.FIELD_NAMES: {strangers}"


def test_the_configured_log_is_one_json_object_per_line_with_the_events_fields() -> None:
    script = (
        "import logging\n"
        "from rarex.logs import configure_logging, enter_request\n"
        "configure_logging('INFO', 'json')\n"
        "log = logging.getLogger('rarex.probe')\n"
        "log.debug('probe.hidden')\n"
        "log.info('probe.outside', extra={'reference': 'RX-1'})\n"
        "enter_request('req-0123456789')\n"
        "log.warning('probe.inside', extra={'code': 'x.y'})\n"
        "try:\n"
        "    1 / 0\n"
        "except ZeroDivisionError:\n"
        "    log.exception('probe.failed')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [line["event"] for line in lines] == ["probe.outside", "probe.inside", "probe.failed"]
    outside, inside, failed = lines
    assert outside["reference"] == "RX-1"
    assert "request_id" not in outside
    assert (inside["level"], inside["request_id"], inside["code"]) == (
        "WARNING",
        "req-0123456789",
        "x.y",
    )
    assert "ZeroDivisionError" in failed["exc_info"]
    assert done.stdout == ""
