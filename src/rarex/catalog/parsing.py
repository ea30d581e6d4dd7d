"""Read the control-list document and refuse it, with the offending path, if anything is off.

The document is law for the rest of Rarex, so parsing is strict: unknown keys are errors (a typo
like ``suspend_until`` must not silently drop a suspension), HS codes must be quoted strings (an
integer loses leading zeros), and every cited announcement must exist.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NoReturn

import yaml

from rarex.catalog.codes import is_canonical_control_code, is_canonical_hs_code
from rarex.catalog.errors import InvalidCatalogData
from rarex.catalog.model import (
    ANNOUNCEMENT_ID,
    Announcement,
    AnnouncementKind,
    ControlEntry,
    Element,
)

_TOP_KEYS = {"version", "announcements", "entries"}
_ANNOUNCEMENT_KEYS = {
    "id", "number", "kind", "title", "published_on", "effective_on", "effective_on_confirmed",
    "notes", "suspended_from", "suspended_until", "suspension_announcement",
}  # fmt: skip
_ENTRY_KEYS = {
    "code", "element", "description", "item_forms", "hs_codes", "announcement", "effective_from",
    "suspended_from", "suspended_until", "suspension_announcement", "repealed_on",
    "repeal_announcement", "code_confirmed", "extraterritorial_rule", "notes",
}  # fmt: skip
_ELEMENT_KEYS = {"symbol", "name_en", "name_zh"}
# date.fromisoformat also takes 20250404 and 2025-W14-5; the document allows one spelling only.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True, slots=True)
class CatalogDocument:
    version: str
    announcements: tuple[Announcement, ...]
    entries: tuple[ControlEntry, ...]


def parse_document(text: str) -> CatalogDocument:
    """Parse and validate; raises InvalidCatalogData whose message names the path and the value."""
    try:
        raw = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as exc:
        raise InvalidCatalogData(f"control list is not valid YAML: {exc}") from None
    top = _Node(raw, "control list")
    top.only(_TOP_KEYS)
    version = top.version("version")
    announcements = _announcements(top.items("announcements"))
    by_id = {announcement.id: announcement for announcement in announcements}
    for announcement in announcements:
        _check_suspension(
            announcement.suspended_from,
            announcement.suspended_until,
            announcement.suspension_announcement,
            by_id,
            f"announcement {announcement.id}",
        )
    entries = tuple(_entry(node, by_id) for node in top.items("entries"))
    return CatalogDocument(version=version, announcements=announcements, entries=entries)


def _announcements(nodes: list[_Node]) -> tuple[Announcement, ...]:
    seen: set[str] = set()
    result = []
    for node in nodes:
        node.only(_ANNOUNCEMENT_KEYS)
        ann_id = node.text("id")
        if ANNOUNCEMENT_ID.fullmatch(ann_id) is None:
            node.fail("id", ann_id, "is not an announcement id like MOFCOM-GACC-2025-18")
        if ann_id in seen:
            node.fail("id", ann_id, "is a duplicate announcement id")
        seen.add(ann_id)
        kind = node.text("kind")
        if kind not in {member.value for member in AnnouncementKind}:
            node.fail("kind", kind, f"is not one of {sorted(k.value for k in AnnouncementKind)}")
        published_on = node.day("published_on")
        effective_on = node.day("effective_on")
        if effective_on < published_on:
            node.fail("effective_on", effective_on, "is before published_on")
        result.append(
            Announcement(
                id=ann_id,
                number=node.text("number"),
                kind=AnnouncementKind(kind),
                title=node.text("title"),
                published_on=published_on,
                effective_on=effective_on,
                notes=node.text("notes", default=""),
                effective_on_confirmed=node.flag("effective_on_confirmed", default=True),
                suspended_from=node.optional_day("suspended_from"),
                suspended_until=node.optional_day("suspended_until"),
                suspension_announcement=node.optional_text("suspension_announcement"),
            )
        )
    return tuple(result)


def _entry(node: _Node, by_id: Mapping[str, Announcement]) -> ControlEntry:
    node.only(_ENTRY_KEYS)
    code = node.text("code")
    if not is_canonical_control_code(code) or "." not in code:
        node.fail("code", code, "is not a canonical sub-entry code like 1C902.a")
    where = f"{node.path} ({code})"
    hs_codes = tuple(node.strings("hs_codes"))
    for hs in hs_codes:
        if not is_canonical_hs_code(hs):
            node.fail("hs_codes", hs, "is not a 10-digit HS code")
    if len(set(hs_codes)) != len(hs_codes):
        node.fail("hs_codes", list(hs_codes), "lists an HS code twice")
    item_forms = tuple(node.strings("item_forms"))
    if not item_forms:
        node.fail("item_forms", [], "must name at least one item form")

    announcement = _resolve(node, "announcement", by_id)
    effective_from = node.day("effective_from")
    if effective_from < announcement.published_on:
        node.fail("effective_from", effective_from, f"is before {announcement.id} was published")
    suspended_from = node.optional_day("suspended_from")
    suspended_until = node.optional_day("suspended_until")
    suspension_id = node.optional_text("suspension_announcement")
    _check_suspension(suspended_from, suspended_until, suspension_id, by_id, where)
    repealed_on = node.optional_day("repealed_on")
    repeal = _resolve_optional(node, "repeal_announcement", by_id)
    if repeal is not None and repealed_on is None:
        node.fail("repeal_announcement", repeal.id, "is set without repealed_on")
    return ControlEntry(
        code=code,
        element=_element(node),
        description=node.text("description"),
        item_forms=item_forms,
        hs_codes=hs_codes,
        announcement=announcement,
        effective_from=effective_from,
        suspended_from=suspended_from,
        suspended_until=suspended_until,
        suspension_announcement=by_id[suspension_id] if suspension_id else None,
        repealed_on=repealed_on,
        repeal_announcement=repeal,
        code_confirmed=node.flag("code_confirmed", default=True),
        extraterritorial_rule=_resolve_optional(node, "extraterritorial_rule", by_id),
        notes=node.text("notes", default=""),
    )


def _element(node: _Node) -> Element | None:
    if node.get("element") is None:
        return None
    element = node.child("element")
    element.only(_ELEMENT_KEYS)
    symbol = element.text("symbol")
    if not (symbol[:1].isupper() and symbol.isascii() and symbol.isalpha() and len(symbol) <= 2):
        element.fail("symbol", symbol, "is not a chemical symbol")
    return Element(symbol=symbol, name_en=element.text("name_en"), name_zh=element.text("name_zh"))


def _check_suspension(
    start: date | None,
    until: date | None,
    announcement_id: str | None,
    by_id: Mapping[str, Announcement],
    where: str,
) -> None:
    """A suspension is a window plus the act that ordered it: all three or none."""
    present = [value is not None for value in (start, until, announcement_id)]
    if any(present) and not all(present):
        raise InvalidCatalogData(
            f"{where}: suspended_from, suspended_until and suspension_announcement go together "
            f"(got {start}, {until}, {announcement_id})"
        )
    if start is None or until is None or announcement_id is None:
        return
    if until < start:
        raise InvalidCatalogData(
            f"{where}: suspended_until {until} is before suspended_from {start}"
        )
    if announcement_id not in by_id:
        raise InvalidCatalogData(f"{where}: unknown suspension_announcement {announcement_id!r}")
    if start < by_id[announcement_id].published_on:
        raise InvalidCatalogData(
            f"{where}: suspended_from {start} is before {announcement_id} was published"
        )


def _resolve(node: _Node, key: str, by_id: Mapping[str, Announcement]) -> Announcement:
    ann_id = node.text(key)
    if ann_id not in by_id:
        node.fail(key, ann_id, "is not an announcement listed under announcements")
    return by_id[ann_id]


def _resolve_optional(
    node: _Node, key: str, by_id: Mapping[str, Announcement]
) -> Announcement | None:
    return None if node.get(key) is None else _resolve(node, key, by_id)


class _Node:
    """A mapping in the document with its path, so every refusal says where it happened."""

    def __init__(self, value: object, path: str) -> None:
        if not isinstance(value, dict):
            raise InvalidCatalogData(f"{path}: expected a mapping, got {_kind(value)}")
        self._data: dict[Any, Any] = value
        self.path = path

    def fail(self, key: str, value: object, problem: str) -> NoReturn:
        raise InvalidCatalogData(f"{self.path}.{key}: {value!r} {problem}")

    def only(self, allowed: set[str]) -> None:
        unknown = sorted(str(key) for key in self._data if key not in allowed)
        if unknown:
            raise InvalidCatalogData(f"{self.path}: unknown field(s) {', '.join(unknown)}")

    def get(self, key: str) -> object:
        return self._data.get(key)

    def required(self, key: str) -> object:
        if self._data.get(key) is None:
            raise InvalidCatalogData(f"{self.path}: missing field {key!r}")
        return self._data[key]

    def child(self, key: str) -> _Node:
        return _Node(self.required(key), f"{self.path}.{key}")

    def items(self, key: str) -> list[_Node]:
        value = self.required(key)
        if not isinstance(value, list):
            raise InvalidCatalogData(f"{self.path}.{key}: expected a list, got {_kind(value)}")
        return [_Node(item, f"{self.path}.{key}[{i}]") for i, item in enumerate(value)]

    def text(self, key: str, *, default: str | None = None) -> str:
        if default is not None and self._data.get(key) is None:
            return default
        value = self.required(key)
        if not isinstance(value, str) or not value.strip():
            raise InvalidCatalogData(f"{self.path}.{key}: expected text, got {value!r}")
        return value

    def optional_text(self, key: str) -> str | None:
        return None if self._data.get(key) is None else self.text(key)

    def version(self, key: str) -> str:
        value = self.required(key)
        if isinstance(value, date) and not isinstance(value, datetime):
            return value.isoformat()  # an unquoted YAML date: accept, it is what we meant
        return self.text(key)

    def flag(self, key: str, *, default: bool) -> bool:
        value = self._data.get(key, default)
        if not isinstance(value, bool):
            raise InvalidCatalogData(f"{self.path}.{key}: expected true or false, got {value!r}")
        return value

    def strings(self, key: str) -> list[str]:
        if key not in self._data:
            raise InvalidCatalogData(f"{self.path}: missing field {key!r}")
        value = self._data[key]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise InvalidCatalogData(
                f"{self.path}.{key}: expected a list of quoted strings, got {value!r}"
            )
        return list(value)

    def day(self, key: str) -> date:
        return _as_date(self.required(key), f"{self.path}.{key}")

    def optional_day(self, key: str) -> date | None:
        value = self._data.get(key)
        return None if value is None else _as_date(value, f"{self.path}.{key}")


def _as_date(value: object, path: str) -> date:
    if isinstance(value, datetime):  # a timestamp is not a legal date; refuse rather than truncate
        raise InvalidCatalogData(f"{path}: expected a date YYYY-MM-DD, got a timestamp {value!r}")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidCatalogData(f"{path}: expected a date YYYY-MM-DD, got {value!r}")


class _StrictLoader(yaml.SafeLoader):
    """A SafeLoader refusing duplicate keys, which plain YAML silently resolves to the last."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _kind(value: object) -> str:
    return "nothing" if value is None else type(value).__name__
