"""The EU partner desk at work (17-18 July 2025): an inquiry answered and one left waiting past its
reply target, a priority list with one item accepted and one declined, and a trusted end user
proposed, approved, and recognised by the green channel in a new application."""

from __future__ import annotations

from datetime import date
from typing import Any

from rarex.demo.world import NORDVIND, DemoWorld, _application, _line
from rarex.licensing.states import Action
from rarex.parties import trusted
from rarex.parties.schemas import IdentifierIn, TrustedPartyDecisionIn, TrustedPartyIn
from rarex.partners import inquiries, priorities
from rarex.partners.notices import remind_overdue_inquiries
from rarex.partners.outcomes import outcome_figures
from rarex.partners.schemas import PriorityDecisionIn, PriorityListIn


def partner_desk(w: DemoWorld) -> None:
    eu, officer = w.actors["eu.liaison"], w.actors["officer.li"]
    clock, settings = w.clock, w.settings

    # Asked on Thursday 17 July and not answered: overdue from Friday 25 July (5 working days).
    w.at(date(2025, 7, 17), 14)
    waiting = inquiries.open_inquiry(
        w.session, actor=eu, subject="Consultation on the Esbjerg wind-turbine case",
        body="Which departments are consulted, and how long is the consultation expected to take?",
        application_reference=w.cases["consultation"].reference, clock=clock, settings=settings,
    )  # fmt: skip
    w.at(date(2025, 7, 17), 15)
    asked = inquiries.open_inquiry(
        w.session, actor=eu, subject="MRI magnets for Torino Imaging",
        body="The hospital supplier in Turin reports a production stop in August. "
        "Is anything missing from the exporter's file?",
        application_reference=w.cases["eu-ordinary"].reference, clock=clock, settings=settings,
    )  # fmt: skip
    w.at(date(2025, 7, 17), 16)
    inquiries.write(
        w.session, actor=officer, number=asked.number,
        body="Nothing is missing. The review is under way; the statutory limit is 29 July.",
        clock=clock, settings=settings,
    )  # fmt: skip
    w.at(date(2025, 7, 17), 17)
    listed = priorities.submit_priority_list(
        w.session, actor=eu, clock=w.clock,
        data=PriorityListIn.model_validate({
            "note": "Two supply-critical cases for EU industry",
            "items": [
                {"application_reference": w.cases["eu-ordinary"].reference,
                 "reason": "MRI magnet production in Turin stops in August without it"},
                {"application_reference": w.cases["consultation"].reference,
                 "reason": "Offshore wind farm commissioning planned for September"},
            ],
        }),
    )  # fmt: skip
    w.at(date(2025, 7, 18), 9)
    first, second = priorities.priority_list_view(
        w.session, actor=officer, number=listed.number
    ).items
    priorities.decide_priority_item(
        w.session, actor=officer, item_id=first.id, clock=clock, settings=settings,
        data=PriorityDecisionIn(outcome="accepted", reason="Medical supply: examined first"),
    )  # fmt: skip
    priorities.decide_priority_item(
        w.session, actor=officer, item_id=second.id, clock=clock, settings=settings,
        data=PriorityDecisionIn(
            outcome="declined",
            reason="The consultation with other departments must end first; it is not delayed",
        ),
    )  # fmt: skip

    # A trusted end user: proposed, approved, then recognised in a new case.
    w.at(date(2025, 7, 18), 10)
    proposal = trusted.propose(
        w.session, actor=eu, clock=w.clock,
        data=TrustedPartyIn(
            name=NORDVIND["name"], name_zh="诺德风涡轮机公司", country=NORDVIND["country"],
            identifiers=[IdentifierIn(scheme="register", value="CVR 35 21 74 06")],
            address=NORDVIND["address"],
            basis="Internal compliance programme audited by the Danish Business Authority, 2025",
            review_on=date(2026, 7, 18),
        ),
    )  # fmt: skip
    w.at(date(2025, 7, 18), 11)
    trusted.decide(
        w.session, actor=officer, clock=w.clock, number=proposal.number,
        data=TrustedPartyDecisionIn(outcome="approved", reason="Audit report and register checked"),
    )  # fmt: skip
    w.at(date(2025, 7, 18), 12)
    w.file(
        "eu-trusted",
        "ganzhou.export",
        _application(
            NORDVIND,
            "wind_turbines",
            "NdFeB magnets for direct-drive offshore wind generators; no re-transfer.",
            "GGL-NVT-2025-07",
            [_line("1C905.a", "2805301200", "400", "180000", "Dysprosium metal")],
        ),
    )
    w.documents("eu-trusted", "ganzhou.export")
    w.step("eu-trusted", "ganzhou.export", Action.SUBMIT)
    w.at(date(2025, 7, 18), 13)
    w.step("eu-trusted", "officer.li", Action.ACCEPT)
    w.notes["partner"] = {
        "inquiry_answered": asked.number,
        "inquiry_waiting": waiting.number,
        "priority_list": listed.number,
        "trusted_party": proposal.number,
    }


def partner_summary(w: DemoWorld) -> dict[str, Any]:
    """On the demo's last day: the waiting inquiry announced as overdue (as ``rarex serve``
    would), and what the EU desk did, with its outcome figures' totals."""
    remind_overdue_inquiries(w.session, clock=w.clock, settings=w.settings)
    report = outcome_figures(
        w.session, actor=w.actors["officer.li"], clock=w.clock, settings=w.settings, partner="EU"
    )
    overdue = inquiries.overdue_count(
        w.session, actor=w.actors["officer.li"], clock=w.clock, settings=w.settings
    )
    totals = {t.lane: t.model_dump(mode="json") for t in report.totals}
    return {"partner": {"desk": "EU", **w.notes["partner"], "inquiries_overdue": overdue,
                        "outcomes": totals["all"]}}  # fmt: skip
