"""HTTP routes of the customs room: declarations, officer actions, reconciliation, totals.

Routes run in the request's transaction (``api.deps``); a writing request opens it with
``BEGIN IMMEDIATE`` on SQLite, which a drawdown (read the balance, then write it) needs. Two
routes commit along the way: filing a declaration (committed with the filings of concurrent
requests by ``customs.group_filing``, then read back for the answer) and a bulk import without
all-or-nothing (committed chunk by chunk).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, UploadFile, status
from fastapi import Path as PathParam
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile as StarletteUpload

from rarex.api.deps import ActorDep, ClockDep, SessionDep, SettingsDep
from rarex.api.idempotency import REPLAYED, IdempotentRoute
from rarex.api.paging import Limit, PageOut, PageTokenParam
from rarex.api.schemas.customs import (
    ImportReportRead,
    LicenseReconciliationRead,
    MonthlyTotalRead,
    MonthReconciliationRead,
)
from rarex.api.uploads import client_gone, file_name, spooled
from rarex.auth.roles import Actor
from rarex.clock import Clock
from rarex.config import Settings
from rarex.customs import (
    bulk,
    clearing,
    filing,
    officer,
    reconciliation,
    tabular,
    totals,
    views,
)
from rarex.customs.access import ensure_officer
from rarex.customs.group_filing import FilingGroup
from rarex.customs.schemas import (
    CancelIn,
    DeclarationAmend,
    DeclarationIn,
    DeclarationRead,
    DeclarationSummary,
    DrawdownRead,
    LineActionIn,
)
from rarex.db import ChunkCheckpoint, begin_write
from rarex.inputs import Code
from rarex.quantities import Amount

router = APIRouter(route_class=IdempotentRoute, tags=["customs"])
Number = Annotated[Code, PathParam(description="A declaration number")]
Period = Annotated[Code, PathParam(description="A month, YYYY-MM")]
PublishedTonnes = Annotated[Amount | None, Query(ge=0, le=10**9, description="Tonnes")]


@router.post("/declarations", status_code=status.HTTP_201_CREATED)
def file_declaration(
    request: Request,
    response: Response,
    body: DeclarationIn,
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> DeclarationRead:
    """File a declaration; every line is cleared, held or refused, with its reasons. A
    refused declaration is recorded too (201).

    The number is the idempotency key: the same declaration sent again (its number and
    content) changes nothing and answers the declaration as stored, 201 with
    ``Idempotent-Replayed: true``: a client that lost the first answer retries safely. The
    same number with other content is 409 ``customs.duplicate_declaration``.

    Concurrent filings are committed together (``customs.group_filing``); the request's own
    transaction, which only authenticated the caller, is ended first so that the group's
    transaction can take the write lock on SQLite."""
    group: FilingGroup = request.app.state.filing_group
    session.commit()
    outcome = group.file(actor=actor, clock=clock, settings=settings, data=body)
    if isinstance(outcome, clearing.NotFiled):
        raise filing.not_filed(session, outcome)
    if isinstance(outcome, clearing.AlreadyFiled):
        response.headers[REPLAYED] = "true"
    return views.declaration_view(session, actor=actor, number=outcome.number)


@router.post("/declarations/imports")
def import_declarations(
    request: Request,
    file: UploadFile,
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
    all_or_nothing: bool = False,
) -> ImportReportRead:
    """Bulk import of a CSV or XLSX file (multipart ``file``); the report names every refused
    row. With ``all_or_nothing`` a refused row refuses the file (422, the same report). A file
    that cannot be read, or breaks a limit, is 422 ``import.malformed_file`` (or
    ``import.too_many_rows``, ``import.too_slow``), with nothing imported.

    The file is read whole before any lock is taken: the request's own transaction, which
    only authenticated the caller, is ended first, and the writer's transaction begins once
    the file passed. Without ``all_or_nothing`` this route then commits after each filed chunk
    (and reopens a writer), so a long file does not hold the audit chain and the licenses for
    its whole length. An error after a chunk was committed leaves that chunk recorded
    (``committed_declarations`` in the error's details); sending the same file again files
    only the rest (numbers apply once). A client that leaves stops the import at the next
    chunk.
    """
    ensure_officer(actor, action="import declarations")
    try:
        report = import_upload(
            session,
            upload=file,
            actor=actor,
            clock=clock,
            settings=settings,
            all_or_nothing=all_or_nothing,
            cancelled=client_gone(request),
        )
    except bulk.ImportRefused as exc:
        exc.details["report"] = exc.report.to_dict()
        raise
    return ImportReportRead.model_validate(report.to_dict())


def import_upload(
    session: Session,
    *,
    upload: StarletteUpload,
    actor: Actor,
    clock: Clock,
    settings: Settings,
    all_or_nothing: bool,
    cancelled: tabular.Cancelled,
) -> bulk.ImportReport:
    """An uploaded declaration file imported, as this route and the customs desk's page do it:
    the request's own transaction (which only authenticated the caller) ends, the file is read
    whole (a workbook's rows spooled beside it), and only then is the writer's lock taken."""
    name = file_name(upload, field="file", default="upload.csv")
    tabular.file_format(Path(name))
    limits = tabular.ImportLimits.of(settings)
    session.commit()
    with spooled(upload, settings.max_import_bytes, name=name) as path:
        checked = tabular.check_file(
            path, limits, cancelled=cancelled, spool=path.parent / "rows.jsonl"
        )
        begin_write(session)
        return bulk.import_declarations(
            session,
            actor=actor,
            clock=clock,
            settings=settings,
            source=name,
            parsed=tabular.declarations(tabular.checked_rows(path, checked, limits)),
            all_or_nothing=all_or_nothing,
            commit_chunk=ChunkCheckpoint(session),
            cancelled=cancelled,
        )


@router.get("/declarations")
def list_declarations(
    session: SessionDep,
    actor: ActorDep,
    status: Code | None = None,
    license: Code | None = None,
    limit: Limit = None,
    page_token: PageTokenParam = None,
) -> PageOut[DeclarationSummary]:
    """The declarations the asker may see, a page at a time, latest declared first."""
    page = views.list_declarations(
        session,
        actor=actor,
        status=status,
        license_number=license,
        limit=limit,
        page_token=page_token,
    )
    return PageOut[DeclarationSummary].of(page)


@router.get("/declarations/{number}")
def show_declaration(number: Number, session: SessionDep, actor: ActorDep) -> DeclarationRead:
    return views.declaration_view(session, actor=actor, number=number)


@router.post("/declarations/{number}/lines/{line_no}/actions")
def act_on_line(
    number: Number,
    line_no: int,
    body: LineActionIn,
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
) -> DeclarationRead:
    """``{"action": "hold"|"release"|"refuse", "reason": ..., "license_number": ...}``."""
    action = officer.parse_line_action(body.action)
    declaration = officer.act_on_line(
        session,
        actor=actor,
        clock=clock,
        number=number,
        line_no=line_no,
        action=action,
        reason=body.reason,
        covering_license=body.license_number,
    )
    return views.read(session, declaration)


@router.post("/declarations/{number}/cancellation")
def cancel_declaration(
    number: Number, body: CancelIn, session: SessionDep, actor: ActorDep, clock: ClockDep
) -> DeclarationRead:
    declaration = officer.cancel_declaration(
        session, actor=actor, clock=clock, number=number, reason=body.reason
    )
    return views.read(session, declaration)


@router.post("/declarations/{number}/amendments")
def amend_declaration(
    number: Number,
    body: DeclarationAmend,
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> DeclarationRead:
    declaration = filing.amend_declaration(
        session, actor=actor, clock=clock, settings=settings, number=number, data=body
    )
    return views.read(session, declaration)


@router.get("/licenses/{number}/drawdowns")
def license_drawdowns(
    number: Annotated[Code, PathParam(description="The license's number")],
    session: SessionDep,
    actor: ActorDep,
) -> list[DrawdownRead]:
    """What drew on the license and what was given back, newest first (at most 500)."""
    return views.license_drawdowns(session, actor=actor, number=number)


@router.get("/customs/reconciliation/licenses")
def reconcile_licenses(
    session: SessionDep, actor: ActorDep, number: Code | None = None
) -> list[LicenseReconciliationRead]:
    found = reconciliation.reconcile_licenses(session, actor=actor, number=number)
    return [LicenseReconciliationRead.model_validate(r.to_dict()) for r in found]


@router.get("/customs/reconciliation/months/{period}")
def reconcile_month(
    period: Period,
    session: SessionDep,
    actor: ActorDep,
    published_rare_earths_t: PublishedTonnes = None,
    published_magnets_t: PublishedTonnes = None,
) -> MonthReconciliationRead:
    """``published_*_t``: the published monthly figure in tonnes, to compare with."""
    published = {
        series: figure
        for series, figure in (
            ("rare_earths", published_rare_earths_t),
            ("magnets", published_magnets_t),
        )
        if figure is not None
    }
    month = reconciliation.reconcile_month(
        session, actor=actor, period=period, published_t=published
    )
    return MonthReconciliationRead.model_validate(month.to_dict())


@router.get("/customs/totals")
def monthly_totals(
    session: SessionDep,
    actor: ActorDep,
    period: Code,
    by: Annotated[Code, Query(description="series, element, hs_code or destination")] = "series",
    series: Code | None = None,
) -> list[MonthlyTotalRead]:
    """Cleared exports of a month (month of clearance) from the incremental aggregates."""
    found = totals.monthly_totals(session, actor=actor, period=period, by=by, series=series)
    return [MonthlyTotalRead.model_validate(t.to_dict()) for t in found]
