"""Every shared watch-list file parses; counts per list match counts taken independently of
the parsers (the csv module, a regex over the XML), and known real entries come out right."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import os
import random
import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from rarex.screening.records import EntryName, ListStatus, NameRole, PartyKind, entry_to_dict
from rarex.screening.sources import ParsedList, detect_format, parse_list

WATCHLISTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "watchlists"

if not WATCHLISTS.is_dir():
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"the shared watch lists are missing: {WATCHLISTS}")
    pytest.skip(
        f"the shared watch lists are not at {WATCHLISTS}; these tests read the real files",
        allow_module_level=True,
    )

FILES = {
    "ofac-sdn": ["ofac-sdn-2021.csv", "ofac-sdn-2021-alt.csv", "ofac-sdn-2021-add.csv"],
    "un-xml": ["un-consolidated.xml"],
    "bis-dpl": ["bis-dpl.txt"],
    "us-export-csv": ["us-export-lists-2022.csv"],
    "cn-mofcom-csv": ["china-control-list.csv", "china-control-list-sources.csv"],
}


def _read(name: str) -> bytes:
    return (WATCHLISTS / name).read_bytes()


def _rows(name: str, delimiter: str = ",") -> list[list[str]]:
    text = _read(name).decode("utf-8").rstrip("\x1a")
    return [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if r]


_CACHE: dict[str, ParsedList] = {}


def _texts(names: tuple[EntryName, ...]) -> list[str]:
    return [n.text for n in names]


def _parsed(fmt: str) -> ParsedList:
    if fmt not in _CACHE:
        _CACHE[fmt] = parse_list(fmt, {n: _read(n) for n in FILES[fmt]})
    return _CACHE[fmt]


@pytest.mark.parametrize("fmt", FILES)
def test_hashes_and_stored_forms_are_what_asdict_gives(fmt: str) -> None:
    """Stored hashes are compared across versions of a list: the entry's canonical JSON is
    still ``dataclasses.asdict``'s, for every entry of every real list."""
    for entry in _parsed(fmt).entries:
        body = dataclasses.asdict(entry)
        assert entry_to_dict(entry) == json.loads(
            json.dumps(body, default=str, ensure_ascii=False),
            object_hook=lambda d: {k: v for k, v in d.items() if k != "raw" or v is not None},
        )
        for name in body["names"]:
            del name["raw"]
        text = json.dumps(body, sort_keys=True, default=str, ensure_ascii=False)
        assert entry.content_hash() == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_ofac_counts_match_the_csv_rows() -> None:
    sdn, alt = _rows("ofac-sdn-2021.csv"), _rows("ofac-sdn-2021-alt.csv")
    parsed = _parsed("ofac-sdn")
    assert parsed.counts_by_list["SDN"].entities == len({r[0] for r in sdn}) == 8976
    # primary + distinct alt names + the weak a.k.a.s OFAC keeps in the remarks
    names: dict[str, set[str]] = defaultdict(set)
    for r in sdn:
        names[r[0]].add(r[1].strip())
        names[r[0]].update(re.findall(r"\b[afn]\.k\.a\.,? '(.+?)'(?=[.;,]|\s*$)", r[11].strip()))
    for r in alt:
        names[r[0]].add(r[3].strip())
    assert parsed.counts_by_list["SDN"].names == sum(len(v) for v in names.values()) == 23318


def test_ofac_vessel_has_kind_flag_and_call_sign() -> None:
    hermann = next(e for e in _parsed("ofac-sdn").entries if e.entry_id == "4234")
    assert hermann.kind is PartyKind.VESSEL
    assert hermann.primary_name == "HERMANN"
    assert hermann.countries == ("CU",)
    assert "Call Sign CL2685" in hermann.identifiers
    kinds = {e.kind for e in _parsed("ofac-sdn").entries}
    assert kinds == {PartyKind.PERSON, PartyKind.ORGANIZATION, PartyKind.VESSEL, PartyKind.AIRCRAFT}


def test_ofac_aliases_addresses_and_weak_remark_aliases() -> None:
    bnc = next(e for e in _parsed("ofac-sdn").entries if e.entry_id == "306")
    assert [(n.text, n.role) for n in bnc.names] == [
        ("BANCO NACIONAL DE CUBA", NameRole.PRIMARY),
        ("NATIONAL BANK OF CUBA", NameRole.ALIAS),
        ("BNC", NameRole.WEAK_ALIAS),
    ]
    assert "Zweierstrasse 35, Zurich CH-8022, Switzerland" in bnc.addresses
    assert set(bnc.countries) == {"CH", "ES", "JP", "PA"}


def test_un_counts_match_the_xml_elements() -> None:
    text = _read("un-consolidated.xml").decode("utf-8")
    individuals = len(re.findall(r"<INDIVIDUAL>", text))
    entities = len(re.findall(r"<ENTITY>", text))
    aliases = len(re.findall(r"<ALIAS_NAME>[^<]+</ALIAS_NAME>", text))
    originals = len(re.findall(r"<NAME_ORIGINAL_SCRIPT>[^<]+</NAME_ORIGINAL_SCRIPT>", text))
    parsed = _parsed("un-xml")
    count = parsed.counts_by_list["UN Security Council Consolidated List"]
    assert count.entities == individuals + entities == 1003
    # one primary each, every alias and original-script name, less identical repeats
    assert individuals + entities + aliases + originals >= count.names == 4121
    kinds = [e.kind for e in parsed.entries]
    assert kinds.count(PartyKind.PERSON) == individuals == 730
    assert kinds.count(PartyKind.ORGANIZATION) == entities == 273


def test_un_individual_with_an_original_script_name() -> None:
    saddam = next(e for e in _parsed("un-xml").entries if e.entry_id == "IQi.001")
    assert saddam.primary_name == "SADDAM HUSSEIN AL-TIKRITI"
    original = next(n for n in saddam.names if n.lang == "ar")
    assert original.text == "صدام حسين التكريتي"
    assert original.role is NameRole.ALIAS
    assert saddam.programs == ("Iraq",)
    assert saddam.listed_on == date(2003, 6, 27)
    cyrillic = [n for e in _parsed("un-xml").entries for n in e.names if n.lang == "ru"]
    assert any(n.text == "Умаров Доку Хаматович" for n in cyrillic)


def test_un_alias_qualities_map_to_roles() -> None:
    adf = next(e for e in _parsed("un-xml").entries if e.entry_id == "CDe.001")
    roles = {n.text: n.role for n in adf.names}
    assert roles["Allied Democratic Forces"] is NameRole.ALIAS
    assert roles["NALU"] is NameRole.FORMER
    gaston = next(e for e in _parsed("un-xml").entries if e.entry_id == "CDi.003")
    assert {n.text: n.role for n in gaston.names}["Rumuli"] is NameRole.WEAK_ALIAS


def test_bis_dpl_one_entry_per_order_with_all_its_addresses() -> None:
    rows = _rows("bis-dpl.txt", "\t")
    header, body = rows[0], rows[1:]
    name, eff = header.index("Name"), header.index("Effective_Date")
    orders = {(" ".join(r[name].split()).upper(), r[eff]) for r in body}
    parsed = _parsed("bis-dpl")
    assert parsed.counts_by_list["Denied Persons List"] == parsed.total
    assert parsed.total.entities == len(orders) == 461
    assert parsed.total.names == 461
    zimo = next(e for e in parsed.entries if e.primary_name == "ZIMO SHENG")
    assert len(zimo.addresses) == 2
    assert zimo.effective_on == date(2020, 3, 16)
    assert zimo.status_on(date(2026, 1, 1)) is ListStatus.ACTIVE
    assert zimo.status_on(date(2028, 12, 13)) is ListStatus.REMOVED


def test_us_export_counts_per_list_match_distinct_ids_and_names() -> None:
    rows = _rows("us-export-lists-2022.csv")[1:]
    ids: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        ids[r[0]].add(r[1])
    parsed = _parsed("us-export-csv")
    assert {k: v.entities for k, v in parsed.counts_by_list.items()} == {
        k: len(v) for k, v in ids.items()
    }
    assert parsed.total.entities == 3231
    # names: at least one per entry, at most one per row plus an "Affiliated Entity" or
    # "Issuer Name" alias each
    assert parsed.total.entities < parsed.total.names <= len(rows) + 2 * parsed.total.entities
    assert parsed.total.names == 5986


def test_us_export_huawei_on_several_lists_and_prefixes_stripped() -> None:
    entries = _parsed("us-export-csv").entries
    huawei_lists = {e.list_name for e in entries if any("Huawei" in n.text for n in e.names)}
    assert {"Entity List (EL) - Bureau of Industry and Security"} < huawei_lists
    main = [e for e in entries if "Huawei Technologies Co., Ltd. (Huawei)" in _texts(e.names)]
    assert len(main) >= 2
    assert all(e.countries == ("CN",) for e in main)
    repair = next(e for e in entries if e.entry_id == "4398d33e9e93c7477af39f1e0bfffc13ddd47bcc")
    assert [n.text for n in repair.names] == [
        "Open Joint Stock Company 140 Repair Plant",
        "JSC 140 Repair Plant",
        "140 Repair Plant JSC",
    ]


def test_us_export_hikvision_and_cmic_identifiers() -> None:
    entries = _parsed("us-export-csv").entries
    hik = next(e for e in entries if e.primary_name == "Hikvision")
    assert "Hangzhou Hikvision Digital Technology Co., Ltd." in [n.text for n in hik.names]
    assert hik.listed_on == date(2019, 10, 9)
    cmic = [e for e in entries if e.list_name.startswith("Non-SDN Chinese Military")]
    assert all(e.kind is PartyKind.ORGANIZATION for e in cmic)
    assert any(i.startswith("USCC 9111") for e in cmic for i in e.identifiers)


def test_china_lists_counts_and_one_entry_per_row() -> None:
    rows = _rows("china-control-list.csv")
    header, body = rows[0], rows[1:]
    per_list: dict[str, int] = defaultdict(int)
    for r in body:
        per_list[r[header.index("list")]] += 1
    parsed = _parsed("cn-mofcom-csv")
    assert {k: v.entities for k, v in parsed.counts_by_list.items()} == per_list
    assert per_list == {"control_list": 153, "watch_list": 40, "unreliable_entity_list": 81}
    # English and Chinese name each, except where the Chinese column repeats the English
    same = sum(1 for r in body if r[2].strip() == r[3].strip())
    assert parsed.total.names == 2 * len(body) - same == 539


def test_china_general_dynamics_cites_the_announcement_and_chinese_name() -> None:
    gd = next(e for e in _parsed("cn-mofcom-csv").entries if e.primary_name == "General Dynamics")
    assert gd.entity_id == "cn-mofcom:control_list-2025-1-1"
    assert gd.list_name == "control_list"
    assert gd.announcement == "商务部公告2025年第1号"
    assert gd.names[1].text == "通用动力公司"
    assert gd.names[1].lang == "zh"
    assert gd.countries == ("US",)
    assert gd.in_force_on(date(2026, 1, 1))


def test_china_suspended_and_removed_entries_are_dated() -> None:
    entries = _parsed("cn-mofcom-csv").entries
    leidos = next(e for e in entries if e.primary_name == "Leidos")
    assert leidos.status_on(date(2025, 11, 9)) is ListStatus.ACTIVE
    assert leidos.status_on(date(2025, 11, 10)) is ListStatus.REMOVED
    photonics = next(e for e in entries if e.primary_name == "American Photonics")
    assert photonics.status_on(date(2025, 6, 1)) is ListStatus.SUSPENDED
    assert photonics.status_on(date(2025, 8, 12)) is ListStatus.REMOVED
    suspended = [
        e for e in entries if e.status_changes[-1:] and e.status_changes[-1].status == "suspended"
    ]
    assert len(suspended) == 27
    assert all(e.status_changes[-1].on == date(2025, 5, 14) for e in suspended)


def test_china_same_company_on_two_lists_is_two_entries() -> None:
    gdls = [
        e
        for e in _parsed("cn-mofcom-csv").entries
        if e.primary_name == "General Dynamics Land Systems"
    ]
    assert {e.list_name for e in gdls} == {"control_list", "unreliable_entity_list"}
    assert len({e.entity_id for e in gdls}) == 2


def test_parsing_twice_gives_equal_results() -> None:
    for fmt, names in FILES.items():
        # _parsed is a first parse (made here, or kept from an earlier test), this the second.
        assert parse_list(fmt, {n: _read(n) for n in names}) == _parsed(fmt)


def test_us_export_with_entries_reordered_gives_the_same_hashes() -> None:
    """Entries shuffled and their rows interleaved; the rows of one entry keep their order
    (the first row of an entry is its primary name, so that order carries meaning)."""
    text = _read("us-export-lists-2022.csv").decode("utf-8")
    lines = text.splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    groups: dict[str, list[str]] = defaultdict(list)
    for line in body:
        groups[next(csv.reader([line]))[1]].append(line)
    rng = random.Random(4)
    queues = list(groups.values())
    rng.shuffle(queues)
    shuffled: list[str] = []
    while queues:
        queue = rng.choice(queues)
        shuffled.append(queue.pop(0))
        if not queue:
            queues.remove(queue)
    assert shuffled != body
    again = parse_list("us-export-csv", [(header + "".join(shuffled)).encode("utf-8")])
    original = _parsed("us-export-csv")
    assert {e.content_hash() for e in again.entries} == {e.content_hash() for e in original.entries}
    assert again.entries == original.entries  # sorted by list and id: the same tuple
    assert again.counts == original.counts


def test_every_shared_file_is_recognised_by_its_head() -> None:
    for fmt, names in FILES.items():
        for name in names:
            assert detect_format(name, _read(name)[:4096]) == fmt, name
