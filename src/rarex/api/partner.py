"""The partner-authority channel (``/partner/...``): the redacted views of the cases and
licenses in the asker's jurisdiction. Other roles are refused (403 ``partner.only``); a case
or license outside the jurisdiction is 404, like one that does not exist."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from rarex.api.deps import ActorDep, ClockDep, SessionDep, SettingsDep
from rarex.api.paging import Limit, PageOut, PageTokenParam
from rarex.clock import authority_date
from rarex.inputs import Code, Reference
from rarex.partners import views
from rarex.partners.schemas import PartnerApplication, PartnerLicense

router = APIRouter(prefix="/partner", tags=["partner"])
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
