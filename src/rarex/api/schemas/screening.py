"""Answers of the screening routes: searches, watch lists, and the hits of a case."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from rarex.api.schemas import DateText, Out, TimeText


class PenaltyRead(Out):
    reason: str
    amount: float


class ExplanationRead(Out):
    query: str
    query_form: str
    list_name: str
    list_name_role: str
    list_form: str
    compared_as: str
    name_similarity: float
    agreed: list[list[str]]
    missing: list[str]
    unmatched: list[str]
    query_steps: list[str]
    list_steps: list[str]
    penalties: list[PenaltyRead]


class StatusChangeRead(Out):
    status: str
    on: DateText
    announcement: str | None


class SearchHit(Out):
    entity_id: str
    name: str
    kind: str
    score: float
    explanation: ExplanationRead
    source: str
    list_name: str = Field(alias="list", serialization_alias="list")
    countries: list[str]
    programs: list[str]
    announcement: str | None
    listed_on: DateText | None
    effective_on: DateText | None
    status_on_date: str
    in_force: bool
    on: DateText
    status_changes: list[StatusChangeRead]
    explanation_text: str


class SearchAnswer(Out):
    query: str
    hits: list[SearchHit]


class BatchSearchAnswer(Out):
    results: list[SearchAnswer]


class ListCount(Out):
    entities: int
    names: int


class ListStatus(Out):
    source: str
    format: str
    version: str
    active: bool
    content_hash: str
    files: list[str]
    retrieved_at: TimeText
    imported_at: TimeText
    imported_by: str
    entities: int
    names: int
    counts: dict[str, ListCount]
    added: int
    changed: int
    removed: int


class Rescreening(Out):
    entries: int
    cases: int
    hits: int


class ListImported(Out):
    source: str
    format: str
    version: str
    unchanged: bool
    entities: int
    names: int
    counts: dict[str, ListCount]
    added: int
    changed: int
    removed: int
    notes: list[str]
    rescreened: Rescreening


class CaseHit(Out):
    id: str
    application_id: str
    party_role: str
    party_name: str
    party_country: str | None
    entity_id: str
    list_name: str = Field(alias="list", serialization_alias="list")
    listed_name: str
    announcement: str | None
    in_force: bool
    screened_on: DateText
    score: float
    trigger: str
    status: str
    reason: str
    resolved_at: TimeText | None
    explanation: dict[str, Any]
