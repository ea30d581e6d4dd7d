"""Applications, decisions, licenses and the review queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request, UploadFile, status
from starlette.responses import Response

from rarex.api.deps import ActorDep, ClockDep, SessionDep, SettingsDep
from rarex.api.idempotency import IdempotentRoute
from rarex.api.paging import Limit, PageOut, PageTokenParam
from rarex.api.uploads import document_response, file_name
from rarex.clock import authority_date
from rarex.errors import InvalidInput, PayloadTooLarge
from rarex.inputs import Code, Label, Reference
from rarex.licensing import approval, filing, license_actions, queue, review, views
from rarex.licensing.schemas import (
    ApplicationAmend,
    ApplicationCreate,
    ApplicationRead,
    ApplicationSummary,
    DecisionIn,
    DocumentRead,
    LanePerformance,
    LicenseActionIn,
    LicenseRead,
    QueueItem,
    TransitionIn,
)
from rarex.licensing.states import Action

router = APIRouter(route_class=IdempotentRoute, tags=["applications"])
Key = Annotated[Reference, Path(description="An application's id or reference")]


def _action(name: str) -> Action:
    try:
        return Action(name)
    except ValueError:
        known = ", ".join(a.value for a in Action)
        raise InvalidInput(
            f"unknown action {name!r}; known: {known}", code="application.unknown_action"
        ) from None


@router.post("/applications", status_code=status.HTTP_201_CREATED)
def file_application(
    body: ApplicationCreate,
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> ApplicationRead:
    application = filing.file_application(
        session, actor=actor, clock=clock, settings=settings, data=body
    )
    return views.application_view(
        session, actor=actor, clock=clock, settings=settings, key=application.id
    )


@router.get("/applications")
def list_applications(
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
    state: Code | None = None,
    limit: Limit = None,
    page_token: PageTokenParam = None,
) -> PageOut[ApplicationSummary]:
    """The applications the asker may see, a page at a time, newest filed first."""
    page = views.list_application_summaries(
        session,
        actor=actor,
        clock=clock,
        settings=settings,
        state=state,
        limit=limit,
        page_token=page_token,
    )
    return PageOut[ApplicationSummary].of(page)


@router.get("/applications/{key}")
def show_application(
    key: Key, session: SessionDep, actor: ActorDep, clock: ClockDep, settings: SettingsDep
) -> ApplicationRead:
    return views.application_view(session, actor=actor, clock=clock, settings=settings, key=key)


@router.patch("/applications/{key}")
def amend_application(
    key: Key,
    body: ApplicationAmend,
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> ApplicationRead:
    application_id = views.resolve_application_id(session, actor=actor, key=key)
    filing.amend_application(
        session,
        actor=actor,
        clock=clock,
        settings=settings,
        application_id=application_id,
        data=body,
    )
    return views.application_view(
        session, actor=actor, clock=clock, settings=settings, key=application_id
    )


@router.get(
    "/applications/{key}/documents/{document_id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def download_document(
    key: Key,
    document_id: Annotated[Code, Path(description="The document's id")],
    session: SessionDep,
    actor: ActorDep,
) -> Response:
    """A document's content, as uploaded (the applicant's own, or an officer's)."""
    document = views.document_for_download(session, actor=actor, key=key, document_id=document_id)
    return document_response(document)


@router.post("/applications/{key}/documents", status_code=status.HTTP_201_CREATED)
def upload_document(
    key: Key,
    request: Request,
    file: UploadFile,
    kind: Annotated[Code, Form()],
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> DocumentRead:
    declared = request.headers.get("content-length")
    # Refuse before reading when the request itself says it is too big.
    if declared and declared.isdigit() and int(declared) > settings.max_document_bytes + 65536:
        raise PayloadTooLarge(
            f"upload of {declared} bytes exceeds the limit of {settings.max_document_bytes}",
            limit=settings.max_document_bytes,
        )
    # A plain function: FastAPI runs it in a worker thread, so database work never blocks
    # the event loop. One byte over the limit is enough to refuse.
    filename = file_name(file, field="file", default="document")
    content = file.file.read(settings.max_document_bytes + 1)
    application_id = views.resolve_application_id(session, actor=actor, key=key)
    document = filing.attach_document(
        session,
        actor=actor,
        clock=clock,
        settings=settings,
        application_id=application_id,
        kind=kind,
        filename=filename,
        media_type=file.content_type or "application/octet-stream",
        content=content,
    )
    return DocumentRead.model_validate(document)


@router.post("/applications/{key}/transitions")
def transition_application(
    key: Key,
    body: TransitionIn,
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> ApplicationRead:
    action = _action(body.action)
    # A role that may never take the step is refused before the case is looked up: the answer
    # is then the same for every case, so it reveals nothing (and is not a misleading 404).
    review.ensure_role_may_take(actor, action)
    application_id = views.resolve_application_id(session, actor=actor, key=key)
    review.transition(
        session,
        actor=actor,
        clock=clock,
        settings=settings,
        application_id=application_id,
        action=action,
        reason=body.reason,
        missing_items=body.missing_items,
    )
    return views.application_view(
        session, actor=actor, clock=clock, settings=settings, key=application_id
    )


@router.post("/applications/{key}/decision")
def decide_application(
    key: Key,
    body: DecisionIn,
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> ApplicationRead:
    """Approve (screening the parties first) or deny; hits the screening raises are kept
    (committed before the refusal) so the officer is told of hits that exist."""
    application = approval.decide_case(
        session,
        actor=actor,
        clock=clock,
        settings=settings,
        key=key,
        data=body,
        keep_hits=session.commit,
    )
    return views.application_view(
        session, actor=actor, clock=clock, settings=settings, key=application.id
    )


@router.get("/queue")
def review_queue(
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
    lane: Code | None = None,
    limit: Limit = None,
    page_token: PageTokenParam = None,
) -> PageOut[QueueItem]:
    """Open cases a page at a time, green lane first, then by the stored due date."""
    page = queue.review_queue(
        session,
        actor=actor,
        clock=clock,
        settings=settings,
        lane=lane,
        limit=limit,
        page_token=page_token,
    )
    return PageOut[QueueItem].of(page)


class DeskPage(PageOut[QueueItem]):
    counts: dict[str, int]


@router.get("/desk")
def desk(
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
    queue_name: Annotated[
        Code,
        Query(
            alias="queue",
            description="intake, green, ordinary, "
            "at_risk, overdue, waiting, consultation or referred",
        ),
    ] = "intake",
    sort: Annotated[Code, Query(description="due, filed, exporter or destination")] = "due",
    lane: Code | None = None,
    destination: Code | None = None,
    control_code: Code | None = None,
    exporter: Annotated[Label | None, Query(description="USCC or part of the name")] = None,
    priority: Annotated[
        Code | None, Query(description="On a partner's priority list: pending or accepted")
    ] = None,
    limit: Limit = None,
    page_token: PageTokenParam = None,
) -> DeskPage:
    """One of the officers' queues a page at a time, in the order asked, narrowed as asked,
    with every queue's count under the same narrowing (the desk's page, as data)."""
    page, counts = queue.desk_queue(
        session, actor=actor, clock=clock, settings=settings,
        query=queue.DeskQuery(
            queue=queue_name, sort=sort, lane=lane, destination=destination,
            control_code=control_code, exporter=exporter, priority=priority,
        ),
        limit=limit, page_token=page_token,
    )  # fmt: skip
    return DeskPage(
        items=page.items, next_page_token=page.next_page_token, total=page.total,
        order=page.order, counts=counts,
    )  # fmt: skip


@router.get("/reports/lanes")
def lane_performance(
    session: SessionDep, actor: ActorDep, clock: ClockDep, settings: SettingsDep
) -> list[LanePerformance]:
    return queue.lane_performance(session, actor=actor, clock=clock, settings=settings)


@router.get("/licenses")
def list_licenses(
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    limit: Limit = None,
    page_token: PageTokenParam = None,
) -> PageOut[LicenseRead]:
    """The licenses the asker may see, a page at a time, newest issued first."""
    page = views.list_license_views(
        session,
        actor=actor,
        on=authority_date(clock.now()),
        limit=limit,
        page_token=page_token,
    )
    return PageOut[LicenseRead].of(page)


@router.get("/licenses/{number}")
def show_license(
    number: Annotated[Reference, Path(description="A license number")],
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
) -> LicenseRead:
    return views.license_view(session, actor=actor, number=number, on=authority_date(clock.now()))


@router.post("/licenses/{number}/actions")
def act_on_license(
    number: Annotated[Reference, Path(description="A license number")],
    body: LicenseActionIn,
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
) -> LicenseRead:
    """Suspend, reinstate or revoke a license, with a reason (licensing officers and
    administrators)."""
    license_actions.act_on_license(
        session,
        actor=actor,
        clock=clock,
        number=number,
        action=license_actions.parse_license_action(body.action),
        reason=body.reason,
    )
    return views.license_view(session, actor=actor, number=number, on=authority_date(clock.now()))
