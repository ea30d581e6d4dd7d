"""FollowTheMoney JSON lines, as OpenSanctions publishes them (``entities.ftm.json``): one
entity per line, ``{"id", "schema", "properties": {prop: [values]}, "caption", "datasets",
"target", "first_seen", "last_seen", ...}``.

Only parties become entries: Person, Company, Organization, PublicBody, LegalEntity, Vessel,
Airplane. Other schemas (Address, Sanction, Ownership, …) and entities marked
``"target": false`` (relatives, owners named only for context) are skipped and counted in the
notes: a screening hit must be on a listed party. ``first_seen``/``last_seen``/
``last_change`` are left out on purpose: they move with every crawl and would change every
content hash daily.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from rarex.screening.errors import MalformedList
from rarex.screening.records import ListEntry, NameRole, PartyKind
from rarex.screening.sources._common import (
    PROGRESS_EVERY,
    NameList,
    Notes,
    ParsedList,
    Progress,
    build_result,
    clean,
    decode,
    guess_lang,
    parse_iso_date,
    unique,
    where,
)
from rarex.screening.sources._countries import country_code

FORMAT = "ftm-json"
_KINDS = {
    "Person": PartyKind.PERSON,
    "Company": PartyKind.ORGANIZATION,
    "Organization": PartyKind.ORGANIZATION,
    "PublicBody": PartyKind.ORGANIZATION,
    "LegalEntity": PartyKind.UNKNOWN,  # FtM's "person or company"
    "Vessel": PartyKind.VESSEL,
    "Airplane": PartyKind.AIRCRAFT,
}
_NAME_ROLES = (
    ("alias", NameRole.ALIAS),
    ("abbreviation", NameRole.ALIAS),
    ("weakAlias", NameRole.WEAK_ALIAS),
    ("previousName", NameRole.FORMER),
)
_COUNTRY_PROPS = ("country", "nationality", "citizenship", "jurisdiction", "mainCountry", "flag")
_ID_PROPS = (
    ("registrationNumber", "Registration"),
    ("uscCode", "USCC"),
    ("innCode", "INN"),
    ("ogrnCode", "OGRN"),
    ("leiCode", "LEI"),
    ("taxNumber", "Tax"),
    ("idNumber", "ID"),
    ("passportNumber", "Passport"),
    ("swiftBic", "BIC"),
    ("imoNumber", "IMO"),
    ("mmsi", "MMSI"),
    ("callSign", "Call Sign"),
    ("isin", "ISIN"),
)


def parse_ftm(
    data: bytes, *, dataset: str | None = None, progress: Progress | None = None
) -> ParsedList:
    """The party entities of a FtM JSON-lines file (UTF-8). The source slug is
    ``ftm-<dataset>``: ``dataset`` when given, else the first dataset the file names; an
    entry's list is its first dataset (else the file's)."""
    notes = Notes()
    text, encoding = decode(data)
    lines = text.split("\n")
    entities: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        entity = _load(raw, number)
        if entity["id"] in seen:
            raise MalformedList(
                f"entity {entity['id']} repeats line {seen[entity['id']]}",
                where=where(number, "id"),
                code="lists.duplicate_entry",
            )
        seen[entity["id"]] = number
        entities.append((number, entity))
        if progress is not None and len(entities) % PROGRESS_EVERY == 0:
            progress(number, len(lines))
    if progress is not None:
        progress(len(lines), len(lines))
    file_dataset = dataset or next(
        (e["datasets"][0] for _, e in entities if e.get("datasets")), "unknown"
    )
    if not entities:
        raise MalformedList("no entities", where=where(1))
    slug = re.sub(r"[^a-z0-9_-]+", "-", file_dataset.lower()).strip("-") or "unknown"
    source = f"ftm-{slug}"
    skipped: Counter[str] = Counter()
    entries: list[ListEntry] = []
    for number, entity in entities:
        if entity["schema"] not in _KINDS:
            skipped[f"schema {entity['schema']}"] += 1
        elif entity.get("target") is False:
            skipped["not a target"] += 1
        else:
            entries.append(_entry(entity, number, source, file_dataset, notes))
    for reason, count in sorted(skipped.items()):
        notes.plain(f"skipped {count} entities ({reason})")
    if not entries:
        # An import of no parties would empty the list; far likelier the wrong file.
        raise MalformedList(
            f"no party entities ({', '.join(_KINDS)}) among {len(entities)}", where=where(1)
        )
    return build_result(source=source, fmt=FORMAT, entries=entries, notes=notes, encoding=encoding)


def _load(raw: str, number: int) -> dict[str, Any]:
    """One line as an entity, its shape checked: a parser that trusted it would fail later
    with a KeyError far from the line at fault."""
    try:
        entity = json.loads(raw)
    except (json.JSONDecodeError, RecursionError) as exc:
        detail = f"{exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise MalformedList(
            f"not JSON: {detail or 'nested too deeply'}", where=where(number), code="lists.bad_json"
        ) from None
    if not isinstance(entity, dict):
        raise MalformedList("the line is not a JSON object", where=where(number))
    for key in ("id", "schema"):
        if not isinstance(entity.get(key), str) or not entity[key].strip():
            raise MalformedList(f"{key} is missing or not a string", where=where(number, key))
    properties = entity.get("properties")
    if not isinstance(properties, dict):
        raise MalformedList(
            "properties is missing or not an object", where=where(number, "properties")
        )
    for prop, values in properties.items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise MalformedList(
                "is not a list of strings", where=where(number, f"properties.{prop}")
            )
    datasets = entity.get("datasets", [])
    if not isinstance(datasets, list) or not all(isinstance(d, str) for d in datasets):
        raise MalformedList("is not a list of strings", where=where(number, "datasets"))
    if not isinstance(entity.get("caption", ""), str):
        raise MalformedList("is not a string", where=where(number, "caption"))
    return entity


def _entry(
    entity: dict[str, Any], number: int, source: str, dataset: str, notes: Notes
) -> ListEntry:
    props: dict[str, list[str]] = entity["properties"]
    names = NameList()
    cells = {clean(v): v for v in reversed(props.get("name", []))}  # the first cell wins
    values = [clean(v) for v in props.get("name", [])]
    caption = clean(entity.get("caption"))
    primary = caption if caption in values else next((v for v in values if v), caption)
    if not primary:
        raise MalformedList("the entity has no name", where=where(number, "properties.name"))
    raw_primary = cells.get(primary, entity.get("caption"))
    names.add(primary, NameRole.PRIMARY, guess_lang(primary), raw=raw_primary)
    for value in values:
        names.add(value, NameRole.ALIAS, guess_lang(value), raw=cells.get(value))
    for prop, role in _NAME_ROLES:
        for value in props.get(prop, []):
            names.add(value, role, guess_lang(value))
    countries = [
        country_code(value, where(number, f"properties.{prop}"), notes) or ""
        for prop in _COUNTRY_PROPS
        for value in props.get(prop, [])
    ]
    identifiers = [
        f"{label} {clean(value)}"
        for prop, label in _ID_PROPS
        for value in props.get(prop, [])
        if clean(value)
    ]
    listed = None
    for value in props.get("createdAt", [])[:1]:
        if re.match(r"\d{4}-\d{2}-\d{2}", value):
            listed = parse_iso_date(value[:10], where(number, "properties.createdAt"), notes)
    datasets: list[str] = entity.get("datasets", [])
    extra = [("schema", entity["schema"])]
    if props.get("topics"):
        extra.append(("topics", ";".join(props["topics"])))
    if datasets:
        extra.append(("datasets", ";".join(datasets)))
    notes_text = "\n".join(clean(v) for v in props.get("notes", []) if clean(v))
    return ListEntry(
        source=source,
        entry_id=entity["id"].strip(),
        list_name=datasets[0] if datasets else dataset,
        kind=_KINDS[entity["schema"]],
        names=names.result(),
        countries=unique(countries),
        addresses=unique(clean(v) for v in props.get("address", [])),
        identifiers=unique(identifiers),
        programs=unique(clean(v) for v in props.get("program", []) + props.get("programId", [])),
        listed_on=listed,
        remarks=notes_text or None,
        extra=tuple(extra),
    )
