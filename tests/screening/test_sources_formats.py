"""Each format's mapping on small hand-written fixtures: roles, languages, countries, dates,
statuses; the registry (file roles, format detection)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rarex.errors import InvalidInput
from rarex.screening.errors import MalformedList
from rarex.screening.records import ListStatus, NameRole, PartyKind
from rarex.screening.sources import (
    FORMATS,
    ParsedList,
    detect_format,
    parse_ftm,
    parse_list,
    parse_ofac_sdn,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _roles(parsed: ParsedList, entry_id: str) -> list[tuple[str, NameRole, str | None]]:
    entry = next(e for e in parsed.entries if e.entry_id == entry_id)
    return [(n.text, n.role, n.lang) for n in entry.names]


# -- FtM --------------------------------------------------------------------------------


def test_ftm_parties_become_entries_and_the_rest_is_noted() -> None:
    parsed = parse_ftm(_bytes("ftm-sample.ftm.json"))
    assert parsed.source == "ftm-us_ofac_sdn"
    assert [e.entry_id for e in parsed.entries] == [
        "NK-abc123",
        "NK-def456",
        "NK-ghi789",
        "NK-le001",
    ]
    assert [e.kind for e in parsed.entries] == [
        PartyKind.PERSON,
        PartyKind.ORGANIZATION,
        PartyKind.VESSEL,
        PartyKind.UNKNOWN,
    ]
    assert "skipped 1 entities (schema Address)" in parsed.notes
    assert "skipped 1 entities (not a target)" in parsed.notes
    assert any("'suhh'" in note for note in parsed.notes)
    assert parsed.counts_by_list["us_ofac_sdn"].entities == 4
    assert parsed.counts_by_list["us_ofac_sdn"].names == 9


def test_ftm_names_roles_and_script_languages() -> None:
    parsed = parse_ftm(_bytes("ftm-sample.ftm.json"))
    assert _roles(parsed, "NK-abc123") == [
        ("Ivan Petrov", NameRole.PRIMARY, None),
        ("Иван Петров", NameRole.ALIAS, "ru"),
        ("Vanya Petrov", NameRole.ALIAS, None),
        ("Vanya", NameRole.WEAK_ALIAS, None),
    ]
    assert _roles(parsed, "NK-def456")[1:] == [
        ("深圳示例科技有限公司", NameRole.ALIAS, "zh"),
        ("Shenzhen Old Example Co.", NameRole.FORMER, None),
    ]


def test_ftm_properties_map_to_entry_fields() -> None:
    parsed = parse_ftm(_bytes("ftm-sample.ftm.json"))
    person, company, vessel = parsed.entries[:3]
    assert person.countries == ("RU",)
    assert person.identifiers == ("Passport 7512345678",)
    assert person.programs == ("RUSSIA-EO14024",)
    assert person.listed_on == date(2022, 3, 15)
    assert person.remarks == "Listed for support to the defence sector."
    assert company.listed_on is None  # "2023-05" is not a day
    assert company.identifiers == ("Registration 91440300MA5EXAMPLE",)
    assert company.addresses == ("Nanshan District, Shenzhen, China",)
    assert vessel.countries == ("KP",)
    assert vessel.identifiers == ("IMO 9123456", "MMSI 445123456")


def test_ftm_crawl_timestamps_do_not_move_the_content_hash() -> None:
    original = parse_ftm(_bytes("ftm-sample.ftm.json"))
    recrawled = _bytes("ftm-sample.ftm.json").replace(
        b"2026-02-01T00:00:00", b"2026-03-01T00:00:00"
    )
    assert recrawled != _bytes("ftm-sample.ftm.json")
    again = parse_ftm(recrawled)
    assert [e.content_hash() for e in again.entries] == [e.content_hash() for e in original.entries]


def test_ftm_dataset_name_given_sets_the_source_slug() -> None:
    parsed = parse_list(
        "ftm-json", [_bytes("ftm-sample.ftm.json")], dataset="OpenSanctions Default"
    )
    assert parsed.source == "ftm-opensanctions-default"
    assert parsed.entries[0].entity_id == "ftm-opensanctions-default:NK-abc123"


def test_ftm_entity_without_any_name_is_refused() -> None:
    line = b'{"id": "x", "schema": "Company", "properties": {"country": ["cn"]}}\n'
    with pytest.raises(MalformedList) as caught:
        parse_ftm(line)
    assert caught.value.where == 'line 1, column "properties.name"'


# -- OFAC -------------------------------------------------------------------------------


def test_ofac_three_files_joined_on_the_entity_number() -> None:
    parsed = parse_list(
        "ofac-sdn",
        {n: _bytes(n) for n in ("ofac-alt.csv", "ofac-sdn.csv", "ofac-add.csv")},  # any order
    )
    assert _roles(parsed, "306") == [
        ("BANCO NACIONAL DE CUBA", NameRole.PRIMARY, None),
        ("NATIONAL BANK OF CUBA", NameRole.ALIAS, None),  # the repeated alt row merged
        ("BANCO DE CUBA", NameRole.FORMER, None),
        ("BNC", NameRole.WEAK_ALIAS, None),
    ]
    bnc = next(e for e in parsed.entries if e.entry_id == "306")
    assert bnc.countries == ("CH",)
    vessel = next(e for e in parsed.entries if e.entry_id == "4234")
    assert vessel.identifiers == ("Call Sign CL2685", "IMO 7406784")
    person = next(e for e in parsed.entries if e.entry_id == "7001")
    assert person.kind is PartyKind.PERSON
    assert person.programs == ("SDNTK", "ILLICIT-DRUGS-EO14059")
    assert person.countries == ()  # "Region: Kafia Kingi" is no country: noted
    assert any("Kafia Kingi" in n for n in parsed.notes)


def test_ofac_files_told_apart_by_row_width_without_names() -> None:
    by_name = parse_list(
        "ofac-sdn", {n: _bytes(n) for n in ("ofac-sdn.csv", "ofac-alt.csv", "ofac-add.csv")}
    )
    by_width = parse_list(
        "ofac-sdn", [_bytes("ofac-add.csv"), _bytes("ofac-sdn.csv"), _bytes("ofac-alt.csv")]
    )
    assert by_width.entries == by_name.entries


def test_ofac_legacy_cp1252_file_is_read_and_noted() -> None:
    parsed = parse_ofac_sdn(_bytes("ofac-sdn-cp1252.csv"))
    assert parsed.encoding == "cp1252"
    assert _roles(parsed, "7001")[0] == ("NUÑEZ, José", NameRole.PRIMARY, None)
    assert "read as cp1252: the files hold no UTF-8" in parsed.notes
    assert parse_ofac_sdn(_bytes("ofac-sdn.csv")).encoding == "utf-8"


def test_ofac_unknown_sdn_type_is_refused() -> None:
    row = b'36,"A","spaceship","CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    with pytest.raises(MalformedList) as caught:
        parse_ofac_sdn(row)
    assert caught.value.where == 'sdn file, line 1, column "SDN_Type"'


# -- UN ---------------------------------------------------------------------------------


def test_un_sample_maps_names_documents_and_scripts() -> None:
    parsed = parse_list("un-xml", [_bytes("un-sample.xml")])
    assert _roles(parsed, "KPi.900") == [
        ("IVAN IVANOVICH PETROV", NameRole.PRIMARY, None),
        ("Ivan Petroff", NameRole.ALIAS, None),
        ("Vanya", NameRole.WEAK_ALIAS, None),
        ("Иван Иванович Петров", NameRole.ALIAS, "ru"),
    ]
    assert _roles(parsed, "KPe.900")[-1] == ("示例贸易公司", NameRole.ALIAS, "zh")
    person = parsed.entries[0]
    assert person.listed_on == date(2017, 6, 2)  # "2017-06-02-04:00": xs:date with a zone
    assert person.identifiers == ("Passport 750000001 (Russian Federation)",)
    assert person.countries == ("RU",)
    assert ("date_of_birth", "1970-01-01") in person.extra
    assert parsed.entries[1].countries == ("KP",)


# -- China ------------------------------------------------------------------------------


def test_china_sample_statuses_ids_and_sources() -> None:
    parsed = parse_list(
        "cn-mofcom-csv", {n: _bytes(n) for n in ("china-sources.csv", "china-sample.csv")}
    )
    assert [e.entry_id for e in parsed.entries] == [
        "control_list-2025-1-1",
        "control_list-2025-22-1",
        "unreliable_entity_list-2024-1-2",
        "watch_list-2026-11-14.2",
    ]
    gd, photonics, gdls, tech = parsed.entries
    assert ("source_urls", "https://example.org/s01") in gd.extra
    assert [(c.status, c.on) for c in photonics.status_changes] == [
        (ListStatus.SUSPENDED, date(2025, 5, 14)),
        (ListStatus.REMOVED, date(2025, 8, 12)),
    ]
    assert photonics.status_on(date(2025, 4, 9)) is None  # announced, not yet effective
    assert photonics.in_force_on(date(2025, 5, 13))
    assert gdls.status_on(date(2025, 5, 14)) is ListStatus.SUSPENDED
    assert [n.text for n in tech.names] == ["TechInsights Europe Limited"]  # zh repeats en
    assert any("'S99'" in n for n in parsed.notes)


def test_china_suspended_without_a_date_is_refused() -> None:
    header = _bytes("china-sample.csv").split(b"\r\n", 1)[0]
    row = (
        "control_list,9,X Corp,X公司,US,商务部公告2025年第1号,2025-01-02,2025-01-02,suspended,,,S01"
    )
    with pytest.raises(MalformedList) as caught:
        parse_list("cn-mofcom-csv", [header + b"\r\n" + row.encode()])
    assert caught.value.where == 'line 2, column "status_changed_on"'


# -- BIS DPL ----------------------------------------------------------------------------


def test_dpl_rows_of_one_order_are_one_entry_and_expiry_is_dated() -> None:
    parsed = parse_list("bis-dpl", [_bytes("bis-dpl-sample.txt")])
    zimo, old = parsed.entries
    assert zimo.addresses == (
        "3975 N. CRAMER STREET, UNIT 204, MILWAUKEE, WI, 53211",
        "JINXIUYUAN 17-403, CHANGSHU, JIANGSU, 215500, CN",
    )
    assert old.status_on(date(2014, 1, 1)) is ListStatus.ACTIVE
    assert old.status_on(date(2015, 1, 5)) is ListStatus.REMOVED
    assert not old.in_force_on(date(2026, 1, 1))


# -- US export --------------------------------------------------------------------------


def test_us_export_sample_prefixes_identifiers_and_issuer_alias() -> None:
    parsed = parse_list("us-export-csv", [_bytes("us-export-sample.csv")])
    assert [e.entry_id for e in parsed.entries] == ["aaa111", "ccc333", "bbb222"]  # list, id
    assert _roles(parsed, "aaa111") == [
        ("Example Aerospace Corporation", NameRole.PRIMARY, None),
        ("EAC", NameRole.ALIAS, None),
        ("Example Old Aerospace", NameRole.FORMER, None),
    ]
    assert _roles(parsed, "bbb222")[1] == ("ERI", NameRole.ALIAS, None)
    cmic = next(e for e in parsed.entries if e.entry_id == "ccc333")
    assert cmic.kind is PartyKind.ORGANIZATION
    assert cmic.identifiers == ("USCC 91110000MA005UCQ5P", "Ticker 600000 CN", "ISIN CNE000000001")
    assert _roles(parsed, "ccc333")[1] == ("Example Holdings Co., Ltd.", NameRole.ALIAS, None)
    assert ("Listing Date (CMIC)", "03 Jun 2021") in cmic.extra


# -- registry ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "fmt"),
    [
        ("ofac-sdn.csv", "ofac-sdn"),
        ("ofac-alt.csv", "ofac-sdn"),
        ("ofac-add.csv", "ofac-sdn"),
        ("un-sample.xml", "un-xml"),
        ("bis-dpl-sample.txt", "bis-dpl"),
        ("us-export-sample.csv", "us-export-csv"),
        ("china-sample.csv", "cn-mofcom-csv"),
        ("china-sources.csv", "cn-mofcom-csv"),
        ("ftm-sample.ftm.json", "ftm-json"),
        ("empty.csv", None),
    ],
)
def test_detect_format_from_name_and_head(fixture: str, fmt: str | None) -> None:
    assert detect_format(fixture, _bytes(fixture)[:4096]) == fmt


def test_detect_format_is_unsure_about_other_files() -> None:
    assert detect_format("notes.txt", b"hello, world\n") is None
    assert detect_format("other.xml", b"<?xml version='1.0'?><sdnList/>") is None


def test_formats_registry_names_every_format() -> None:
    assert set(FORMATS) == {
        "ofac-sdn",
        "un-xml",
        "bis-dpl",
        "us-export-csv",
        "cn-mofcom-csv",
        "ftm-json",
    }


def test_unknown_format_and_wrong_file_sets_are_input_errors() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_list("sdn-xml", [b"x"])
    assert caught.value.code == "lists.unknown_format"
    with pytest.raises(InvalidInput, match="one file"):
        parse_list("un-xml", [_bytes("un-sample.xml"), _bytes("un-sample.xml")])
    with pytest.raises(InvalidInput, match="main sdn file"):
        parse_list(
            "ofac-sdn", {"alt.csv": _bytes("ofac-alt.csv"), "add.csv": _bytes("ofac-add.csv")}
        )
    with pytest.raises(InvalidInput):
        parse_list("bis-dpl", [])


def test_progress_reaches_the_total() -> None:
    calls: list[tuple[int, int | None]] = []
    parse_list(
        "un-xml",
        [_bytes("un-sample.xml")],
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls
    assert calls[-1][0] == calls[-1][1]
    calls.clear()
    parse_list(
        "us-export-csv",
        [_bytes("us-export-sample.csv")],
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls
    assert calls[-1][0] == calls[-1][1]
