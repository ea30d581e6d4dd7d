"""parse_control_list refuses malformed documents with a message that says where and what."""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

import pytest
import yaml

from rarex.catalog import EntryStatus, parse_control_list
from rarex.catalog.errors import InvalidCatalogData

BASE: dict[str, Any] = {
    "version": "2099-01-01",
    "announcements": [
        {
            "id": "TEST-2099-1",
            "number": "测试公告2099年第1号",
            "kind": "list",
            "title": "Lists the test item",
            "published_on": "2099-01-01",
            "effective_on": "2099-02-01",
        },
        {
            "id": "TEST-2099-2",
            "number": "测试公告2099年第2号",
            "kind": "suspension",
            "title": "Suspends the test item",
            "published_on": "2099-01-15",
            "effective_on": "2099-01-15",
        },
    ],
    "entries": [
        {
            "code": "1C999.a",
            "element": {"symbol": "Xx", "name_en": "testium", "name_zh": "测"},
            "description": "Test metal",
            "item_forms": ["metal"],
            "hs_codes": ["2805301910"],
            "announcement": "TEST-2099-1",
            "effective_from": "2099-02-01",
            "suspended_from": "2099-01-15",
            "suspended_until": "2099-03-31",
            "suspension_announcement": "TEST-2099-2",
        },
        {
            "code": "1C999.b",
            "description": "Test oxide",
            "item_forms": ["oxide"],
            "hs_codes": ["2846901993"],
            "announcement": "TEST-2099-1",
            "effective_from": "2099-02-01",
            "repealed_on": "2099-06-01",
        },
    ],
}


def _doc(mutate: Any = None) -> str:
    document = copy.deepcopy(BASE)
    if mutate is not None:
        mutate(document)
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def _refused(mutate: Any) -> str:
    with pytest.raises(InvalidCatalogData) as raised:
        parse_control_list(_doc(mutate))
    assert raised.value.code == "catalog.invalid_data"
    return raised.value.message


def test_a_valid_document_parses_and_answers() -> None:
    catalog = parse_control_list(_doc())

    assert catalog.version == "2099-01-01"
    entry = catalog.get("1C999.a")
    assert entry.status_on(date(2099, 2, 1)) is EntryStatus.SUSPENDED
    assert entry.status_on(date(2099, 4, 1)) is EntryStatus.IN_FORCE
    assert entry.announcement.citation == "Announcement 2099 No. 1"
    oxide = catalog.get("1C999.b")
    assert oxide.status_on(date(2099, 5, 31)) is EntryStatus.IN_FORCE
    assert oxide.status_on(date(2099, 6, 1)) is EntryStatus.REPEALED
    assert "repealed on 2099-06-01" in oxide.reason_on(date(2099, 6, 1))


def _set(path: list[Any], value: Any) -> Any:
    def mutate(document: dict[str, Any]) -> None:
        target: Any = document
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return mutate


def _drop(path: list[Any]) -> Any:
    def mutate(document: dict[str, Any]) -> None:
        target: Any = document
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return mutate


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_drop(["version"]), "missing field 'version'"),
        (_drop(["entries", 0, "effective_from"]), "entries[0]: missing field 'effective_from'"),
        (_drop(["entries", 0, "hs_codes"]), "missing field 'hs_codes'"),
        (_drop(["announcements", 0, "number"]), "missing field 'number'"),
        (_set(["entries", 0, "effective_from"], "2099-02-30"), "'2099-02-30'"),
        (_set(["entries", 0, "effective_from"], "01/02/2099"), "'01/02/2099'"),
        (_set(["entries", 0, "effective_from"], "20990201"), "'20990201'"),
        (_set(["entries", 0, "announcement"], "TEST-2099-9"), "'TEST-2099-9'"),
        (_set(["entries", 0, "suspension_announcement"], "TEST-2099-9"), "'TEST-2099-9'"),
        (_set(["entries", 1, "code"], "1C999.a"), "duplicate control code '1C999.a'"),
        (_set(["entries", 1, "code"], "1c999.B"), "'1c999.B'"),
        (_set(["entries", 1, "code"], "1C999"), "'1C999'"),
        (_set(["entries", 0, "hs_codes"], ["28053019"]), "'28053019'"),
        (_set(["entries", 0, "hs_codes"], [2805301910]), "quoted strings"),
        (_set(["entries", 0, "hs_codes"], ["2805301910", "2805301910"]), "twice"),
        (_set(["entries", 0, "item_forms"], []), "item_forms"),
        (_set(["entries", 0, "suspend_until"], "2099-03-31"), "unknown field(s) suspend_until"),
        (_drop(["entries", 0, "suspended_until"]), "go together"),
        (_set(["entries", 0, "suspended_until"], "2099-01-01"), "before suspended_from"),
        (_set(["entries", 0, "suspended_from"], "2099-01-10"), "before TEST-2099-2 was published"),
        (_set(["entries", 0, "effective_from"], "2098-12-31"), "before TEST-2099-1 was published"),
        (_set(["entries", 0, "code_confirmed"], "no"), "expected true or false"),
        (_set(["entries", 0, "element"], {"symbol": "xx", "name_en": "a", "name_zh": "b"}), "'xx'"),
        (_set(["announcements", 1, "id"], "TEST-2099-1"), "duplicate announcement id"),
        (_set(["announcements", 0, "id"], "test 1"), "'test 1'"),
        (_set(["announcements", 0, "kind"], "law"), "'law'"),
        (_set(["announcements", 0, "effective_on"], "2098-01-01"), "before published_on"),
        (_set(["entries"], {"code": "1C999.a"}), "expected a list"),
        (_set(["entries", 0], "1C999.a"), "expected a mapping"),
    ],
)
def test_malformed_document_is_refused_with_a_precise_message(mutate: Any, expected: str) -> None:
    assert expected in _refused(mutate)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "expected a mapping"),
        ("- just\n- a list\n", "expected a mapping"),
        ("version: [unclosed\n", "not valid YAML"),
        ("version: '1'\nversion: '2'\nannouncements: []\nentries: []\n", "duplicate key 'version'"),
    ],
)
def test_unparseable_text_is_refused(text: str, expected: str) -> None:
    with pytest.raises(InvalidCatalogData, match=expected):
        parse_control_list(text)


def test_a_timestamp_is_not_accepted_as_a_legal_date() -> None:
    text = _doc().replace("effective_from: '2099-02-01'", "effective_from: 2099-02-01 10:00:00", 1)

    with pytest.raises(InvalidCatalogData, match="timestamp"):
        parse_control_list(text)


def test_unquoted_yaml_dates_are_accepted() -> None:
    text = re.sub(r"'([0-9]{4}-[0-9]{2}-[0-9]{2})'", r"\1", _doc())
    assert "effective_from: 2099-02-01\n" in text

    catalog = parse_control_list(text)
    assert catalog.version == "2099-01-01"
    assert catalog.get("1C999.b").effective_from == date(2099, 2, 1)
