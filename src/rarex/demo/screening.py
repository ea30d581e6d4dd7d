"""The demo's watch lists and the case they stop: MOFCOM's control list (a sample of
Announcement 2025 No. 1 shipped with the package), loaded before the June caseload so every
submission is screened, and a US end user on it, whose application is denied in principle."""

from __future__ import annotations

from datetime import date
from importlib.resources import files
from typing import Any

from rarex.demo.world import DemoWorld, _application, _line, _party
from rarex.errors import Conflict
from rarex.licensing import screening as case_screening
from rarex.licensing.states import Action
from rarex.screening import lists as watch_lists
from rarex.screening import service as screening

SAMPLE = "china-control-list-sample.csv"
GENERAL_DYNAMICS = _party("General Dynamics Corporation", "US", "11011 Sunset Hills Rd, Reston, VA")


def watch_lists_loaded(w: DemoWorld) -> None:
    w.at(date(2025, 5, 21), 9)
    data = files("rarex.demo").joinpath("data", SAMPLE).read_bytes()
    result = watch_lists.import_list(
        w.session,
        actor=w.actors["admin"],
        clock=w.clock,
        fmt="cn-mofcom-csv",
        files=[data],
        file_names=[SAMPLE],
        shrink_limit=w.settings.list_shrink_limit,
    )
    w.notes["watch_lists"] = result.to_dict()


def listed_end_user(w: DemoWorld) -> None:
    """Baotou applies to ship to General Dynamics: screened on submission, the officer confirms
    the hit, approval is refused by the control-list rule, and the case is denied."""
    w.at(date(2025, 7, 16), 14)
    w.file(
        "listed-end-user",
        "baotou.export",
        _application(
            GENERAL_DYNAMICS,
            "ev_motors",
            "NdFeB magnets for hybrid drive units of utility vehicles assembled in Michigan.",
            "BBM-GD-0716",
            [_line("1C902.a", "2805301910", "600", "168000", "Samarium-cobalt alloy")],
        ),
    )
    w.documents("listed-end-user", "baotou.export")
    w.step("listed-end-user", "baotou.export", Action.SUBMIT)
    w.at(date(2025, 7, 17), 10)
    w.step("listed-end-user", "officer.li", Action.ACCEPT)
    w.step("listed-end-user", "officer.li", Action.START_REVIEW)
    application = w.cases["listed-end-user"]
    for hit in screening.hits(w.session, application.id):
        same = hit.listed_name == "General Dynamics"
        screening.resolve_hit(
            w.session,
            actor=w.actors["officer.li"],
            clock=w.clock,
            hit_id=hit.id,
            decision="confirm" if same else "dismiss",
            reason=(
                "Same company: General Dynamics Corporation, Reston VA, as listed"
                if same
                else f"Not this party: {hit.listed_name} is a separately listed subsidiary"
            ),
        )
    try:
        case_screening.ensure_may_approve(
            w.session,
            clock=w.clock,
            settings=w.settings,
            application=application,
            on=date(2025, 7, 17),
        )
    except Conflict as refused:
        w.notes["approval_refused"] = {"code": refused.code, "message": refused.message}
    w.decide(
        "listed-end-user",
        "officer.li",
        outcome="denied",
        reason="End user on the export control list (MOFCOM Announcement 2025 No. 1)",
        reason_codes=["control_list_party"],
    )


def screening_summary(w: DemoWorld) -> dict[str, Any]:
    rows = []
    for name, application in w.cases.items():
        for hit in screening.hits(w.session, application.id):
            rows.append(
                {
                    "case": name,
                    "party": f"{hit.party_role}: {hit.party_name}",
                    "entity_id": hit.entity_id,
                    "listed_name": hit.listed_name,
                    "announcement": hit.announcement,
                    "score": hit.score,
                    "status": hit.status,
                }
            )
    return {
        "watch_lists": w.notes.get("watch_lists"),
        "screening_hits": rows,
        "approval_refused": w.notes.get("approval_refused"),
    }
