"""What the demo prints: a summary built from the same views the API serves."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rarex.audit.service import verify
from rarex.clock import authority_date
from rarex.demo.world import DEMO_END, DemoWorld
from rarex.licensing import queue, views
from rarex.pagination import MAX_LIMIT


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
            w.session, actor=officer, on=authority_date(w.clock.now()), limit=MAX_LIMIT
        ).items
    ]
    lanes = [
        lane.model_dump(mode="json")
        for lane in queue.lane_performance(
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
        "passwords": w.passwords,
    }


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
    partner = result.get("partner")
    if partner:
        figures = partner["outcomes"]
        console.print(
            f"EU partner desk: inquiries {partner['inquiry_answered']} (answered) and "
            f"{partner['inquiry_waiting']} ({partner['inquiries_overdue']} overdue), priority list "
            f"{partner['priority_list']}, trusted end user {partner['trusted_party']}; "
            f"{figures['received']} EU applications received, {figures['approved']} approved, "
            f"{figures['denied']} denied",
            highlight=False,
        )
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
    customs = Table(title="Customs declarations (July 2025)")
    for column in ("number", "exporter", "license", "dest", "kg", "status", "reasons"):
        customs.add_column(column)
    for d in result["declarations"]:
        customs.add_row(
            d["number"], d["exporter"].split()[0], d["license"] or "—", d["destination"],
            d["kg"], d["status"], ", ".join(d["reasons"]),
        )  # fmt: skip
    console.print(customs)
    stats = result["statistics"]
    month = Table(title=f"Exports cleared in {stats['period']} (from declarations)")
    for column in ("by", "key", "tonnes", "lines"):
        month.add_column(column)
    for dimension in ("series", "destination"):
        for total in stats[dimension]:
            tonnes = (Decimal(total["net_kg"]) / 1000).quantize(Decimal("0.001"))
            month.add_row(dimension, total["key"], str(tonnes), str(total["lines"]))
    console.print(month)
    hits = Table(title="Screening hits (parties against MOFCOM's control list)")
    for column in ("case", "party", "entry", "listed as", "score", "status"):
        hits.add_column(column)
    for h in result.get("screening_hits", []):
        hits.add_row(
            h["case"], escape(h["party"]), h["entity_id"], escape(h["listed_name"]),
            f"{h['score']:.2f}", h["status"],
        )  # fmt: skip
    console.print(hits)
    refused = result.get("approval_refused")
    if refused:
        console.print(f"approval refused: {refused['code']}: {escape(refused['message'])}")
    audit = result["audit"]
    console.print(
        f"audit log: {'[green]intact[/]' if audit['ok'] else '[red]BROKEN[/]'}, "
        f"{audit['events']} hash-chained events"
    )
    console.print("\nAPI tokens for the demo users (development only):")
    for username in ("officer.li", "ganzhou.export", "eu.liaison", "admin"):
        console.print(f"  {username:16} {result['tokens'][username]}")
    console.print(
        "\nSign-in passwords for the demo users (the demo's own: production refuses to start "
        "while any is in use; `rarex users set-password USER` replaces one):"
    )
    for username, password in result["passwords"].items():
        console.print(f"  {username:16} {password}")
    console.print(
        "\nSee it live as of the simulated day: "
        f"RAREX_FROZEN_TIME={DEMO_END.isoformat()} rarex serve"
    )
