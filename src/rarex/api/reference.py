"""Reference answers any signed-in user may ask: the control list and the official calendar."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from rarex.api.deps import ActorDep, ClockDep, SessionDep, SettingsDep
from rarex.api.idempotency import IdempotentRoute
from rarex.api.schemas.reference import (
    CalendarYearRead,
    CatalogSearchRead,
    ControlCheckRead,
    DeadlineRead,
)
from rarex.catalog.service import load_control_list
from rarex.clock import authority_date
from rarex.errors import InvalidInput
from rarex.inputs import Code, Label
from rarex.licensing.calendar_store import calendar_years, statutory_deadline

router = APIRouter(route_class=IdempotentRoute, tags=["reference"])


@router.get("/catalog/check")
def catalog_check(
    _actor: ActorDep,
    clock: ClockDep,
    code: Code | None = None,
    hs: Code | None = None,
    on: date | None = None,
) -> ControlCheckRead:
    """Is this control code or HS code controlled on that date, by which entries and
    announcements?"""
    if (code is None) == (hs is None):
        raise InvalidInput("give exactly one of code or hs", code="catalog.query_required")
    when = on or authority_date(clock.now())
    control_list = load_control_list()
    result = control_list.check_code(code, when) if code else control_list.check_hs(hs or "", when)
    return ControlCheckRead.model_validate(result.to_dict())


@router.get("/catalog/search")
def catalog_search(
    _actor: ActorDep,
    clock: ClockDep,
    q: Annotated[Label, Query(max_length=100, description="A code, HS code, element or words")],
    on: date | None = None,
) -> CatalogSearchRead:
    """The control-list entries a filer may mean, each with its standing on the day (today by
    default): by control code, HS code (four digits at least), element symbol or name in
    English or Chinese, or words of the description."""
    when = on or authority_date(clock.now())
    control_list = load_control_list()
    matches = control_list.find(q, when)
    return CatalogSearchRead.model_validate(
        {
            "query": q,
            "on": when.isoformat(),
            "catalog_version": control_list.version,
            "matches": [match.to_dict() for match in matches],
        }
    )


@router.get("/calendar/deadline")
def calendar_deadline(
    _actor: ActorDep,
    session: SessionDep,
    settings: SettingsDep,
    accepted: date,
    working_days: int | None = Query(default=None, ge=1, le=365),
) -> DeadlineRead:
    """Defaults to the statutory limit in force (RAREX_DECISION_WORKING_DAYS)."""
    deadline = statutory_deadline(
        session, settings=settings, accepted_on=accepted, working_days=working_days
    )
    return DeadlineRead.model_validate(deadline.to_dict())


@router.get("/calendar/years")
def calendar_years_known(
    _actor: ActorDep, session: SessionDep, clock: ClockDep
) -> list[CalendarYearRead]:
    """The years the calendar knows, newest first, to the first year with no schedule (the next
    to load): each official (published in the package, or loaded) or provisional
    (Monday-Friday, no schedule yet)."""
    return [
        CalendarYearRead.model_validate(year.to_dict())
        for year in calendar_years(session, clock=clock)
    ]
