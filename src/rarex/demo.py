"""`rarex demo`: a realistic caseload played through weeks of simulated time.

Everything goes through the same services as the API and CLI, with a simulated clock, so the
demo is also an end-to-end check: if a rule breaks, the demo fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import Engine, MetaData
from sqlalchemy.orm import Session

from rarex.audit.service import verify
from rarex.auth.roles import Actor, Role
from rarex.auth.service import create_user, declare_conflict, issue_token, to_actor
from rarex.clock import AUTHORITY_TZ, FixedClock, authority_date
from rarex.config import Settings
from rarex.db import make_sessionmaker, session_scope
from rarex.errors import Forbidden
from rarex.licensing import decisions, filing, review, views
from rarex.licensing.green_channel import DEFAULT_POLICY
from rarex.licensing.schemas import ApplicationCreate, DecisionIn
from rarex.licensing.states import Action
from rarex.migrations import upgrade_database
from rarex.models import Application, Company
from rarex.parties.identifiers import organisation_code_check_character, uscc_check_character
from rarex.parties.service import record_violation, register_company

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


def _setup_people(w: DemoWorld) -> None:
    w.at(DEMO_START, 8)
    exporters = {
        "ganzhou": (
            "Ganzhou Ganli Rare Earth Magnet Co., Ltd.",
            "赣州赣力稀土磁材有限公司",
            "360700",
            "71234560",
            date(2023, 3, 1),
        ),
        "baotou": (
            "Baotou Beifang Magnetics Co., Ltd.",
            "包头北方磁业有限公司",
            "150200",
            "61523470",
            date(2024, 6, 1),
        ),
        "leshan": (
            "Leshan Samarium-Cobalt Materials Co., Ltd.",
            "乐山钐钴材料有限公司",
            "511100",
            "58812340",
            None,
        ),
        "changting": (
            "Fujian Changting Rare Metals Co., Ltd.",
            "福建长汀稀有金属有限公司",
            "350821",
            "49901230",
            date(2022, 9, 1),
        ),
    }
    for key, (name, name_zh, region, body8, icp) in exporters.items():
        w.companies[key] = register_company(
            w.session,
            clock=w.clock,
            actor=None,
            uscc=demo_uscc(region, body8),
            name=name,
            name_zh=name_zh,
            compliance_programme_on=icp,
        )
    record_violation(
        w.session,
        clock=w.clock,
        actor=None,
        company_id=w.companies["changting"].id,
        occurred_on=date(2024, 3, 18),
        description="Exported scandium oxide under a licence for a different end user",
        penalty_reference="MOFCOM penalty decision (demo) 2024-017",
    )
    people: list[tuple[str, Role, str | None, list[str]]] = [
        ("admin", Role.ADMINISTRATOR, None, []),
        ("officer.li", Role.LICENSING_OFFICER, None, []),
        ("officer.wang", Role.LICENSING_OFFICER, None, []),
        ("customs.zhao", Role.CUSTOMS_OFFICER, None, []),
        ("analyst.chen", Role.ANALYST, None, []),
        ("eu.liaison", Role.PARTNER_AUTHORITY, None, sorted(DEFAULT_POLICY.partner_groups["EU"])),
        *[(f"{key}.export", Role.EXPORTER, key, []) for key in exporters],
    ]
    for username, role, company, countries in people:
        user = create_user(
            w.session,
            clock=w.clock,
            actor=None,
            username=username,
            display_name=username,
            role=role,
            company_id=w.companies[company].id if company else None,
            partner_countries=countries,
        )
        w.actors[username] = to_actor(user)
        w.tokens[username] = issue_token(
            w.session, clock=w.clock, actor=None, user_id=user.id, label="demo"
        )
    # officer.wang used to work for Baotou's parent: he may not decide its cases.
    declare_conflict(
        w.session,
        clock=w.clock,
        actor=None,
        user_id=w.actors["officer.wang"].user_id,
        company_id=w.companies["baotou"].id,
        reason="Former employee of the applicant's parent company (until 2023)",
    )


def _history(w: DemoWorld) -> None:
    """Three earlier approvals to the same German end user build Ganzhou's track record."""
    starts = [date(2025, 4, 14), date(2025, 4, 21), date(2025, 4, 28)]
    for i, start in enumerate(starts, start=1):
        name = f"history-{i}"
        w.at(start, 9)
        w.file(
            name,
            "ganzhou.export",
            _application(
                RHEINLAND,
                "ev_motors",
                "NdFeB traction-motor magnets with dysprosium for passenger EVs; no re-transfer.",
                f"GGL-RAT-2025-0{i}",
                [_line("1C905.a", "2805301200", "300", "135000", "Dysprosium metal")],
            ),
        )
        w.documents(name, "ganzhou.export")
        w.step(name, "ganzhou.export", Action.SUBMIT)
        w.at(start + timedelta(days=1), 10)
        w.step(name, "officer.li", Action.ACCEPT)
        w.step(name, "officer.li", Action.START_REVIEW)
    for i, day in enumerate([date(2025, 5, 6), date(2025, 5, 13), date(2025, 5, 20)], start=1):
        w.at(day, 15)
        w.decide(
            f"history-{i}",
            "officer.li",
            outcome="approved",
            reason="Civil end use verified with the end-user certificate",
        )


def _caseload(w: DemoWorld) -> None:
    # An EU case in the ordinary lane: new exporter-end user pair, accepted early; at risk.
    w.at(date(2025, 5, 23), 9)
    w.file(
        "eu-ordinary",
        "leshan.export",
        _application(
            TORINO,
            "medical_imaging",
            "SmCo magnets for MRI gradient coils; installed in Italy, no re-export.",
            "LSC-TOR-2505",
            [_line("1C902.a", "8486909110", "120", "96000", "Samarium-cobalt sputtering targets")],
        ),
    )
    w.documents("eu-ordinary", "leshan.export")
    w.step("eu-ordinary", "leshan.export", Action.SUBMIT)
    w.at(date(2025, 5, 26), 10)
    w.step("eu-ordinary", "officer.wang", Action.ACCEPT)
    w.step("eu-ordinary", "officer.wang", Action.START_REVIEW)

    # The green-channel case: EU partner, civil use, trusted exporter, known end user.
    w.at(date(2025, 6, 9), 9)
    w.file(
        "eu-green",
        "ganzhou.export",
        _application(
            RHEINLAND,
            "ev_motors",
            "Dysprosium for grain-boundary diffusion in EV traction magnets; no re-transfer.",
            "GGL-RAT-2025-06",
            [
                _line("1C905.a", "2805301200", "800", "360000", "Dysprosium metal"),
                _line("1C904.a", "2805301300", "150", "165000", "Terbium metal"),
            ],
        ),
    )
    w.documents("eu-green", "ganzhou.export")
    w.step("eu-green", "ganzhou.export", Action.SUBMIT)

    # A US case on the ordinary lane, with a question to the applicant on the way.
    w.file(
        "us-ordinary",
        "baotou.export",
        _application(
            GREAT_LAKES,
            "ev_motors",
            "SmCo magnets for high-temperature EV pump motors assembled in Ohio.",
            "BBM-GLM-0609",
            [_line("1C902.a", "2805301910", "2000", "520000", "Samarium-cobalt alloy")],
        ),
    )
    w.documents("us-ordinary", "baotou.export")
    w.step("us-ordinary", "baotou.export", Action.SUBMIT)

    w.at(date(2025, 6, 10), 10)
    w.step("eu-green", "officer.li", Action.ACCEPT)
    w.step("eu-green", "officer.li", Action.START_REVIEW)
    w.step("us-ordinary", "officer.li", Action.ACCEPT)
    w.step("us-ordinary", "officer.li", Action.START_REVIEW)

    # An incomplete application, returned with the list of what is missing.
    w.at(date(2025, 6, 11), 9)
    w.file(
        "returned",
        "leshan.export",
        _application(
            LYON,
            "medical_imaging",
            "Gadolinium oxide for MRI contrast agent synthesis.",
            "LSC-LYO-0611",
            [_line("1C903.b", "2846901993", "40", "22000", "Gadolinium oxide")],
        ),
    )
    w.documents("returned", "leshan.export", ("contract", "end_use_statement"))
    w.step("returned", "leshan.export", Action.SUBMIT)
    w.at(date(2025, 6, 12), 11)
    w.step(
        "returned",
        "officer.wang",
        Action.RETURN,
        reason="Application incomplete under Decree 792",
        missing_items=[
            "End-user certificate signed by Lumiere Imagerie Medicale with Chinese translation",
            "Technical description or test report of the gadolinium oxide",
        ],
    )

    # A case waiting for the applicant's answer: the clock is stopped.
    w.at(date(2025, 6, 16), 9)
    w.file(
        "info-request",
        "baotou.export",
        _application(
            OSAKA,
            "industrial_automation",
            "Yttrium for servo-motor magnets in factory robots.",
            "BBM-OSK-0616",
            [_line("1C908.a", "2805301700", "600", "54000", "Yttrium metal")],
        ),
    )
    w.documents("info-request", "baotou.export")
    w.step("info-request", "baotou.export", Action.SUBMIT)
    w.at(date(2025, 6, 17), 10)
    w.step("info-request", "officer.li", Action.ACCEPT)
    w.step("info-request", "officer.li", Action.START_REVIEW)

    w.at(date(2025, 6, 18), 16)
    w.decide(
        "eu-green",
        "officer.li",
        outcome="approved",
        reason="Green channel: EU civil end use, known end user, exporter in good standing",
        conditions=["Report each shipment to the licensing authority within 10 working days"],
    )

    w.at(date(2025, 6, 20), 10)
    w.step(
        "us-ordinary",
        "officer.li",
        Action.REQUEST_INFORMATION,
        reason="Provide the motor model list and the end user's annual consumption",
    )
    w.step(
        "info-request",
        "officer.li",
        Action.REQUEST_INFORMATION,
        reason="Provide product photos and the robot maker's end-use certificate",
    )

    # Defence end use: denied in principle.
    w.at(date(2025, 6, 23), 9)
    w.file(
        "defence",
        "changting.export",
        _application(
            CASCADE,
            "defence",
            "Scandium-aluminium alloy for missile airframe components.",
            "FCR-CDS-0623",
            [_line("1C907.a", "2805301800", "50", "210000", "Scandium metal")],
        ),
    )
    w.documents("defence", "changting.export")
    w.step("defence", "changting.export", Action.SUBMIT)
    w.at(date(2025, 6, 24), 10)
    w.step("defence", "officer.li", Action.ACCEPT)
    w.step("defence", "officer.li", Action.START_REVIEW)

    # A general license for repeated shipments to one electronics maker.
    w.at(date(2025, 6, 25), 9)
    w.file(
        "general",
        "ganzhou.export",
        _application(
            HANSEONG,
            "consumer_electronics",
            "Yttrium and gadolinium for phosphors and sensors in consumer devices, Korea only.",
            "GGL-HSE-FRAME-2025",
            [
                _line("1C908.b", "2846901993", "5000", "210000", "Yttrium oxide"),
                _line("1C903.a", "2805301910", "1200", "98000", "Gadolinium metal"),
            ],
            license_type="general",
        ),
    )
    w.documents("general", "ganzhou.export")
    w.step("general", "ganzhou.export", Action.SUBMIT)
    w.at(date(2025, 6, 26), 10)
    w.step("general", "officer.li", Action.ACCEPT)
    w.step("general", "officer.li", Action.START_REVIEW)
    w.at(date(2025, 6, 27), 15)
    w.decide(
        "defence",
        "officer.li",
        outcome="denied",
        reason="Declared military end use; export denied in principle",
        reason_codes=["military_end_use", "national_security"],
    )

    # A wind-turbine case from an exporter with a recent violation: consultation, clock stopped.
    w.at(date(2025, 6, 30), 9)
    w.file(
        "consultation",
        "changting.export",
        _application(
            NORDVIND,
            "wind_turbines",
            "Dysprosium-bearing magnets for offshore wind generators.",
            "FCR-NVT-0630",
            [_line("1C905.b", "2846901993", "900", "180000", "Dysprosium oxide")],
        ),
    )
    w.documents("consultation", "changting.export")
    w.step("consultation", "changting.export", Action.SUBMIT)
    w.at(date(2025, 7, 1), 10)
    w.step("consultation", "officer.li", Action.ACCEPT)
    w.step("consultation", "officer.li", Action.START_REVIEW)
    w.step(
        "us-ordinary",
        "baotou.export",
        Action.SUPPLY_INFORMATION,
        reason="Motor model list and consumption figures supplied",
    )
    w.at(date(2025, 7, 2), 10)
    w.step(
        "consultation",
        "officer.li",
        Action.START_CONSULTATION,
        reason="Exporter penalised in 2024: consult the customs and industry departments",
    )

    # A civil aerospace case referred to the State Council: off the ordinary clock.
    w.at(date(2025, 7, 3), 9)
    w.file(
        "referred",
        "baotou.export",
        _application(
            AERO,
            "aerospace_civil",
            "Samarium-cobalt magnets for actuators in regional passenger aircraft.",
            "BBM-SPA-0703",
            [_line("1C902.a", "2805301910", "3000", "780000", "Samarium-cobalt alloy")],
        ),
    )
    w.documents("referred", "baotou.export")
    w.step("referred", "baotou.export", Action.SUBMIT)
    w.at(date(2025, 7, 4), 10)
    w.step("referred", "officer.li", Action.ACCEPT)
    w.step("referred", "officer.li", Action.START_REVIEW)
    w.at(date(2025, 7, 7), 10)
    w.step(
        "referred",
        "officer.li",
        Action.REFER,
        reason="Volume and actuator use raise a major national-security question",
    )

    w.at(date(2025, 7, 8), 15)
    w.decide(
        "general",
        "officer.li",
        outcome="approved",
        reason="Stable end user; exporter has a compliance programme on file",
        conditions=["Half-yearly usage report", "No re-export outside the Republic of Korea"],
    )

    # The US case is decided for less than requested.
    w.at(date(2025, 7, 10), 15)
    w.decide(
        "us-ordinary",
        "officer.li",
        outcome="approved",
        reason="Approved for the documented annual consumption only",
        granted_kg={1: "1500"},
        conditions=["Shipments only to the Cleveland plant"],
    )

    # An applicant changes its mind.
    w.at(date(2025, 7, 14), 9)
    w.file(
        "withdrawn",
        "leshan.export",
        _application(
            TORINO,
            "research",
            "Lutetium for scintillator crystal research at a university lab.",
            "LSC-TOR-0714",
            [_line("1C906.a", "2805301910", "5", "30000", "Lutetium metal")],
        ),
    )
    w.step("withdrawn", "leshan.export", Action.SUBMIT)
    w.at(date(2025, 7, 16), 9)
    w.step("withdrawn", "leshan.export", Action.WITHDRAW, reason="Contract cancelled by the buyer")

    w.clock.set(DEMO_END)


def summary(w: DemoWorld) -> dict[str, Any]:
    officer = w.actors["officer.li"]
    rows = []
    for name, application in w.cases.items():
        view = views.application_view(
            w.session, actor=officer, clock=w.clock, settings=w.settings, key=application.id
        )
        clock = view.clock or {}
        rows.append(
            {
                "case": name,
                "reference": view.reference,
                "exporter": view.exporter.name,
                "destination": view.destination,
                "end_use": view.end_use_category,
                "license_type": view.license_type,
                "state": view.state,
                "lane": view.lane,
                "working_days_used": clock.get("used"),
                "working_days_left": clock.get("remaining"),
                "due_date": clock.get("due_date"),
                "at_risk": clock.get("at_risk", False),
                "overdue": clock.get("overdue", False),
                "stopped": clock.get("stopped", False),
                "off_clock": clock.get("off_clock", False),
                "decision": view.decision.outcome if view.decision else None,
                "license": view.license_number,
            }
        )
    licenses = [
        {
            "number": lic.number,
            "type": lic.license_type,
            "status": lic.status,
            "exporter": lic.exporter.name,
            "destination": lic.destination,
            "valid_until": lic.valid_until.isoformat(),
            "lines": [
                {
                    "code": ln.control_code,
                    "granted_kg": str(ln.granted_kg),
                    "remaining_kg": str(ln.remaining_kg),
                }
                for ln in lic.lines
            ],
        }
        for lic in views.list_license_views(
            w.session, actor=officer, on=authority_date(w.clock.now())
        )
    ]
    lanes = [
        lane.model_dump(mode="json")
        for lane in review.lane_performance(
            w.session, actor=officer, clock=w.clock, settings=w.settings
        )
    ]
    audit = verify(w.session)
    return {
        "today": w.clock.now().isoformat(),
        "applications": rows,
        "licenses": licenses,
        "lanes": lanes,
        "audit": {"ok": audit.ok, "events": audit.checked},
        "tokens": w.tokens,
    }


def reset_database(engine: Engine) -> None:
    """Drop every table (ours and Alembic's), then migrate from scratch."""
    metadata = MetaData()
    metadata.reflect(bind=engine)
    metadata.drop_all(bind=engine)
    upgrade_database(engine)


def print_summary(console: Console, result: dict[str, Any]) -> None:
    console.print(f"\n[bold]Rarex demo[/] — simulated today: {result['today']}\n")
    table = Table(title="Applications", show_lines=False)
    for column in (
        "reference",
        "case",
        "exporter",
        "dest",
        "state",
        "lane",
        "used",
        "left",
        "due",
        "flags",
        "decision",
    ):
        table.add_column(column)
    for r in result["applications"]:
        flags = " ".join(f for f in ("at_risk", "overdue", "stopped", "off_clock") if r[f])
        table.add_row(
            r["reference"],
            r["case"],
            r["exporter"].split()[0],
            r["destination"],
            r["state"],
            r["lane"],
            "" if r["working_days_used"] is None else str(r["working_days_used"]),
            "" if r["working_days_left"] is None else str(r["working_days_left"]),
            r["due_date"] or "",
            flags,
            r["decision"] or "",
        )
    console.print(table)
    lic = Table(title="Licenses and balances")
    for column in (
        "number",
        "type",
        "exporter",
        "dest",
        "valid until",
        "item",
        "granted kg",
        "remaining kg",
    ):
        lic.add_column(column)
    for item in result["licenses"]:
        for line in item["lines"]:
            lic.add_row(
                item["number"],
                item["type"],
                item["exporter"].split()[0],
                item["destination"],
                item["valid_until"],
                line["code"],
                line["granted_kg"],
                line["remaining_kg"],
            )
    console.print(lic)
    lanes = Table(title="Lane performance (working days from acceptance to decision)")
    for column in ("lane", "decided", "median", "p90", "approved", "denied"):
        lanes.add_column(column)
    for lane in result["lanes"]:
        lanes.add_row(
            lane["lane"],
            str(lane["decided"]),
            str(lane["median_working_days"] or "—"),
            str(lane["p90_working_days"] or "—"),
            str(lane["approved"]),
            str(lane["denied"]),
        )
    console.print(lanes)
    audit = result["audit"]
    console.print(
        f"audit log: {'[green]intact[/]' if audit['ok'] else '[red]BROKEN[/]'}, "
        f"{audit['events']} hash-chained events"
    )
    console.print("\nAPI tokens for the demo users (development only):")
    for username in ("officer.li", "ganzhou.export", "eu.liaison", "admin"):
        console.print(f"  {username:16} {result['tokens'][username]}")
    console.print(
        "\nSee it live as of the simulated day: "
        f"RAREX_FROZEN_TIME={DEMO_END.isoformat()} rarex serve"
    )


STEPS: list[tuple[str, Callable[[DemoWorld], None]]] = [
    ("exporters, end users and officers", _setup_people),
    ("three earlier approvals (April-May 2025)", _history),
    ("June-July 2025 caseload", _caseload),
]


def play_demo(settings: Settings, engine: Engine, console: Console) -> dict[str, Any]:
    """Wipe the database, play the caseload, return the summary. Callers confirm first."""
    if settings.environment == "production":
        raise Forbidden(
            "the demo wipes the database; it never runs in production", code="demo.refused"
        )
    reset_database(engine)
    clock = FixedClock(datetime.combine(DEMO_START, time(8, 0), tzinfo=AUTHORITY_TZ))
    with session_scope(make_sessionmaker(engine)) as session:
        world = DemoWorld(session=session, clock=clock, settings=settings)
        with Progress(console=console, disable=not console.is_terminal, transient=True) as bar:
            task = bar.add_task("demo", total=len(STEPS))
            for label, step in STEPS:
                bar.update(task, description=label)
                step(world)
                bar.advance(task)
        return summary(world)
