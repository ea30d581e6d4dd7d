"""The command line reads figures by the one number rule (``rarex.quantities``): in options
(``--grant LINE=KG``, published tonnes, tolerances) and in filing files, where YAML would
otherwise have read ``1_000`` as 1000, ``010`` as 8 and ``1:30`` as 90 before any rule saw them."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from rarex.cli.applications import _grants
from rarex.cli.customs import _tonnes
from rarex.cli.files import load_document
from rarex.cli.main import app
from rarex.cli.stats import _decimal
from rarex.errors import InvalidInput
from tests.cli.test_cli_applications import FILING, _ok, _setup

FULL_WIDTH_400 = "\uff14\uff10\uff10"


@pytest.mark.parametrize(
    "args",
    [
        ["applications", "decide", "X", "--outcome", "approved", "--reason", "ok",
         "--grant", "1=1_000", "--as", "off"],
        ["customs", "reconcile-month", "2025-06", "--published-rare-earths", "1_000",
         "--as", "off"],
        ["stats", "report", "--series", "x", "--period", "2025-05", "--tolerance", "1_000"],
    ],
    ids=["--grant", "--published-rare-earths", "--tolerance"],
)  # fmt: skip
def test_an_option_refuses_1_000_before_anything_is_opened(args: list[str]) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "[input.invalid_number]" in result.stderr
    assert "'1_000' is not a number" in result.stderr


def test_options_read_full_width_digits_as_ascii() -> None:
    assert _grants([f"1={FULL_WIDTH_400}", "2=0.5"]) == {1: Decimal(400), 2: Decimal("0.5")}
    assert _tonnes(f" {FULL_WIDTH_400} ", "--published-magnets") == Decimal(400)
    assert _decimal(FULL_WIDTH_400, "--tolerance") == Decimal(400)
    for line in ("x=5", "\uff11=5", "5"):  # LINE is ASCII digits too
        with pytest.raises(typer.Exit):
            _grants([line])


def test_a_yaml_file_keeps_numbers_as_typed(tmp_path: Path) -> None:
    path = tmp_path / "numbers.yaml"
    path.write_text(
        "a: 1_000\nb: 010\nc: 0x10\nd: 1:30\ne: 12.5\nf: .nan\ng: true\nh: 2025-06-04\n",
        encoding="utf-8",
    )
    document = load_document(path)
    assert [document[k] for k in "abcdef"] == ["1_000", "010", "0x10", "1:30", "12.5", ".nan"]
    assert document["g"] is True
    assert str(document["h"]) == "2025-06-04"


def test_a_filing_file_refuses_1_000_and_reads_full_width_digits(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    _setup(runner, tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text(FILING.replace('quantity_kg: "500.5"', "quantity_kg: 1_000"), "utf-8")
    refused = runner.invoke(app, ["applications", "file", str(bad), "--as", "exp"])
    assert refused.exit_code == 2, refused.output
    assert "lines.0.quantity_kg: '1_000' is not a number" in refused.stderr
    good = tmp_path / "good.yaml"
    good.write_text(FILING.replace('"500.5"', FULL_WIDTH_400), "utf-8")
    view = json.loads(_ok(runner, "applications", "file", str(good), "--as", "exp", "--json"))
    assert view["lines"][0]["quantity_kg"] == "400.000"


def test_a_filing_file_with_a_bad_byte_names_its_line(tmp_path: Path) -> None:
    """Before, the whole file was decoded at once and the error named no line."""
    path = tmp_path / "filing.yaml"
    path.write_bytes(
        b"license_type: single\ncontract_reference: C-1\n\nconsignee:\n  name: K\xf6ln\n"
    )
    with pytest.raises(InvalidInput) as refused:
        load_document(path)
    assert refused.value.code == "input.malformed_file"
    assert "filing.yaml line 5 is not UTF-8 text (byte 0xf6)" in refused.value.message
