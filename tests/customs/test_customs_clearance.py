"""The clearance check, pure: every outcome with every reason, on the declared date."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rarex.catalog import load_control_list
from rarex.customs.clearance import check_declaration, check_line
from rarex.customs.facts import (
    DeclarationFacts,
    GoodsLine,
    LicenseFacts,
    LicenseLineFacts,
    Party,
    Severity,
)
from rarex.customs.states import DeclarationStatus, LineStatus

CONTROL_LIST = load_control_list()
EXPORTER = uuid.UUID(int=1)
OTHER = uuid.UUID(int=2)
CONSIGNEE = Party("Rheinland Antriebstechnik GmbH", "DE")
END_USER = Party("Bavaria Motors AG", "DE")
ON = date(2025, 6, 10)
DY_METAL = ("1C905.a", "2805301200")


def license_(**overrides: object) -> LicenseFacts:
    data: dict[str, object] = {
        "number": "DUL-2025-0001",
        "exporter_id": EXPORTER,
        "license_type": "single",
        "status": "active",
        "valid_from": date(2025, 6, 1),
        "valid_until": date(2026, 5, 31),
        "destination": "DE",
        "consignee": CONSIGNEE,
        "end_user": END_USER,
        "lines": (LicenseLineFacts(1, *DY_METAL, Decimal("500")),),
    }
    data.update(overrides)
    return LicenseFacts(**data)  # type: ignore[arg-type]


def goods(
    kg: str = "100", *, hs: str = DY_METAL[1], code: str | None = DY_METAL[0], no: int = 1
) -> GoodsLine:
    return GoodsLine(line_no=no, hs_code=hs, control_code=code, net_kg=Decimal(kg))


def facts(*lines: GoodsLine, **overrides: object) -> DeclarationFacts:
    data: dict[str, object] = {
        "exporter_id": EXPORTER,
        "declared_on": ON,
        "destination": "DE",
        "consignee": CONSIGNEE,
        "license_number": "DUL-2025-0001",
        "license": license_(),
        "lines": lines or (goods(),),
    }
    data.update(overrides)
    return DeclarationFacts(**data)  # type: ignore[arg-type]


def codes(line: object, severity: Severity | None = None) -> set[str]:
    reasons = line.reasons  # type: ignore[attr-defined]
    return {r.code for r in reasons if severity is None or r.severity is severity}


def only(f: DeclarationFacts):  # type: ignore[no-untyped-def]
    result = check_declaration(f, control_list=CONTROL_LIST)
    assert len(result.lines) == 1
    return result.lines[0]


def test_controlled_goods_within_a_valid_license_are_cleared_and_say_what_they_draw() -> None:
    line = only(facts(goods("120")))
    assert line.status is LineStatus.CLEARED
    assert line.controlled
    assert line.control_codes == ("1C905.a",)
    assert line.license_line_no == 1
    assert codes(line) == {"customs.controlled", "customs.drawn"}
    drawn = next(r for r in line.reasons if r.code == "customs.drawn")
    assert drawn.details["remaining_kg"] == "380"
    assert "Announcement 2025 No. 18" in next(
        r.message for r in line.reasons if r.code == "customs.controlled"
    )


def test_goods_not_controlled_need_no_license() -> None:
    # 2805301100: a rare-earth metal line outside every cross-walk entry.
    line = only(facts(goods(hs="2805301100", code=None), license_number=None, license=None))
    assert line.status is LineStatus.CLEARED
    assert not line.controlled
    assert line.license_line_no is None
    assert codes(line) == {"customs.not_controlled"}


def test_a_license_cited_for_uncontrolled_goods_is_noted_and_not_drawn() -> None:
    line = only(facts(goods(hs="2805301100", code=None)))
    assert line.status is LineStatus.CLEARED
    assert line.license_line_no is None
    assert "customs.license_not_needed" in codes(line, Severity.INFO)


@pytest.mark.parametrize(
    ("declared_on", "controlled"),
    [(date(2025, 4, 3), False), (date(2025, 4, 4), True), (date(2025, 11, 20), True)],
)
def test_control_is_judged_on_the_declared_date(declared_on: date, controlled: bool) -> None:
    lic = license_(valid_from=date(2025, 1, 1), valid_until=date(2025, 12, 31))
    line = only(facts(goods(), declared_on=declared_on, license=lic))
    assert line.controlled is controlled
    assert line.status is LineStatus.CLEARED


def test_a_suspended_control_code_does_not_control_goods_outside_the_crosswalk() -> None:
    # 1C910 (erbium) was suspended by Announcement No. 70 before it took effect.
    line = only(
        facts(
            goods(hs="2805301100", code="1C910.a"),
            declared_on=date(2025, 11, 20),
            license_number=None,
            license=None,
        )
    )
    assert line.status is LineStatus.CLEARED
    assert not line.controlled
    assert {"customs.control_code_not_in_force", "customs.not_controlled"} <= codes(line)
    suspended = next(r for r in line.reasons if r.code == "customs.control_code_not_in_force")
    assert "No. 70" in suspended.message


def test_controlled_goods_without_a_license_are_refused() -> None:
    line = only(facts(goods(), license_number=None, license=None))
    assert line.status is LineStatus.REFUSED
    assert codes(line, Severity.REFUSE) == {"customs.license_required"}


def test_an_unknown_license_is_refused() -> None:
    line = only(facts(goods(), license_number="DUL-NOPE", license=None))
    assert line.status is LineStatus.REFUSED
    assert codes(line, Severity.REFUSE) == {"customs.license_not_found"}
    assert line.license_line_no is None


def test_another_exporters_license_is_refused() -> None:
    line = only(facts(goods(), exporter_id=OTHER))
    assert line.status is LineStatus.REFUSED
    assert codes(line, Severity.REFUSE) == {"customs.license_wrong_exporter"}


def test_an_expired_license_is_refused_the_day_after_its_last_day() -> None:
    lic = license_(valid_until=date(2025, 6, 9))
    assert only(facts(goods(), license=lic, declared_on=date(2025, 6, 9))).status is (
        LineStatus.CLEARED
    )
    line = only(facts(goods(), license=lic))
    assert line.status is LineStatus.REFUSED
    assert codes(line, Severity.REFUSE) == {"customs.license_expired"}


def test_a_license_not_yet_valid_is_refused() -> None:
    line = only(facts(goods(), license=license_(valid_from=date(2025, 6, 11))))
    assert codes(line, Severity.REFUSE) == {"customs.license_not_yet_valid"}


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("exhausted", "customs.license_exhausted"),
        ("revoked", "customs.license_not_active"),
        ("suspended", "customs.license_not_active"),
        ("expired", "customs.license_not_active"),
    ],
)
def test_a_license_that_is_not_active_is_refused(status: str, code: str) -> None:
    line = only(facts(goods(), license=license_(status=status)))
    assert line.status is LineStatus.REFUSED
    assert codes(line, Severity.REFUSE) == {code}


def test_goods_the_license_does_not_cover_are_refused() -> None:
    line = only(facts(goods(hs="2805301300", code="1C904.a")))  # terbium under a Dy license
    assert line.status is LineStatus.REFUSED
    assert codes(line, Severity.REFUSE) == {"customs.item_not_covered"}


def test_more_than_the_balance_is_refused_and_exactly_the_balance_clears() -> None:
    refused = only(facts(goods("500.001")))
    assert refused.status is LineStatus.REFUSED
    assert codes(refused, Severity.REFUSE) == {"customs.quantity_exceeded"}
    over = next(r for r in refused.reasons if r.code == "customs.quantity_exceeded")
    assert over.details == {
        "license": "DUL-2025-0001",
        "license_line": 1,
        "requested_kg": "500.001",
        "remaining_kg": "500",
    }
    assert only(facts(goods("500"))).status is LineStatus.CLEARED


def test_lines_of_one_declaration_spend_one_running_balance() -> None:
    result = check_declaration(
        facts(goods("300", no=1), goods("300", no=2), goods("200", no=3)),
        control_list=CONTROL_LIST,
    )
    assert [line.status for line in result.lines] == [
        LineStatus.CLEARED,
        LineStatus.REFUSED,
        LineStatus.CLEARED,
    ]
    assert result.status is DeclarationStatus.PARTIALLY_CLEARED


def test_a_held_line_does_not_spend_the_balance() -> None:
    result = check_declaration(
        facts(goods("400", code=None, no=1), goods("500", no=2)), control_list=CONTROL_LIST
    )
    assert [line.status for line in result.lines] == [LineStatus.HELD, LineStatus.CLEARED]
    assert result.status is DeclarationStatus.HELD


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"destination": "FR"}, "customs.destination_mismatch"),
        ({"consignee": Party("Someone Else SARL", "DE")}, "customs.consignee_mismatch"),
        (
            {"consignee": Party("Rheinland Antriebstechnik GmbH", "AT")},
            "customs.consignee_mismatch",
        ),
    ],
)
def test_a_mismatch_with_the_license_is_held_for_an_officer(
    overrides: dict[str, object], code: str
) -> None:
    line = only(facts(goods(), **overrides))
    assert line.status is LineStatus.HELD
    assert codes(line, Severity.HOLD) == {code}
    assert line.license_line_no == 1
    assert line.release_blockers == ()


@pytest.mark.parametrize(
    "consignee",
    [
        Party("  rheinland   ANTRIEBSTECHNIK gmbh ", "DE"),
        Party("Bavaria Motors AG", "DE"),  # the end user receiving directly
    ],
)
def test_the_consignee_may_be_either_party_in_any_spelling_of_case_and_space(
    consignee: Party,
) -> None:
    assert only(facts(goods(), consignee=consignee)).status is LineStatus.CLEARED


def test_controlled_goods_without_a_stated_control_code_are_held_against_the_covering_line() -> (
    None
):
    line = only(facts(goods(code=None)))
    assert line.status is LineStatus.HELD
    assert codes(line, Severity.HOLD) == {"customs.control_code_missing"}
    assert line.license_line_no == 1
    assert line.release_blockers == ()


def test_an_unstated_control_code_that_two_license_lines_could_mean_cannot_be_released() -> None:
    lic = license_(
        lines=(
            LicenseLineFacts(1, "1C905.b", "2846901993", Decimal("100")),
            LicenseLineFacts(2, "1C904.b", "2846901993", Decimal("100")),
        )
    )
    line = only(facts(goods("10", hs="2846901993", code=None), license=lic))
    assert line.status is LineStatus.HELD
    assert line.license_line_no is None
    assert [r.code for r in line.release_blockers] == ["customs.control_code_missing"]


def test_goods_under_another_hs_code_than_licensed_are_held() -> None:
    # Dysprosium-bearing magnets under 1C905.a, licensed as metal under 2805301200.
    line = only(facts(goods(hs="8505111000")))
    assert line.status is LineStatus.HELD
    assert codes(line, Severity.HOLD) == {"customs.hs_code_mismatch"}
    assert "customs.hs_not_in_crosswalk" in codes(line, Severity.INFO)
    assert line.controlled


def test_every_reason_is_given_and_a_refusal_outweighs_a_hold() -> None:
    lic = license_(valid_until=date(2025, 6, 1), status="revoked")
    line = only(facts(goods("900"), exporter_id=OTHER, destination="US", license=lic))
    assert line.status is LineStatus.REFUSED
    assert codes(line, Severity.REFUSE) == {
        "customs.license_wrong_exporter",
        "customs.license_not_active",
        "customs.license_expired",
        "customs.quantity_exceeded",
    }
    assert codes(line, Severity.HOLD) == {"customs.destination_mismatch"}
    assert "customs.drawn" not in codes(line)


def test_a_release_is_checked_on_the_balance_as_it_stands_then() -> None:
    f = facts(goods("300", code=None))
    assert check_line(f, f.lines[0], control_list=CONTROL_LIST).status is LineStatus.HELD
    later = check_line(f, f.lines[0], control_list=CONTROL_LIST, balances={1: Decimal("299")})
    assert [r.code for r in later.release_blockers] == ["customs.quantity_exceeded"]


def test_outcome_dictionaries_are_the_stable_shape() -> None:
    result = check_declaration(facts(goods()), control_list=CONTROL_LIST)
    body = result.to_dict()
    assert body["status"] == "cleared"
    assert set(body["lines"][0]) == {
        "line_no",
        "status",
        "controlled",
        "control_codes",
        "license_line_no",
        "reasons",
    }
    assert set(body["lines"][0]["reasons"][0]) == {"code", "severity", "message", "details"}


KG = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("300"), places=3)


@settings(max_examples=200, deadline=None)
@given(
    quantities=st.lists(KG, min_size=1, max_size=12),
    balance=st.decimals(min_value=Decimal(0), max_value=Decimal("1000"), places=3),
    unstated=st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_cleared_lines_never_spend_more_than_the_balance(
    quantities: list[Decimal], balance: Decimal, unstated: list[bool]
) -> None:
    lic = replace(license_(), lines=(LicenseLineFacts(1, *DY_METAL, balance),))
    lines = tuple(
        goods(str(kg), no=i + 1, code=None if unstated[i] else DY_METAL[0])
        for i, kg in enumerate(quantities)
    )
    result = check_declaration(facts(*lines, license=lic), control_list=CONTROL_LIST)
    spent = Decimal(0)
    for line, outcome in zip(lines, result.lines, strict=True):
        refusals = codes(outcome, Severity.REFUSE)
        if outcome.status is LineStatus.CLEARED:
            spent += line.net_kg
            assert spent <= balance
        assert (outcome.status is LineStatus.REFUSED) == bool(refusals)
        assert refusals <= {"customs.quantity_exceeded"}
        if refusals:
            assert line.net_kg > balance - spent
    assert all(
        (o.status is LineStatus.HELD) == (unstated[o.line_no - 1] and not codes(o, Severity.REFUSE))
        for o in result.lines
    )
