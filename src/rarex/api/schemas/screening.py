"""Answers of the screening routes: searches, watch lists, and the hits of a case."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from rarex.api.schemas import DateText, Out, TimeText


class PenaltyRead(Out):
    reason: str
    amount: float


class FieldCheckRead(Out):
    field: str
    agrees: bool | None = Field(description="None: the entry says nothing to compare with")
    amount: float = Field(description="Added to the score; negative when it disagrees")
    detail: str


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
    checks: list[FieldCheckRead]


class StatusChangeRead(Out):
    status: str
    on: DateText
    announcement: str | None


class ListedName(Out):
    text: str
    role: str
    lang: str | None = Field(description="ISO 639-1 where the list or the script says it")
    raw: str | None = Field(description="The list's cell as written, where it was cleaned")


class SearchHit(Out):
    entity_id: str
    name: str
    kind: str
    score: float
    explanation: ExplanationRead
    source: str
    list_name: str = Field(alias="list", serialization_alias="list")
    names: list[ListedName] = Field(description="Every name of the entry, in every script")
    addresses: list[str]
    identifiers: list[str]
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
    shown: int = Field(description="How many hits are given (at most the limit)")
    total: int = Field(description="How many entries scored at least the threshold")


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
    published_at: TimeText | None = Field(
        description="When the publisher made the file, where the file says so (UN XML)"
    )
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


class ListedRead(Out):
    entity_id: str
    name: str


class DifferenceEntries(Out):
    added: list[ListedRead]
    changed: list[ListedRead]
    removed: list[ListedRead]


class DifferenceCounts(Out):
    active_version: str | None = Field(description="The version compared with; null if none")
    before: int = Field(description="Entries of the active version")
    after: int = Field(description="Entries of the imported version")
    added: int
    changed: int
    removed: int
    removed_share: float = Field(description="removed / before (0 when nothing was active)")


class ListDifference(DifferenceCounts):
    entries: DifferenceEntries = Field(description="Every entry added, changed and removed")


class ShrinkConfirmationRead(Out):
    actor: str
    reason: str
    removed: int
    before: int
    removed_share: float
    limit: float


class ListImported(Out):
    source: str
    format: str
    version: str | None = Field(description="null for a dry run of a new version")
    unchanged: bool
    dry_run: bool
    published_at: TimeText | None
    entities: int
    names: int
    counts: dict[str, ListCount]
    added: int
    changed: int
    removed: int
    difference: ListDifference
    shrink_confirmation: ShrinkConfirmationRead | None
    notes: list[str]
    rescreened: Rescreening | None = Field(description="null for a dry run, which screens nothing")


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
