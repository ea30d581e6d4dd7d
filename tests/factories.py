"""Small builders for test data, going through the real services."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role
from rarex.auth.service import create_user, to_actor
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.licensing import decisions, filing, review
from rarex.licensing.schemas import ApplicationCreate, DecisionIn
from rarex.licensing.states import Action
from rarex.models import Application, Company
from rarex.parties.identifiers import organisation_code_check_character, uscc_check_character
from rarex.parties.service import register_company

_counter = iter(range(10_000_000))


def make_uscc(seed: int) -> str:
    # 9 = enterprise registration, 1 = company; 110000 = Beijing; organisation code body + check.
    body8 = f"{seed % 10**8:08d}"
    first17 = "91110000" + body8 + organisation_code_check_character(body8)
    return first17 + uscc_check_character(first17)


def make_company(
    session: Session,
    clock: FixedClock,
    *,
    icp: bool = True,
    name: str | None = None,
    name_zh: str | None = None,
) -> Company:
    n = next(_counter)
    return register_company(
        session,
        clock=clock,
        actor=None,
        uscc=make_uscc(10_000_000 + n * 7919),
        name=name or f"Test Rare Earth Co. {n}",
        name_zh=name_zh,
        compliance_programme_on=date(2024, 1, 1) if icp else None,
    )


def make_actor(
    session: Session, clock: FixedClock, role: Role, *, company: Company | None = None, **kw: Any
) -> Actor:
    n = next(_counter)
    if role is Role.PARTNER_AUTHORITY and not (
        kw.get("partner_countries") or kw.get("partner_groups")
    ):
        kw["partner_countries"] = ["NZ"]  # a jurisdiction no case of the tests is bound for
    user = create_user(
        session,
        clock=clock,
        actor=None,
        username=f"{role.value.replace('_', '-')}-{n}",
        display_name=f"{role.value} {n}",
        role=role,
        company_id=company.id if company else None,
        **kw,
    )
    return to_actor(user)


def application_data(**overrides: Any) -> ApplicationCreate:
    data: dict[str, Any] = {
        "license_type": "single",
        "consignee": {"name": "Rheinland Antriebstechnik GmbH", "country": "DE"},
        "end_user": {"name": "Rheinland Antriebstechnik GmbH", "country": "DE"},
        "end_use_category": "ev_motors",
        "end_use_statement": "Traction motors for passenger EVs; no re-export without consent.",
        "contract_reference": "C-2025-001",
        "lines": [
            {
                "control_code": "1C905.a",
                "hs_code": "2805301200",
                "description": "Dysprosium metal",
                "quantity_kg": "500",
                "value": "250000",
                "currency": "USD",
            }
        ],
    }
    data.update(overrides)
    return ApplicationCreate.model_validate(data)


def attach_required_documents(
    session: Session, clock: FixedClock, settings: Settings, exporter: Actor, app: Application
) -> None:
    for kind in filing.REQUIRED_DOCUMENTS:
        filing.attach_document(
            session,
            actor=exporter,
            clock=clock,
            settings=settings,
            application_id=app.id,
            kind=kind,
            filename=f"{kind}.pdf",
            media_type="application/pdf",
            content=f"%PDF-1.4 {kind}".encode(),
        )


def parties_in(country: str, name: str = "Importer") -> dict[str, dict[str, str]]:
    """A consignee and end user in ``country``, for ``application_data(**parties_in("US"))``:
    the default parties are in Germany, which puts a case in a German partner's view."""
    party = {"name": f"{name} {country}", "country": country}
    return {"consignee": party, "end_user": party}


def filed_and_accepted(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    exporter: Actor,
    officer: Actor,
    **overrides: Any,
) -> Application:
    app = filing.file_application(
        session, actor=exporter, clock=clock, settings=settings, data=application_data(**overrides)
    )
    attach_required_documents(session, clock, settings, exporter, app)
    for actor, action in (
        (exporter, Action.SUBMIT),
        (officer, Action.ACCEPT),
        (officer, Action.START_REVIEW),
    ):
        review.transition(
            session,
            actor=actor,
            clock=clock,
            settings=settings,
            application_id=app.id,
            action=action,
        )
    return app


def approve(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    officer: Actor,
    app: Application,
    **kw: Any,
) -> Application:
    clock.advance(timedelta(days=1))
    return decisions.decide(
        session,
        actor=officer,
        clock=clock,
        settings=settings,
        application_id=app.id,
        data=DecisionIn(outcome="approved", reason="Compliant civil end use", **kw),
    )
