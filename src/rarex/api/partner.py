"""The partner-authority channel (``/partner/...``): the redacted views of the cases and
licenses in the asker's jurisdiction (other roles are refused, 403 ``partner.only``; a case or
license outside the jurisdiction is 404, like one that does not exist), and the inquiries
between partner desks and licensing officers."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from rarex.api.deps import ActorDep, ClockDep, SessionDep, SettingsDep
from rarex.api.idempotency import IdempotentRoute
from rarex.api.openapi import BINARY_FILE
from rarex.api.paging import Limit, PageOut, PageTokenParam
from rarex.clock import authority_date
from rarex.inputs import Code, Label, Reference
from rarex.parties import trusted
from rarex.parties.schemas import (
    TrustedPartyDecisionIn,
    TrustedPartyIn,
    TrustedPartyRead,
    TrustedPartyWithdrawIn,
)
from rarex.partners import inquiries, outcomes, priorities, views
from rarex.partners.inquiry_states import InquiryState
from rarex.partners.outcomes import OutcomeReport
from rarex.partners.schemas import (
    InquiryClose,
    InquiryOpen,
    InquiryRead,
    InquirySummary,
    InquiryWrite,
    PartnerApplication,
    PartnerLicense,
    PriorityDecisionIn,
    PriorityListIn,
    PriorityListRead,
)

router = APIRouter(route_class=IdempotentRoute, prefix="/partner", tags=["partner"])
ApplicationRef = Annotated[Reference, Path(description="An application's reference")]
LicenseNumber = Annotated[Reference, Path(description="A license number")]


@router.get("/applications")
def list_partner_applications(
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
    state: Code | None = None,
    limit: Limit = None,
    page_token: PageTokenParam = None,
) -> PageOut[PartnerApplication]:
    """The submitted cases in the asker's jurisdiction, newest filed first."""
    page = views.partner_applications(
        session, actor=actor, clock=clock, settings=settings, state=state, limit=limit,
        page_token=page_token,
    )  # fmt: skip
    return PageOut[PartnerApplication].of(page)


@router.get("/applications/{reference}")
def show_partner_application(
    reference: ApplicationRef,
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> PartnerApplication:
    return views.partner_application(
        session, actor=actor, clock=clock, settings=settings, reference=reference
    )


@router.get("/licenses")
def list_partner_licenses(
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    limit: Limit = None,
    page_token: PageTokenParam = None,
) -> PageOut[PartnerLicense]:
    """The licenses in the asker's jurisdiction, newest issued first."""
    page = views.partner_licenses(
        session, actor=actor, on=authority_date(clock.now()), limit=limit, page_token=page_token
    )
    return PageOut[PartnerLicense].of(page)


@router.get("/licenses/{number}")
def show_partner_license(
    number: LicenseNumber, session: SessionDep, actor: ActorDep, clock: ClockDep
) -> PartnerLicense:
    return views.partner_license(
        session, actor=actor, number=number, on=authority_date(clock.now())
    )


# --- inquiries: the partner asks, licensing officers answer; both sides on the same routes,
# the side each message is written for following from the writer's role -------------------

InquiryNumber = Annotated[Reference, Path(description="An inquiry's number (IQ-…)")]


@router.get("/inquiries")
def list_inquiries(
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
    state: Annotated[Code | None, Query(description="open, " + ", ".join(InquiryState))] = None,
    overdue: Annotated[bool, Query(description="Only those past their reply target")] = False,
    application: Annotated[
        Reference | None, Query(description="An application's reference")
    ] = None,
    limit: Limit = None,
    page_token: PageTokenParam = None,
) -> PageOut[InquirySummary]:
    """A partner desk's own inquiries; for the authority, every partner's. Newest first."""
    page = inquiries.list_inquiries(
        session, actor=actor, clock=clock, settings=settings, state=state, overdue=overdue,
        application_reference=application, limit=limit, page_token=page_token,
    )  # fmt: skip
    return PageOut[InquirySummary].of(page)


@router.post("/inquiries", status_code=status.HTTP_201_CREATED)
def open_inquiry(
    body: InquiryOpen, session: SessionDep, actor: ActorDep, clock: ClockDep, settings: SettingsDep
) -> InquiryRead:
    inquiry = inquiries.open_inquiry(
        session, actor=actor, clock=clock, settings=settings, subject=body.subject,
        body=body.body,
        application_reference=body.application_reference,
    )  # fmt: skip
    return inquiries.inquiry_view(
        session, actor=actor, clock=clock, settings=settings, number=inquiry.number
    )


@router.get("/inquiries/{inquiry}")
def show_inquiry(
    inquiry: InquiryNumber,
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> InquiryRead:
    return inquiries.inquiry_view(
        session, actor=actor, clock=clock, settings=settings, number=inquiry
    )


@router.post("/inquiries/{inquiry}/messages")
def write_to_inquiry(
    inquiry: InquiryNumber,
    body: InquiryWrite,
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> InquiryRead:
    """A message for the writer's own side: a partner's is the partner's, an officer's the
    authority's."""
    inquiries.write(
        session, actor=actor, clock=clock, settings=settings, number=inquiry, body=body.body
    )
    return inquiries.inquiry_view(
        session, actor=actor, clock=clock, settings=settings, number=inquiry
    )


@router.post("/inquiries/{inquiry}/close")
def close_inquiry(
    inquiry: InquiryNumber,
    body: InquiryClose,
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> InquiryRead:
    inquiries.close(session, actor=actor, clock=clock, number=inquiry, reason=body.reason)
    return inquiries.inquiry_view(
        session, actor=actor, clock=clock, settings=settings, number=inquiry
    )


# --- priority lists: the partner asks for cases to be examined first; officers decide each ---

ListNumber = Annotated[Reference, Path(description="A priority list's number (PL-…)")]


@router.post("/priority-lists", status_code=status.HTTP_201_CREATED)
def submit_priority_list(
    body: PriorityListIn, session: SessionDep, actor: ActorDep, clock: ClockDep
) -> PriorityListRead:
    request = priorities.submit_priority_list(session, actor=actor, clock=clock, data=body)
    return priorities.priority_list_view(session, actor=actor, number=request.number)


@router.get("/priority-lists")
def list_priority_lists(
    session: SessionDep,
    actor: ActorDep,
    application: Annotated[
        Reference | None, Query(description="Only the lists naming this application")
    ] = None,
    pending: Annotated[bool, Query(description="Only lists with an item to decide")] = False,
) -> list[PriorityListRead]:
    """A partner desk's lists, or every partner's for the authority; newest first."""
    return priorities.list_priority_lists(
        session, actor=actor, application_reference=application, pending_only=pending
    )


@router.get("/priority-lists/{priority_list}")
def show_priority_list(
    priority_list: ListNumber, session: SessionDep, actor: ActorDep
) -> PriorityListRead:
    return priorities.priority_list_view(session, actor=actor, number=priority_list)


@router.post("/priority-items/{item_id}/decision")
def decide_priority_item(
    item_id: uuid.UUID,
    body: PriorityDecisionIn,
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> PriorityListRead:
    """A licensing officer accepts or declines one item, with a reason; answers its list."""
    item = priorities.decide_priority_item(
        session, actor=actor, clock=clock, settings=settings, item_id=item_id, data=body
    )
    return priorities.priority_list_view_of_item(session, actor=actor, item=item)


# --- trusted parties: the partner proposes end users it vouches for; officers decide ---------

TrustedNumber = Annotated[Reference, Path(description="A trusted party's number (TP-…)")]


@router.post("/trusted-parties", status_code=status.HTTP_201_CREATED)
def propose_trusted_party(
    body: TrustedPartyIn, session: SessionDep, actor: ActorDep, clock: ClockDep
) -> TrustedPartyRead:
    party = trusted.propose(session, actor=actor, clock=clock, data=body)
    return trusted.trusted_party_view(session, actor=actor, clock=clock, number=party.number)


@router.get("/trusted-parties")
def list_trusted_parties(
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    status_: Annotated[
        Code | None,
        Query(alias="status", description="proposed, approved, rejected, withdrawn or lapsed"),
    ] = None,
) -> list[TrustedPartyRead]:
    """A partner desk's proposals, or every partner's for the authority; newest first."""
    return trusted.list_trusted_parties(session, actor=actor, clock=clock, status=status_)


@router.get("/trusted-parties/{trusted_party}")
def show_trusted_party(
    trusted_party: TrustedNumber, session: SessionDep, actor: ActorDep, clock: ClockDep
) -> TrustedPartyRead:
    return trusted.trusted_party_view(session, actor=actor, clock=clock, number=trusted_party)


@router.post("/trusted-parties/{trusted_party}/decision")
def decide_trusted_party(
    trusted_party: TrustedNumber,
    body: TrustedPartyDecisionIn,
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
) -> TrustedPartyRead:
    """A licensing officer approves or rejects the proposal, once, with a reason."""
    trusted.decide(session, actor=actor, clock=clock, number=trusted_party, data=body)
    return trusted.trusted_party_view(session, actor=actor, clock=clock, number=trusted_party)


@router.post("/trusted-parties/{trusted_party}/withdrawal")
def withdraw_trusted_party(
    trusted_party: TrustedNumber,
    body: TrustedPartyWithdrawIn,
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
) -> TrustedPartyRead:
    """The proposing partner desk or a licensing officer ends a proposal or an approval."""
    trusted.withdraw(session, actor=actor, clock=clock, number=trusted_party, data=body)
    return trusted.trusted_party_view(session, actor=actor, clock=clock, number=trusted_party)


# --- outcome figures of a jurisdiction ----------------------------------------------------

PartnerKey = Annotated[
    Label | None,
    Query(description="A partner desk's jurisdiction (EU, 'EU + CH'); the authority's choice"),
]


@router.get("/outcomes")
def outcome_figures(
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
    partner: PartnerKey = None,
) -> OutcomeReport:
    """Received, decided, approved, denied, approval rate, median and 90th-percentile working
    days to decision, open cases past due: by month and lane, with the totals."""
    return outcomes.outcome_figures(
        session, actor=actor, clock=clock, settings=settings, partner=partner
    )


@router.get(
    "/outcomes/export",
    response_class=Response,
    responses={200: {"description": "The figures, as an attachment",
                     "content": {media: BINARY_FILE for media in outcomes.FORMATS.values()}}},
)  # fmt: skip
def export_outcome_figures(
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
    partner: PartnerKey = None,
    fmt: Annotated[Code, Query(alias="format", description="csv or xlsx")] = "csv",
) -> Response:
    report = outcomes.outcome_figures(
        session, actor=actor, clock=clock, settings=settings, partner=partner
    )
    content, media_type, name = outcomes.outcome_download(report, fmt)
    return Response(
        content, media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )  # fmt: skip


@router.get(
    "/outcomes/chart",
    response_class=Response,
    responses={200: {"description": "The chart", "content": {"image/svg+xml": BINARY_FILE}}},
)
def outcome_chart(
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
    partner: PartnerKey = None,
) -> Response:
    """Received, approved and denied month by month, as an accessible SVG (in English)."""
    report = outcomes.outcome_figures(
        session, actor=actor, clock=clock, settings=settings, partner=partner
    )
    return Response(outcomes.english_chart(report), media_type="image/svg+xml")
