"""Answers of the reference routes: the control list and the official calendar."""

from __future__ import annotations

from typing import Literal

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


class CalendarYearRead(Out):
    year: int
    status: Literal["package", "loaded", "provisional"] = Field(
        description="package: published data shipped in Rarex; loaded: a schedule an "
        "administrator loaded; provisional: the Monday-Friday rule, no schedule yet"
    )
    official: bool
    source: str
    working_days: int
    holidays: int = Field(description="Days off the published schedule lists")
    makeup_days: int = Field(description="Weekend days the published schedule makes working")
