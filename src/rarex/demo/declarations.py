"""The demo's customs week: shipments cleared, held and refused against the demo licenses,
then the month's export statistics from the cleared declarations."""

from __future__ import annotations

from datetime import date
from typing import Any

from rarex.customs import filing as customs_filing
from rarex.customs import repository as customs_repository
from rarex.customs import views as customs_views
from rarex.customs.schemas import DeclarationIn
from rarex.demo.world import DemoWorld

PORT = "Shanghai Yangshan"


def _license_of(w: DemoWorld, case: str) -> str:
    number = w.case_license(case)
    if number is None:
        raise RuntimeError(f"demo case {case} has no license")
    return number


def _declare(w: DemoWorld, day: date, body: dict[str, Any]) -> None:
    w.at(day, 14)
    customs_filing.file_declaration(
        w.session,
        actor=w.actors["customs.zhao"],
        clock=w.clock,
        settings=w.settings,
        data=DeclarationIn.model_validate({"port": PORT, **body}),
    )
    w.declarations.append(body["number"])


def _line(hs: str, kg: str, fob: str, code: str | None = None, text: str = "") -> dict[str, Any]:
    line: dict[str, Any] = {"hs_code": hs, "net_kg": kg, "fob_value": fob, "description": text}
    if code is not None:
        line["control_code"] = code
    return line


def customs_week(w: DemoWorld) -> None:
    ganzhou = w.companies["ganzhou"].uscc
    baotou = w.companies["baotou"].uscc
    changting = w.companies["changting"].uscc
    rheinland = {"name": "Rheinland Antriebstechnik GmbH", "country": "DE"}
    great_lakes = {"name": "Great Lakes Motor Works Inc.", "country": "US"}
    hanseong = {"name": "Hanseong Electronics Co., Ltd.", "country": "KR"}

    # Dysprosium and terbium to Germany under the green-channel license: cleared, drawn down.
    _declare(w, date(2025, 7, 18), {
        "number": "222020250718000101", "exporter_uscc": ganzhou,
        "license_number": _license_of(w, "eu-green"), "destination": "DE", "consignee": rheinland,
        "lines": [
            _line("2805301200", "300", "135000", "1C905.a", "Dysprosium metal"),
            _line("2805301300", "50", "55000", "1C904.a", "Terbium metal"),
        ],
    })  # fmt: skip
    # More samarium-cobalt than the US license has left: refused, the balance untouched.
    _declare(w, date(2025, 7, 21), {
        "number": "222020250721000102", "exporter_uscc": baotou,
        "license_number": _license_of(w, "us-ordinary"), "destination": "US",
        "consignee": great_lakes,
        "lines": [_line("2805301910", "1600", "416000", "1C902.a", "Samarium-cobalt alloy")],
    })  # fmt: skip
    # The same shipment cut to what was granted: cleared.
    _declare(w, date(2025, 7, 22), {
        "number": "222020250722000103", "exporter_uscc": baotou,
        "license_number": _license_of(w, "us-ordinary"), "destination": "US",
        "consignee": great_lakes,
        "lines": [_line("2805301910", "1000", "260000", "1C902.a", "Samarium-cobalt alloy")],
    })  # fmt: skip
    # Scandium without any license: controlled goods, refused.
    _declare(w, date(2025, 7, 22), {
        "number": "222020250722000104", "exporter_uscc": changting,
        "destination": "US", "consignee": {"name": "Cascade Defense Systems LLC", "country": "US"},
        "lines": [_line("2805301800", "20", "84000", "1C907.a", "Scandium metal")],
    })  # fmt: skip
    # Yttrium oxide under the general license, but bound for Japan: held for an officer.
    _declare(w, date(2025, 7, 23), {
        "number": "222020250723000105", "exporter_uscc": ganzhou,
        "license_number": _license_of(w, "general"), "destination": "JP",
        "consignee": {"name": "Osaka Seimitsu Motor K.K.", "country": "JP"},
        "lines": [_line("2846901993", "800", "33600", "1C908.b", "Yttrium oxide")],
    })  # fmt: skip
    # The same product to Korea, as licensed: cleared.
    _declare(w, date(2025, 7, 24), {
        "number": "222020250724000106", "exporter_uscc": ganzhou,
        "license_number": _license_of(w, "general"), "destination": "KR", "consignee": hanseong,
        "lines": [_line("2846901993", "2000", "84000", "1C908.b", "Yttrium oxide")],
    })  # fmt: skip
    # Lanthanum-cerium metal is not on the control list: cleared without a license, and
    # counted in the headline rare-earth statistics all the same.
    _declare(w, date(2025, 7, 24), {
        "number": "222020250724000107", "exporter_uscc": baotou,
        "destination": "US", "consignee": great_lakes,
        "lines": [_line("2805301100", "12000", "96000", None, "Lanthanum-cerium misch metal")],
    })  # fmt: skip


def declarations_summary(w: DemoWorld, period: str) -> dict[str, Any]:
    officer = w.actors["customs.zhao"]
    rows = []
    for number in w.declarations:
        view = customs_views.declaration_view(w.session, actor=officer, number=number)
        rows.append(
            {
                "number": view.number,
                "exporter": view.exporter.name,
                "license": view.license_number,
                "destination": view.destination,
                "status": view.status,
                "kg": str(sum((line.net_kg for line in view.lines), start=0)),
                "reasons": sorted(
                    {r.code for line in view.lines for r in line.reasons if r.severity != "info"}
                ),
            }
        )
    statistics = {
        dimension: [
            total.to_dict()
            for total in customs_repository.monthly_totals(w.session, period=period, by=dimension)
        ]
        for dimension in ("series", "destination")
    }
    return {"declarations": rows, "statistics": {"period": period, **statistics}}
