"""Builders for customs tests: a licensed exporter and declarations against its license."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.customs.schemas import DeclarationIn
from rarex.licensing import repository as licensing_repository
from rarex.models import Company, License
from tests.factories import approve, filed_and_accepted, make_actor, make_company

_numbers = iter(range(1, 10_000_000))

CONSIGNEE = {"name": "Rheinland Antriebstechnik GmbH", "country": "DE"}
# A consignee the license does not name: the line is held, and an officer may release it.
OTHER_CONSIGNEE = {"name": "Donau Magnettechnik GmbH", "country": "DE"}


@dataclass
class Licensed:
    company: Company
    exporter: Actor
    licensing_officer: Actor
    customs: Actor
    license: License


def licensed(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    *,
    lines: list[dict[str, Any]] | None = None,
    customs: Actor | None = None,
    days_after: int = 2,
    **application: Any,
) -> Licensed:
    """An exporter with an approved license (issued the day after the clock's day), the clock
    then moved ``days_after`` days on so declarations can be dated after issue."""
    company = make_company(session, clock)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    overrides: dict[str, Any] = dict(application)
    if lines is not None:
        overrides["lines"] = lines
    app = filed_and_accepted(session, clock, settings, exporter, officer, **overrides)
    approve(session, clock, settings, officer, app)
    license_ = licensing_repository.license_for_application(session, app.id)
    assert license_ is not None
    clock.advance(timedelta(days=days_after))
    return Licensed(
        company=company,
        exporter=exporter,
        licensing_officer=officer,
        customs=customs or make_actor(session, clock, Role.CUSTOMS_OFFICER),
        license=license_,
    )


def next_number() -> str:
    return f"2248{next(_numbers):014d}"


def line(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "hs_code": "2805301200",
        "control_code": "1C905.a",
        "description": "Dysprosium metal",
        "net_kg": "100",
        "fob_value": "50000",
        "currency": "USD",
    }
    data.update(overrides)
    return data


def declaration(
    setup: Licensed | None = None, *, lines: list[dict[str, Any]] | None = None, **overrides: Any
) -> DeclarationIn:
    data: dict[str, Any] = {
        "number": next_number(),
        "exporter_uscc": setup.company.uscc if setup else "",
        "license_number": setup.license.number if setup else None,
        "destination": "DE",
        "consignee": dict(CONSIGNEE),
        "port": "Shanghai Waigaoqiao",
        "lines": lines if lines is not None else [line()],
    }
    data.update(overrides)
    return DeclarationIn.model_validate(data)
