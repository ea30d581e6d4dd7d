"""Malformed list files are refused with MalformedList naming the line, column or element
at fault; nothing half-parsed comes back."""

from __future__ import annotations

from pathlib import Path

import pytest

from rarex.screening.errors import MalformedList
from rarex.screening.sources import parse_list, parse_ofac_sdn

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _refusal(fmt: str, *names: str) -> MalformedList:
    with pytest.raises(MalformedList) as caught:
        parse_list(fmt, {n: (FIXTURES / n).read_bytes() for n in names})
    return caught.value


@pytest.mark.parametrize(
    ("fmt", "fixture", "where", "code"),
    [
        # truncated XML: expat stops at the end of the data, line 43
        ("un-xml", "un-truncated.xml", "line 43, column 25 (byte 1500)", "lists.bad_xml"),
        ("un-xml", "un-no-name.xml", "line 43, element ENTITY[1]/FIRST_NAME", "lists.malformed"),
        # a cp1252 byte inside a UTF-8 XML file
        ("un-xml", "un-bad-encoding.xml", "line 23, column 25 (byte 859)", "lists.bad_xml"),
        ("us-export-csv", "us-export-wrong-columns.csv", "line 1", "lists.bad_header"),
        ("us-export-csv", "us-export-wrong-width.csv", "line 3", "lists.bad_row"),
        ("us-export-csv", "us-export-no-name.csv", 'line 3, column "name"', "lists.malformed"),
        ("us-export-csv", "us-export-bad-encoding.csv", "line 3 (byte 274)", "lists.bad_encoding"),
        ("ftm-json", "ftm-not-json.ftm.json", "line 3", "lists.bad_json"),
        ("ftm-json", "ftm-not-object.ftm.json", "line 2", "lists.malformed"),
        ("ftm-json", "ftm-no-schema.ftm.json", 'line 3, column "schema"', "lists.malformed"),
        ("ofac-sdn", "ofac-sdn-wrong-width.csv", "sdn file, line 2", "lists.bad_row"),
        # UTF-8 on line 1, then a cp1252 byte: damage, not a legacy code page
        (
            "ofac-sdn",
            "ofac-sdn-bad-encoding.csv",
            "sdn file, line 3 (byte 162)",
            "lists.bad_encoding",
        ),
        ("cn-mofcom-csv", "china-bad-status.csv", 'line 3, column "status"', "lists.malformed"),
        (
            "cn-mofcom-csv",
            "china-duplicate.csv",
            'line 4, column "entry_no"',
            "lists.duplicate_entry",
        ),
        # an unterminated quote runs to the end of the file: refused, not swallowed
        ("cn-mofcom-csv", "china-bad-quote.csv", "line 3", "lists.malformed"),
        # GBK is not a legitimate encoding of this UTF-8 format
        ("cn-mofcom-csv", "china-gbk.csv", "line 2 (byte 164)", "lists.bad_encoding"),
        ("bis-dpl", "bis-dpl-bad-date.txt", 'line 3, column "Effective_Date"', "lists.bad_date"),
        ("bis-dpl", "bis-dpl-comma-separated.txt", "line 1", "lists.malformed"),
    ],
)
def test_malformed_fixture_is_refused_at_its_line(
    fmt: str, fixture: str, where: str, code: str
) -> None:
    error = _refusal(fmt, fixture)
    assert error.where == where
    assert error.code == code
    assert str(error).startswith(where)
    assert error.to_dict()["details"]["where"] == where


@pytest.mark.parametrize(
    "fmt", ["ofac-sdn", "un-xml", "bis-dpl", "us-export-csv", "cn-mofcom-csv", "ftm-json"]
)
def test_empty_file_is_refused_in_every_format(fmt: str) -> None:
    error = _refusal(fmt, "empty.csv")
    assert error.where.endswith("line 1")
    assert "empty" in error.message


@pytest.mark.parametrize(
    "body",
    [b"\xef\xbb\xbf", b"\r\n\r\n", b"\x1a", b"   \n"],
    ids=["bom-only", "blank-lines", "dos-eof-only", "spaces"],
)
def test_file_with_nothing_but_filler_counts_as_empty(body: bytes) -> None:
    with pytest.raises(MalformedList, match="empty"):
        parse_list("us-export-csv", [body])


def test_header_only_file_is_refused_on_the_line_after_the_header() -> None:
    header = b"list,list_entry_id,name,entity_type,address,country,identifiers,date_added\r\n"
    with pytest.raises(MalformedList) as caught:
        parse_list("us-export-csv", [header])
    assert caught.value.where == "line 2"


def test_ofac_alias_of_an_unknown_entity_is_refused_in_the_alt_file() -> None:
    with pytest.raises(MalformedList) as caught:
        parse_ofac_sdn(
            (FIXTURES / "ofac-sdn.csv").read_bytes(),
            alt=(FIXTURES / "ofac-alt-orphan.csv").read_bytes(),
        )
    assert caught.value.where == 'alt file, line 2, column "ent_num"'


def test_ofac_duplicate_entity_number_is_refused() -> None:
    row = b'36,"A",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    with pytest.raises(MalformedList) as caught:
        parse_ofac_sdn(row + row)
    assert caught.value.where == 'sdn file, line 2, column "ent_num"'
    assert caught.value.code == "lists.duplicate_entry"


def test_us_export_id_on_two_lists_is_refused() -> None:
    text = (
        "list,list_entry_id,name,entity_type,address,country,identifiers,date_added\n"
        "Entity List,x1,Alpha,,,,,\n"
        "Unverified List,x1,Alpha,,,,,\n"
    )
    with pytest.raises(MalformedList) as caught:
        parse_list("us-export-csv", [text.encode()])
    assert caught.value.where == 'line 3, column "list"'


def test_un_xml_with_entity_declarations_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?>\n<!DOCTYPE CONSOLIDATED_LIST [\n<!ENTITY a "aaaaaaaaaa">\n'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n'
        b"<CONSOLIDATED_LIST>&b;</CONSOLIDATED_LIST>\n"
    )
    with pytest.raises(MalformedList, match="entity declarations") as caught:
        parse_list("un-xml", [bomb])
    assert caught.value.where == "line 3"


def test_un_xml_with_another_root_is_refused() -> None:
    with pytest.raises(MalformedList) as caught:
        parse_list("un-xml", [b"<?xml version='1.0'?>\n<sdnList><x/></sdnList>\n"])
    assert caught.value.where == "line 2, element sdnList"


def test_ftm_line_without_properties_or_with_non_list_values_is_refused() -> None:
    lines = [
        b'{"id": "a", "schema": "Person", "properties": {"name": ["A"]}}',
        b'{"id": "b", "schema": "Person", "properties": {"name": "B"}}',
    ]
    with pytest.raises(MalformedList) as caught:
        parse_list("ftm-json", [b"\n".join(lines)])
    assert caught.value.where == 'line 2, column "properties.name"'
    with pytest.raises(MalformedList) as caught:
        parse_list("ftm-json", [b'{"id": "c", "schema": "Person"}\n'])
    assert caught.value.where == 'line 1, column "properties"'


def test_ftm_duplicate_id_is_refused_with_both_lines() -> None:
    line = b'{"id": "a", "schema": "Person", "properties": {"name": ["A"]}}\n'
    with pytest.raises(MalformedList, match="repeats line 1") as caught:
        parse_list("ftm-json", [line + b"\n" + line])
    assert caught.value.where == 'line 3, column "id"'
