"""``rarex lists`` and ``rarex screen`` on the real shared lists: the issue's acceptance names,
the dated status of suspended and removed entries, and refusals with a precise error."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rarex.cli.main import app
from rarex.config import get_settings
from tests.cli.conftest import use_database
from tests.conftest import BACKENDS, whole_database

# Among the longest tests: run first, so that no xdist worker ends the run alone on one.
pytestmark = pytest.mark.slow

WATCHLISTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "watchlists"


def _lists() -> Path:
    if not WATCHLISTS.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{WATCHLISTS} is missing in CI")
        pytest.skip(f"{WATCHLISTS} is not beside the clone")
    return WATCHLISTS


def _ok(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output + result.stderr
    return result.stdout


def _screen(runner: CliRunner, name: str, *extra: str) -> list[dict[str, Any]]:
    hits: list[dict[str, Any]] = json.loads(_ok(runner, "screen", name, "--json", *extra))["hits"]
    return hits


def _import_two_lists(runner: CliRunner) -> None:
    folder = _lists()
    body = json.loads(
        _ok(runner, "lists", "import", str(folder / "china-control-list.csv"), "--json")
    )
    assert body["counts"]["control_list"] == {"entities": 153, "names": 306}
    body = json.loads(
        _ok(runner, "lists", "import", str(folder / "us-export-lists-2022.csv"), "--json")
    )
    assert (body["entities"], body["names"]) == (3231, 5986)


@pytest.fixture(scope="module", params=BACKENDS)
def lists_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One database per module and backend with the two lists imported (4-5 s each): the tests
    that take ``loaded`` only read it; a test that writes takes ``freshly_loaded``."""
    folder = tmp_path_factory.mktemp("lists")
    with whole_database(request.param, folder, name="cli_lists") as url:
        with pytest.MonkeyPatch.context() as monkeypatch:
            use_database(monkeypatch, url)
            _import_two_lists(CliRunner())
        get_settings.cache_clear()
        yield url


@pytest.fixture
def loaded(lists_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """The CLI on the module's database with the lists loaded; for tests that only read it."""
    use_database(monkeypatch, lists_database)
    yield CliRunner()
    get_settings.cache_clear()


@pytest.fixture
def freshly_loaded(runner: CliRunner, cli_env: str) -> CliRunner:
    """The lists loaded into a database of the test's own."""
    _import_two_lists(runner)
    return runner


def test_general_dynamics_is_found_in_chinese_and_english_citing_its_announcement(
    loaded: CliRunner,
) -> None:
    for name in ("通用动力公司", "General Dynamics Corp."):
        best = _screen(loaded, name, "--on", "2025-06-01")[0]
        assert best["entity_id"] == "cn-mofcom:control_list-2025-1-1", name
        assert best["announcement"] == "商务部公告2025年第1号"
        assert best["in_force"] is True
        assert best["explanation"]["list_name"] in ("General Dynamics", "通用动力公司")
        # the hit shows every name of the entry, in both scripts (issue 10, item 6)
        assert {n["text"] for n in best["names"]} >= {"General Dynamics", "通用动力公司"}
        assert "addresses" in best
        assert "identifiers" in best


def test_huawei_in_characters_finds_the_shenzhen_headquarters_before_branches_abroad(
    loaded: CliRunner,
) -> None:
    # issue 10: the CMIC entry (30947, "HUAWEI TECHNOLOGIES CO., LTD." at Bantian) or the
    # Entity List entry at Bantian among the first three, both above the subsidiaries abroad
    hits = _screen(loaded, "华为技术有限公司", "--limit", "20")
    ids = [h["entity_id"] for h in hits]
    headquarters = ("us-export:30947", "us-export:d05d55fa214aff19c1eb3270d54905e4e362d445")
    assert set(ids[:3]) & set(headquarters)
    abroad = [
        i
        for i, h in enumerate(hits)
        if h["countries"] and not {"CN", "HK", "MO", "TW"} & set(h["countries"])
    ]
    assert abroad
    assert all(ids.index(hq) < min(abroad) for hq in headquarters)


def test_query_by_example_checks_the_identifier_against_the_entry(loaded: CliRunner) -> None:
    # the CMIC entry 30947 lists Huawei's unified social credit code 914403001922038216
    hits = _screen(
        loaded, "Huawei Technologies Co., Ltd.", "--id", "914403001922038216",
        "--address", "Bantian, Longgang District, Shenzhen", "--limit", "20",
    )  # fmt: skip
    cmic = next(h for h in hits if h["entity_id"] == "us-export:30947")
    checks = {c["field"]: c for c in cmic["explanation"]["checks"]}
    assert checks["identifier"]["agrees"] is True
    assert checks["address"]["agrees"] is True
    assert hits[0]["entity_id"] == "us-export:30947"  # the identifier puts the party first
    refused = loaded.invoke(app, ["screen", "Huawei", "--dob", "1954/01/27"])
    assert refused.exit_code != 0
    assert "screening.bad_date_of_birth" in refused.stdout + refused.stderr


def test_a_hit_list_cut_by_the_limit_says_how_many_there_are(loaded: CliRunner) -> None:
    body = json.loads(_ok(loaded, "screen", "Huawei Technologies", "--limit", "3", "--json"))
    assert body["shown"] == len(body["hits"]) == 3
    assert body["total"] > 3
    text = _ok(loaded, "screen", "Huawei Technologies", "--limit", "3")
    assert f"3 of {body['total']} hits" in text


def test_a_threshold_per_call_stays_within_its_bounds(loaded: CliRunner) -> None:
    strict = json.loads(
        _ok(loaded, "screen", "Huawei Technologies", "--threshold", "1.0", "--json")
    )
    loose = json.loads(_ok(loaded, "screen", "Huawei Technologies", "--threshold", "0.6", "--json"))
    assert loose["total"] > strict["total"] > 0
    assert all(h["score"] >= 1.0 for h in strict["hits"])
    refused = loaded.invoke(app, ["screen", "Huawei", "--threshold", "0.2"])
    assert refused.exit_code != 0
    assert "screening.threshold_out_of_bounds" in refused.stdout + refused.stderr


def test_huawei_in_characters_and_in_english_finds_the_us_export_entries(
    loaded: CliRunner,
) -> None:
    for name in ("华为技术有限公司", "Huawei Technologies Co Ltd"):
        hits = _screen(loaded, name, "--limit", "20")
        sources = {h["entity_id"].split(":")[0] for h in hits}
        names = " ".join(h["name"].lower() for h in hits)
        assert "us-export" in sources, name
        assert "huawei" in names, name
        assert hits[0]["score"] >= 0.8


def test_hikvision_regardless_of_word_order_and_generic_words_alone_find_nothing(
    loaded: CliRunner,
) -> None:
    for name in ("Hangzhou Hikvision Digital Technology", "Hikvision Digital Technology Hangzhou"):
        hits = _screen(loaded, name)
        assert any("hikvision" in h["name"].lower() for h in hits[:3]), name
    assert _screen(loaded, "China Trading Co., Ltd.") == []


def test_an_entry_whose_measures_stopped_is_shown_not_in_force_on_a_later_date(
    loaded: CliRunner,
) -> None:
    before = _screen(loaded, "Leidos", "--on", "2025-06-01")[0]
    after = _screen(loaded, "Leidos", "--on", "2025-12-01")[0]
    assert before["entity_id"] == after["entity_id"]
    assert before["in_force"] is True
    assert (after["in_force"], after["status_on_date"]) == (False, "removed")
    text = _ok(loaded, "screen", "Leidos", "--on", "2025-12-01")
    assert "NOT in force on 2025-12-01" in text


def test_status_lists_what_is_loaded_and_a_malformed_file_changes_nothing(
    freshly_loaded: CliRunner, tmp_path: Path
) -> None:
    loaded = freshly_loaded
    before = json.loads(_ok(loaded, "lists", "status", "--json"))
    assert {s["source"] for s in before} == {"cn-mofcom", "us-export"}
    broken = tmp_path / "un.xml"
    broken.write_bytes(b'<?xml version="1.0"?>\n<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n')
    result = loaded.invoke(app, ["lists", "import", str(broken), "--format", "un-xml"])
    assert result.exit_code == 2
    assert "lists.bad_xml" in result.stderr
    assert "line" in result.stderr
    again = loaded.invoke(
        app, ["lists", "import", str(_lists() / "china-control-list.csv"), "--json"]
    )
    assert json.loads(again.stdout)["unchanged"] is True
    assert json.loads(_ok(loaded, "lists", "status", "--json")) == before
    refused = loaded.invoke(app, ["screen", "", "--json"])
    assert refused.exit_code == 2
    assert "screening.name_required" in refused.stderr
