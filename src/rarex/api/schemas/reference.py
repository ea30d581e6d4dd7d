"""Answers of the reference routes: the control list and the official calendar."""

from __future__ import annotations

from pydantic import Field

from rarex.api.schemas import DateText, Out


class ElementRead(Out):
    symbol: str
    name_en: str
    name_zh: str


class AnnouncementRef(Out):
    id: str
    number: str
    citation: str


class EntryCheckRead(Out):
    code: str
    element: ElementRead | None
    description: str
    hs_codes: list[str] = Field(default_factory=list)
    status: str
    in_force: bool
    reason: str
    effective_from: DateText
    announcement: AnnouncementRef
    suspension_announcement: AnnouncementRef | None
    code_confirmed: bool
    extraterritorial_rule: AnnouncementRef | None


class ControlCheckRead(Out):
    query: str
    query_kind: str
    on: DateText
    controlled: bool
    catalog_version: str
    matches: list[EntryCheckRead]


class CatalogSearchRead(Out):
    query: str
    on: DateText
    catalog_version: str
    matches: list[EntryCheckRead]


class DeadlineRead(Out):
    accepted_on: DateText
    working_days: int
    due_date: DateText
    provisional: bool
