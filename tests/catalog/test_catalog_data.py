"""The shipped data file is self-consistent; a bad edit to it fails here, not in production."""

from __future__ import annotations

import re
from importlib.resources import files
from typing import Any

import yaml

from rarex.catalog import EntryStatus, load_control_list
from rarex.catalog.service import DATA_FILE, DATA_PACKAGE


def _raw() -> Any:
    text = files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def test_every_cited_announcement_exists() -> None:
    raw = _raw()
    ids = {a["id"] for a in raw["announcements"]}
    refs = ("announcement", "suspension_announcement", "repeal_announcement")
    for entry in raw["entries"]:
        for key in (*refs, "extraterritorial_rule"):
            assert entry.get(key) is None or entry[key] in ids, (entry["code"], key)


def test_codes_are_unique_and_canonical() -> None:
    codes = [entry.code for entry in load_control_list().entries]

    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[0-9][A-E][0-9]{3}\.[a-z]", code) for code in codes)


def test_hs_codes_are_ten_digit_strings() -> None:
    for entry in load_control_list().entries:
        for hs in entry.hs_codes:
            assert re.fullmatch(r"[0-9]{10}", hs), (entry.code, hs)


def test_version_is_an_iso_date_string() -> None:
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", load_control_list().version)


def test_each_element_of_no_18_and_no_57_has_sub_entries_a_b_c() -> None:
    catalog = load_control_list()
    for number in range(902, 914):
        sub_entries = [e for e in catalog.entries if e.base_code == f"1C{number}"]
        assert [e.code[-1] for e in sub_entries] == ["a", "b", "c"]
        assert len({e.element for e in sub_entries}) == 1


def test_unconfirmed_codes_are_flagged_as_domain_md_says() -> None:
    catalog = load_control_list()
    confirmed = {e.base_code for e in catalog.entries if e.code_confirmed}

    assert confirmed == {"1C902", "1C903", "1E902"}


def test_the_october_package_is_suspended_by_no_70_until_2026_11_10() -> None:
    catalog = load_control_list()
    october = [
        e for e in catalog.entries if e.announcement.published_on.isoformat() == "2025-10-09"
    ]

    assert {e.base_code for e in october} == {"1C909", "1C910", "1C911", "1C912", "1C913", "1E902"}
    for entry in october:
        assert entry.suspension_announcement is not None
        assert entry.suspension_announcement.id == "MOFCOM-GACC-2025-70"
        assert entry.suspended_from is not None
        assert entry.suspended_from.isoformat() == "2025-11-07"
        assert entry.suspended_until is not None
        assert entry.suspended_until.isoformat() == "2026-11-10"
    rule = catalog.announcement("MOFCOM-2025-61")
    assert rule.kind == "rule"
    assert rule.status_on(rule.effective_on) is EntryStatus.SUSPENDED


def test_no_18_entries_are_never_suspended() -> None:
    for entry in load_control_list().entries:
        if entry.announcement.id == "MOFCOM-GACC-2025-18":
            assert entry.suspended_from is None
            assert entry.repealed_on is None
