"""`rarex stats` as an operator uses it: the shared CSV, a real database, JSON and files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped,unused-ignore]
from sqlalchemy import func, select
from typer.testing import CliRunner

from rarex.cli.main import app
from rarex.db_engine import make_engine
from rarex.models.statistics import StatImport, StatObservation
from rarex.statistics.published import published_files
from tests.statistics.conftest import REPORTED_CSV, TRADE_CSV


def _ok(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _counts(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        observations = conn.scalar(select(func.count()).select_from(StatObservation))
        imports = conn.scalar(select(func.count()).select_from(StatImport))
    engine.dispose()
    return int(observations or 0), int(imports or 0)


def test_acceptance_from_the_shared_csv_alone(runner: CliRunner, cli_env: str) -> None:
    imported = json.loads(_ok(runner, "stats", "import", str(TRADE_CSV), "--json"))
    assert imported["changed"] is True
    assert {f["kind"] for f in imported["files"]} == {"observations", "sources"}
    body = json.loads(
        _ok(
            runner,
            "stats",
            "report",
            "--series",
            "rare_earth_exports_t",
            "--period",
            "2025-05",
            "--json",
        )
    )
    assert (body["value"], body["unit"]) == ("5864.6", "t")
    assert body["mom_display"] == "+22.6%"
    assert body["ytd"] == "24827"
    assert body["ytd_yoy_display"] == "+2.3%"
    whole = json.loads(
        _ok(
            runner,
            "stats",
            "report",
            "--series",
            "rare_earth_exports_t",
            "--period",
            "2025-05",
            "--decimals",
            "0",
            "--json",
        )
    )
    assert whole["mom_display"] == "+23%"
    march = json.loads(
        _ok(
            runner,
            "stats",
            "report",
            "--series",
            "rare_earth_exports_t",
            "--period",
            "2025-03",
            "--json",
        )
    )
    assert march["changes"]["yoy"]["base_status"] == "derived"
    assert any(f["code"] == "base.derived" for f in march["flags"])
    text = _ok(runner, "stats", "report", "--series", "rare_earth_exports_t", "--period", "2025-05")
    assert "+22.6%" in text
    assert "24,827 t" in text
    # Re-import: nothing changes.
    before = _counts(cli_env)
    again = json.loads(_ok(runner, "stats", "import", str(TRADE_CSV), "--json"))
    assert again["changed"] is False
    assert _counts(cli_env) == before


def test_a_malformed_file_is_refused_and_changes_nothing(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    _ok(runner, "stats", "import", str(TRADE_CSV))
    before = _counts(cli_env)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "period,series,partner,basis,value,unit,source\n"
        "2025-05,rare_earth_exports_t,WLD,month,n/a,t,S1\n"
        "2025-06,rare_earth_exports_t,WLD,weekly,1,t,S1\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["stats", "import", str(bad)])
    assert result.exit_code == 2
    assert "stats.bad_value" in result.stderr
    assert "bad.csv line 2, field 'value'" in result.stderr.replace("\n", " ")
    assert "line 3, field 'basis'" in result.stderr.replace("\n", " ")
    assert _counts(cli_env) == before


def test_a_revision_without_a_release_date_is_refused_and_changes_nothing(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    _ok(runner, "stats", "import", str(TRADE_CSV))
    before = _counts(cli_env)
    revised = tmp_path / "revised.csv"
    revised.write_text(
        "period,series,partner,basis,value,unit,source\n"
        "2025-05,rare_earth_exports_t,WLD,month,5900,t,S1\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["stats", "import", str(revised)])
    assert result.exit_code == 2
    stderr = result.stderr.replace("\n", " ")
    assert "stats.release_required" in stderr
    assert "revised.csv line 2, field 'release'" in stderr
    assert _counts(cli_env) == before
    dated = tmp_path / "dated.csv"
    dated.write_text(
        "period,series,partner,basis,value,unit,source,release\n"
        "2025-05,rare_earth_exports_t,WLD,month,5900,t,S1,2025-07-09\n",
        encoding="utf-8",
    )
    imported = json.loads(_ok(runner, "stats", "import", str(dated), "--json"))
    assert imported["files"][0]["revised"] == 1


def test_tables_exports_and_charts(runner: CliRunner, cli_env: str, tmp_path: Path) -> None:
    _ok(runner, "stats", "import", str(TRADE_CSV))
    reported = tmp_path / "reported.csv"
    reported.write_text(REPORTED_CSV, encoding="utf-8")
    _ok(runner, "stats", "import", str(reported), "--no-sources")
    table = json.loads(
        _ok(
            runner,
            "stats",
            "series",
            "--series",
            "rare_earth_exports_t",
            "--from",
            "2025-01",
            "--to",
            "2025-06",
            "--json",
        )
    )
    assert [r["period"] for r in table["rows"]] == [
        "2025-02",
        "2025-03",
        "2025-04",
        "2025-05",
        "2025-06",
    ]
    assert "Jan-Feb" in _ok(runner, "stats", "series", "--series", "rare_earth_exports_t")
    listed = json.loads(_ok(runner, "stats", "list", "--json"))
    assert "magnet_exports_t" in {s["series"] for s in listed}
    _ok(
        runner,
        "stats",
        "export",
        "--series",
        "rare_earth_exports_t",
        "--output",
        str(tmp_path / "out.xlsx"),
    )
    book = load_workbook(tmp_path / "out.xlsx")
    assert book.sheetnames == ["figures", "sources", "findings"]
    _ok(
        runner,
        "stats",
        "export",
        "--series",
        "rare_earth_exports_t",
        "--format",
        "sdmx",
        "--output",
        str(tmp_path / "sdmx.csv"),
    )
    assert (tmp_path / "sdmx.csv").read_text().startswith("DATAFLOW,")
    _ok(
        runner,
        "stats",
        "chart",
        "--series",
        "rare_earth_exports_t",
        "--output",
        str(tmp_path / "m.svg"),
    )
    _ok(
        runner,
        "stats",
        "chart",
        "--series",
        "rare_earth_exports_t",
        "--kind",
        "yoy",
        "--year",
        "2025",
        "--output",
        str(tmp_path / "y.png"),
    )
    assert (tmp_path / "m.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "y.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    refused = runner.invoke(
        app,
        ["stats", "chart", "--series", "rare_earth_exports_t", "--output", str(tmp_path / "m.gif")],
    )
    assert refused.exit_code == 2
    assert "stats.unknown_format" in refused.stderr


def test_report_refusals_exit_2(runner: CliRunner, cli_env: str) -> None:
    result = runner.invoke(
        app, ["stats", "report", "--series", "rare_earth_exports_t", "--period", "2025-05"]
    )
    assert result.exit_code == 2
    assert "stats.unknown_series" in result.stderr
    result = runner.invoke(
        app, ["stats", "report", "--series", "x", "--period", "2025-05", "--tolerance", "lots"]
    )
    assert result.exit_code == 2
    assert "--tolerance" in result.stderr


@pytest.mark.parametrize(("role", "allowed"), [("analyst", True), ("licensing_officer", False)])
def test_import_as_a_named_user(runner: CliRunner, cli_env: str, role: str, allowed: bool) -> None:
    _ok(runner, "users", "create", "u1", "--role", role)
    outcome = runner.invoke(app, ["stats", "import", str(TRADE_CSV), "--as", "u1"])
    if allowed:
        assert outcome.exit_code == 0, outcome.output
    else:
        assert outcome.exit_code == 2
        assert "auth.role_required" in outcome.stderr
        assert _counts(cli_env) == (0, 0)


def test_report_from_declarations_needs_a_user(runner: CliRunner, cli_env: str) -> None:
    args = ["stats", "report", "--series", "rare_earth_exports_t", "--period", "2025-05"]
    missing = runner.invoke(app, [*args, "--source", "declarations"])
    assert missing.exit_code == 2
    assert "auth.user_required" in missing.stderr
    _ok(runner, "users", "create", "ana", "--role", "analyst")
    body = json.loads(_ok(runner, *args, "--source", "declarations", "--as", "ana", "--json"))
    assert body["source"] == "declarations"
    assert "from cleared declarations" in _ok(
        runner, *args, "--source", "declarations", "--as", "ana"
    )
    unknown = runner.invoke(app, [*args, "--source", "rumours"])
    assert unknown.exit_code == 2


def _published_paths(tmp_path: Path) -> list[str]:
    paths = []
    for name, content in published_files():
        path = tmp_path / name
        path.write_bytes(content)
        paths.append(str(path))
    return paths


def test_the_seed_articles_rates_in_the_reported_column(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    _ok(runner, "stats", "import", *_published_paths(tmp_path))
    args = ["stats", "report", "--series", "rare_earth_exports_t", "--period", "2025-05"]
    # Not a terminal: the table arrives as tab-separated lines (rarex.cli.tables).
    lines = {line.split("\t")[0]: line.split("\t") for line in _ok(runner, *args).splitlines()}
    assert lines["month on month"][1:] == ["+22.6%", "M(2025-04)", "+23% S1"]
    assert lines["YTD year on year"][1:] == ["+2.3%", "YTD(2024-05)", "+2.3% S1"]
    assert lines["year on year"][3] == "-5.7% S3"
    table = _ok(runner, "stats", "series", "--series", "rare_earth_exports_t", "--from", "2025-05")
    may = next(line for line in table.splitlines() if line.startswith("2025-05\t"))
    assert may.split("\t")[-1] == "MoM +23% S1; YoY -5.7% S3; YTD YoY +2.3% S1"


def test_charts_as_svg_png_at_a_resolution_and_pdf(
    runner: CliRunner, cli_env: str, tmp_path: Path
) -> None:
    _ok(runner, "stats", "import", str(TRADE_CSV))
    chart = ["stats", "chart", "--series", "rare_earth_exports_t"]
    _ok(runner, *chart, "--format", "pdf", "--output", str(tmp_path / "chart.out"))
    assert (tmp_path / "chart.out").read_bytes().startswith(b"%PDF-")
    said = _ok(runner, *chart, "--dpi", "300", "--output", str(tmp_path / "c.png"))
    assert "300 dpi" in said
    png = (tmp_path / "c.png").read_bytes()
    at = png.index(b"pHYs")
    assert round(int.from_bytes(png[at + 4 : at + 8], "big") * 0.0254) == 300
    for bad, code in (("--dpi", "20"), ("--format", "gif")):
        refused = runner.invoke(app, [*chart, bad, code, "--output", str(tmp_path / "x.png")])
        assert refused.exit_code == 2
        assert ("stats.bad_dpi" if bad == "--dpi" else "stats.unknown_format") in refused.stderr
    assert not (tmp_path / "x.png").exists()
    _ok(runner, "stats", "export", "--series", "rare_earth_exports_t", "--format", "sdmx2",
        "--output", str(tmp_path / "sdmx2.csv"))  # fmt: skip
    assert (tmp_path / "sdmx2.csv").read_text().startswith("STRUCTURE,STRUCTURE_ID,ACTION,")
