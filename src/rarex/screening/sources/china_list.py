"""China's MOFCOM lists as CSV: the export-control control list, the watch list and the
unreliable entity list in one file (``list,entry_no,name_en,name_zh,country,announcement,
announced_on,effective_on,status,status_changed_on,status_announcement,source``).

One entry per row; the same company on two lists is two entries, each screened on its own
list. ``entry_no`` restarts with every announcement (control list No. 1 exists eleven times),
so the entry id is ``<list>-<year>-<number>-<entry_no>`` from the announcement
(``control_list-2025-1-1`` for 商务部公告2025年第1号, item 1), unique and stable.

Statuses are dated: the row's status holds from ``status_changed_on``. Where the change note
says the measures were first suspended and later stopped ("Measures suspended 90 days from
2025-05-14 …; measures stopped … from 2025-08-12"), the earlier suspension is kept as its own
change, so screening on a date in between sees the entry suspended, not in force.
"""

from __future__ import annotations

import re
from datetime import date

from rarex.screening.errors import MalformedList
from rarex.screening.records import ListEntry, ListStatus, NameRole, PartyKind, StatusChange
from rarex.screening.sources._common import (
    NameList,
    Notes,
    ParsedList,
    Progress,
    build_result,
    check_width,
    clean,
    csv_records,
    decode,
    guess_lang,
    parse_iso_date,
    read_header,
    where,
)
from rarex.screening.sources._countries import country_code

SOURCE = "cn-mofcom"
FORMAT = "cn-mofcom-csv"
LISTS = ("control_list", "watch_list", "unreliable_entity_list")
COLUMNS = (
    "list", "entry_no", "name_en", "name_zh", "country", "announcement", "announced_on",
    "effective_on", "status", "status_changed_on", "status_announcement", "source",
)  # fmt: skip
SOURCE_COLUMNS = ("id", "title", "url")
_NUMBER = re.compile(r"(\d{4})\D{1,3}?(\d+)\s*号")  # 2025年第1号, and 10号 of the 2025 UEL series
_SUSPENDED_FROM = re.compile(r"suspended\b[^;]*?\bfrom (\d{4}-\d{2}-\d{2})", re.IGNORECASE)


def parse_china_list(
    data: bytes, *, sources: bytes | None = None, progress: Progress | None = None
) -> ParsedList:
    """Every row of the MOFCOM lists file (UTF-8). With the sources file, each entry's extra
    carries the URLs of the texts it was collected from."""
    notes = Notes()
    urls = _read_sources(sources) if sources is not None else None
    text, encoding = decode(data)
    records = csv_records(text, progress=progress)
    header_line, index, width = read_header(records, COLUMNS)
    entries: list[ListEntry] = []
    seen: dict[str, int] = {}
    for line, fields in records:
        check_width(fields, width, line)
        row = {name: clean(fields[index[name]]) for name in COLUMNS}
        raw_names = (fields[index["name_en"]], fields[index["name_zh"]])
        entry = _entry(row, raw_names, line, notes, urls)
        if entry.entry_id in seen:
            raise MalformedList(
                f"{entry.entry_id} repeats line {seen[entry.entry_id]}",
                where=where(line, "entry_no"),
                code="lists.duplicate_entry",
            )
        seen[entry.entry_id] = line
        entries.append(entry)
    if not entries:
        raise MalformedList("no rows after the header", where=where(header_line + 1))
    return build_result(source=SOURCE, fmt=FORMAT, entries=entries, notes=notes, encoding=encoding)


def _read_sources(data: bytes) -> dict[str, str]:
    text, _ = decode(data, label="sources file")
    records = csv_records(text, label="sources file")
    _, index, width = read_header(records, SOURCE_COLUMNS, label="sources file")
    urls: dict[str, str] = {}
    for line, fields in records:
        check_width(fields, width, line, label="sources file")
        key = clean(fields[index["id"]])
        if not key:
            raise MalformedList("id is empty", where=where(line, "id", label="sources file"))
        urls[key] = clean(fields[index["url"]])
    return urls


def _entry(
    row: dict[str, str],
    raw_names: tuple[str, str],
    line: int,
    notes: Notes,
    urls: dict[str, str] | None,
) -> ListEntry:
    for required in ("list", "entry_no", "announcement"):
        if not row[required]:
            raise MalformedList(f"{required} is empty", where=where(line, required))
    if row["list"] not in LISTS:
        notes.add(f"list {row['list']!r} is none of {', '.join(LISTS)}", where(line, "list"))
    names = NameList()
    if row["name_en"]:
        names.add(raw_names[0], NameRole.PRIMARY, "en")
    if row["name_zh"]:
        lang = guess_lang(row["name_zh"])
        names.add(raw_names[1], NameRole.ALIAS if names else NameRole.PRIMARY, lang)
    if not names:
        raise MalformedList("both names are empty", where=where(line, "name_en"))
    number = _NUMBER.search(row["announcement"])
    tag = f"{number[1]}-{int(number[2])}" if number else re.sub(r"\s+", "", row["announcement"])
    country = country_code(row["country"], where(line, "country"), notes)
    extra: list[tuple[str, str]] = []
    if row["source"]:
        extra.append(("sources", row["source"]))
        if urls is not None:
            keys = [k.strip() for k in row["source"].split(";") if k.strip()]
            for key in keys:
                if key not in urls:
                    notes.add(f"source {key!r} is not in the sources file", where(line, "source"))
            found = [urls[k] for k in keys if urls.get(k)]
            if found:
                extra.append(("source_urls", " ".join(found)))
    return ListEntry(
        source=SOURCE,
        entry_id=f"{row['list']}-{tag}-{row['entry_no']}",
        list_name=row["list"],
        kind=PartyKind.ORGANIZATION,
        names=names.result(),
        countries=(country,) if country else (),
        announcement=row["announcement"],
        listed_on=parse_iso_date(row["announced_on"], where(line, "announced_on"), notes),
        effective_on=parse_iso_date(row["effective_on"], where(line, "effective_on"), notes),
        status_changes=_status_changes(row, line, notes),
        extra=tuple(extra),
    )


def _status_changes(row: dict[str, str], line: int, notes: Notes) -> tuple[StatusChange, ...]:
    text = row["status"].lower() or "active"
    try:
        status = ListStatus(text)
    except ValueError:
        raise MalformedList(
            f"status {row['status']!r} is none of active, suspended, removed",
            where=where(line, "status"),
        ) from None
    changed = parse_iso_date(row["status_changed_on"], where(line, "status_changed_on"), notes)
    if changed is None:
        if status is not ListStatus.ACTIVE:
            raise MalformedList(
                f"status {status} without status_changed_on", where=where(line, "status_changed_on")
            )
        return ()
    note = row["status_announcement"] or None
    changes: list[StatusChange] = []
    if status is ListStatus.REMOVED and note:
        earlier = [d for d in map(_iso, _SUSPENDED_FROM.findall(note)) if d is not None]
        first = min((d for d in earlier if d < changed), default=None)
        if first is not None:
            changes.append(StatusChange(ListStatus.SUSPENDED, first, note))
    changes.append(StatusChange(status, changed, note))
    return tuple(changes)


def _iso(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
