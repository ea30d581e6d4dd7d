"""The demo caseload: three earlier approvals, then the June-July 2025 cases."""

from __future__ import annotations

from datetime import date, timedelta

from rarex.demo.world import (
    AERO,
    CASCADE,
    GREAT_LAKES,
    HANSEONG,
    LYON,
    NORDVIND,
    OSAKA,
    RHEINLAND,
    TORINO,
    DemoWorld,
    _application,
    _line,
)
from rarex.licensing.states import Action


def history(w: DemoWorld) -> None:
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


def caseload(w: DemoWorld) -> None:
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

    # An incomplete application, returned with the list of what is missing: every document
    # was filed (a submission without one is refused), but not every one is what the law asks.
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
    w.documents("returned", "leshan.export")
    w.step("returned", "leshan.export", Action.SUBMIT)
    w.at(date(2025, 6, 12), 11)
    w.step(
        "returned",
        "officer.wang",
        Action.RETURN,
        reason="Application incomplete under Decree 792",
        missing_items=[
            "End-user certificate signed by Lumiere Imagerie Medicale with Chinese translation "
            "(the one filed is unsigned)",
            "Test report of the gadolinium oxide (the technical description gives no purity)",
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
    w.documents("withdrawn", "leshan.export")
    w.step("withdrawn", "leshan.export", Action.SUBMIT)
    w.at(date(2025, 7, 16), 9)
    w.step("withdrawn", "leshan.export", Action.WITHDRAW, reason="Contract cancelled by the buyer")
