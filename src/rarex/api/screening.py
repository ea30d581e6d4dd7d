"""HTTP routes of the screening room: name search (single and batch), watch lists, and the
hits officers resolve on applications."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Path, UploadFile
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile as StarletteUpload

from rarex.api.deps import ActorDep, ClockDep, SessionDep, SettingsDep
from rarex.api.idempotency import IdempotentRoute
from rarex.api.schemas.screening import (
    BatchSearchAnswer,
    CaseHit,
    ListImported,
    ListStatus,
    SearchAnswer,
)
from rarex.api.uploads import file_name
from rarex.auth.roles import require_role
from rarex.errors import InvalidInput, PayloadTooLarge
from rarex.inputs import Code, Label, Reason, Reference
from rarex.licensing import screening as case_screening
from rarex.licensing import views
from rarex.screening import lists as watch_lists
from rarex.screening import search as screening_search

router = APIRouter(route_class=IdempotentRoute, tags=["screening"])
Key = Annotated[Reference, Path(description="An application's id or reference")]


def read_list_files(files: Sequence[StarletteUpload], limit: int) -> tuple[list[bytes], list[str]]:
    """The contents and names of a list's uploaded files, at most ``limit`` bytes in all
    (``PayloadTooLarge``; the settings' import limit), at least one file: the API's import and
    the administration page's read them alike."""
    names = [file_name(u, field=f"files[{i}]", default="upload") for i, u in enumerate(files)]
    contents: list[bytes] = []
    total = 0
    for upload in files:
        data = upload.file.read(limit + 1)
        total += len(data)
        if total > limit:
            raise PayloadTooLarge(f"lists larger than {limit} bytes", limit=limit)
        contents.append(data)
    if not contents:
        raise InvalidInput("send at least one file", code="lists.bad_files")
    return contents, names


class SearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=screening_search.MAX_QUERY)
    kind: Code | None = None
    country: Code | None = None
    on: date | None = None
    limit: int = 10
    threshold: float | None = Field(
        default=None, description="This call's threshold, within 0.6-1.0; default configured"
    )
    # query by example: each field given moves a hit's score as it agrees or disagrees
    identifiers: list[Annotated[str, Field(max_length=screening_search.MAX_EXAMPLE_FIELD)]] = Field(
        default=[], max_length=20
    )
    address: str | None = Field(default=None, max_length=screening_search.MAX_EXAMPLE_FIELD)
    date_of_birth: str | None = Field(default=None, max_length=10)


class BatchSearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    names: list[Annotated[str, Field(max_length=screening_search.MAX_QUERY)]] = Field(
        max_length=screening_search.MAX_BATCH
    )
    kind: Code | None = None
    country: Code | None = None
    on: date | None = None
    limit: int = 10
    threshold: float | None = Field(
        default=None, description="This call's threshold, within 0.6-1.0; default configured"
    )


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Code
    reason: Reason


@router.post("/screening/search")
def search(
    body: SearchIn, session: SessionDep, actor: ActorDep, clock: ClockDep, settings: SettingsDep
) -> SearchAnswer:
    """Ranked hits for one name, each with entity id, score, status on the date, explanation."""
    (answer,) = screening_search.screen_names(
        session, actor=actor, clock=clock, names=[body.name], kind=body.kind,
        country=body.country, on=body.on, limit=body.limit,
        settings=screening_search.checked_threshold(body.threshold, settings.screening_threshold),
        identifiers=body.identifiers, address=body.address, date_of_birth=body.date_of_birth,
    )  # fmt: skip
    return SearchAnswer.model_validate(answer.to_dict(body.name))


@router.post("/screening/search/batch")
def search_batch(
    body: BatchSearchIn,
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> BatchSearchAnswer:
    """The same for up to 1,000 names, answered in order."""
    results = screening_search.screen_names(
        session, actor=actor, clock=clock, names=body.names, kind=body.kind,
        country=body.country, on=body.on, limit=body.limit,
        settings=screening_search.checked_threshold(body.threshold, settings.screening_threshold),
    )  # fmt: skip
    return BatchSearchAnswer.model_validate(
        {
            "results": [
                answer.to_dict(name) for name, answer in zip(body.names, results, strict=True)
            ]
        }
    )


@router.get("/screening/lists")
def list_status(session: SessionDep, actor: ActorDep, history: bool = False) -> list[ListStatus]:
    found = watch_lists.list_status(session, actor=actor, history=history)
    return [ListStatus.model_validate(s.to_dict()) for s in found]


@router.post("/screening/lists")
def import_list(
    files: list[UploadFile],
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
    format: Annotated[Code, Form()],
    dataset: Annotated[Label | None, Form()] = None,
    allow_shrink: Annotated[
        bool,
        Form(description="Accept a version removing more than the configured share of entries"),
    ] = False,
    reason: Annotated[Reason | None, Form(description="Why a shrinking version is right")] = None,
    dry_run: Annotated[bool, Form(description="Show the difference; change nothing")] = False,
) -> ListImported:
    """Import a version of a list (multipart ``files`` and ``format``). The answer shows its
    difference from the active version; a version that removes more than the configured share
    of the active entries is 409 ``lists.shrink_refused`` (``details.difference``: the counts)
    unless ``allow_shrink`` with a ``reason``. ``dry_run`` changes nothing. Cases open or
    licensed are screened again against what was added or changed."""
    require_role(actor, *watch_lists.MANAGE_ROLES, action="import watch lists")
    contents, names = read_list_files(files, settings.max_import_bytes)
    result, rescreened = case_screening.import_list_and_rescreen(
        session, actor=actor, clock=clock, settings=settings, fmt=format, files=contents,
        file_names=names, dataset=dataset, allow_shrink=allow_shrink, reason=reason,
        dry_run=dry_run,
    )  # fmt: skip
    return ListImported.model_validate(
        {**result.to_dict(), "rescreened": rescreened.to_dict() if rescreened else None}
    )


@router.get("/applications/{key}/hits")
def case_hits(key: Key, session: SessionDep, actor: ActorDep) -> list[CaseHit]:
    application_id = views.resolve_application_id(session, actor=actor, key=key)
    hits = case_screening.case_hits(session, actor=actor, application_id=application_id)
    return [CaseHit.model_validate(h) for h in hits]


@router.post("/applications/{key}/hits/screen")
def screen_case(
    key: Key, session: SessionDep, actor: ActorDep, clock: ClockDep, settings: SettingsDep
) -> list[CaseHit]:
    """Screen the parties now; answers the hits this raised."""
    application_id = views.resolve_application_id(session, actor=actor, key=key)
    raised = case_screening.screen_case(
        session, actor=actor, clock=clock, settings=settings, application_id=application_id
    )
    return [CaseHit.model_validate(case_screening.hit_view(h)) for h in raised]


@router.post("/screening/hits/{hit_id}/resolve")
def resolve_hit(
    hit_id: uuid.UUID, body: ResolveIn, session: SessionDep, actor: ActorDep, clock: ClockDep
) -> CaseHit:
    hit = case_screening.resolve_case_hit(
        session, actor=actor, clock=clock, hit_id=hit_id, decision=body.decision,
        reason=body.reason,
    )  # fmt: skip
    return CaseHit.model_validate(case_screening.hit_view(hit))
