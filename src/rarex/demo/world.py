"""The demo's simulated world: its clock, its parties, and shorthand for driving the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from rarex.auth.roles import Actor
from rarex.clock import AUTHORITY_TZ, FixedClock
from rarex.config import Settings
from rarex.licensing import decisions, filing, repository, review
from rarex.licensing.schemas import ApplicationCreate, DecisionIn
from rarex.licensing.states import Action
from rarex.models import Application, Company
from rarex.parties.identifiers import organisation_code_check_character, uscc_check_character

DEMO_START = date(2025, 4, 14)
DEMO_END = datetime.combine(date(2025, 7, 25), time(18, 0), tzinfo=AUTHORITY_TZ)


def demo_uscc(region: str, body8: str) -> str:
    """A well-formed, fictional unified social credit code (valid check characters)."""
    first17 = "91" + region + body8 + organisation_code_check_character(body8)
    return first17 + uscc_check_character(first17)


@dataclass
class DemoWorld:
    session: Session
    clock: FixedClock
    settings: Settings
    actors: dict[str, Actor] = field(default_factory=dict)
    companies: dict[str, Company] = field(default_factory=dict)
    cases: dict[str, Application] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    declarations: list[str] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    def case_license(self, name: str) -> str | None:
        license_ = repository.license_for_application(self.session, self.cases[name].id)
        return license_.number if license_ is not None else None

    def at(self, day: date, hour: int = 10) -> None:
        moment = datetime.combine(day, time(hour, 0), tzinfo=AUTHORITY_TZ)
        if moment < self.clock.now():
            raise RuntimeError(f"demo time must move forward, not back to {moment}")
        self.clock.set(moment)

    def file(self, name: str, exporter: str, body: dict[str, Any]) -> Application:
        application = filing.file_application(
            self.session,
            actor=self.actors[exporter],
            clock=self.clock,
            settings=self.settings,
            data=ApplicationCreate.model_validate(body),
        )
        self.cases[name] = application
        return application

    def documents(self, name: str, exporter: str, kinds: tuple[str, ...] | None = None) -> None:
        for kind in kinds or filing.REQUIRED_DOCUMENTS:
            filing.attach_document(
                self.session,
                actor=self.actors[exporter],
                clock=self.clock,
                settings=self.settings,
                application_id=self.cases[name].id,
                kind=kind,
                filename=f"{self.cases[name].reference}-{kind}.pdf",
                media_type="application/pdf",
                content=f"%PDF-1.4 demo {kind} for {self.cases[name].reference}\n".encode(),
            )

    def step(self, name: str, who: str, action: Action, reason: str = "", **kw: Any) -> None:
        review.transition(
            self.session,
            actor=self.actors[who],
            clock=self.clock,
            settings=self.settings,
            application_id=self.cases[name].id,
            action=action,
            reason=reason,
            **kw,
        )

    def decide(self, name: str, who: str, **body: Any) -> None:
        decisions.decide(
            self.session,
            actor=self.actors[who],
            clock=self.clock,
            settings=self.settings,
            application_id=self.cases[name].id,
            data=DecisionIn.model_validate(body),
        )


def _party(name: str, country: str, address: str) -> dict[str, str]:
    return {"name": name, "country": country, "address": address}


RHEINLAND = _party("Rheinland Antriebstechnik GmbH", "DE", "Industriestr. 12, 50667 Koeln")
GREAT_LAKES = _party("Great Lakes Motor Works Inc.", "US", "400 Lakeshore Dr, Cleveland, OH")
OSAKA = _party("Osaka Seimitsu Motor K.K.", "JP", "2-1 Umeda, Kita-ku, Osaka")
CASCADE = _party("Cascade Defense Systems LLC", "US", "77 Harbor Way, Tacoma, WA")
HANSEONG = _party("Hanseong Electronics Co., Ltd.", "KR", "15 Teheran-ro, Gangnam-gu, Seoul")
NORDVIND = _party("Nordvind Turbiner A/S", "DK", "Havnegade 4, 6700 Esbjerg")
TORINO = _party("Torino Imaging S.p.A.", "IT", "Via Nizza 30, 10126 Torino")
LYON = _party("Lumiere Imagerie Medicale SAS", "FR", "8 quai Perrache, 69002 Lyon")
AERO = _party("Sao Paulo Aeroespacial Ltda.", "BR", "Av. Paulista 900, Sao Paulo")


def _line(code: str, hs: str, kg: str, value: str, description: str) -> dict[str, str]:
    return {
        "control_code": code,
        "hs_code": hs,
        "quantity_kg": kg,
        "value": value,
        "currency": "USD",
        "description": description,
    }


def _application(
    consignee: dict[str, str],
    end_use: str,
    statement: str,
    contract: str,
    lines: list[dict[str, str]],
    license_type: str = "single",
    end_user: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "license_type": license_type,
        "consignee": consignee,
        "end_user": end_user or consignee,
        "end_use_category": end_use,
        "end_use_statement": statement,
        "contract_reference": contract,
        "lines": lines,
    }
