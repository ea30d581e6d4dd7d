"""The license's own transition table and balance rules, pure, exhaustively and by property."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rarex.errors import Conflict, InvalidTransition
from rarex.licensing.license_states import (
    OFFICER_ACTIONS,
    STORED_STATUSES,
    TRANSITIONS,
    HeldLicense,
    HeldLine,
    LicenseAction,
    LicenseStatus,
    next_status,
    standing,
)


def held(license_type: str = "single", granted: str = "100") -> HeldLicense:
    kg = Decimal(granted)
    return HeldLicense(
        id=uuid.uuid4(),
        number="DUL-TEST",
        exporter_id=uuid.uuid4(),
        exporter_uscc="91110000100000000X",
        license_type=license_type,
        status=LicenseStatus.ACTIVE,
        valid_from=date(2025, 1, 1),
        valid_until=date(2025, 12, 31),
        destination="DE",
        consignee=("A GmbH", "DE"),
        end_user=("A GmbH", "DE"),
        lines=[HeldLine(uuid.uuid4(), 1, "1C905.a", "2805301200", kg, kg)],
    )


def test_every_pair_not_in_the_table_is_refused_naming_what_is_allowed() -> None:
    for status in LicenseStatus:
        for action in LicenseAction:
            if action in TRANSITIONS[status]:
                assert next_status(status, action, number="X") is TRANSITIONS[status][action]
                continue
            with pytest.raises(InvalidTransition) as refused:
                next_status(status, action, number="X")
            assert refused.value.code == "license.illegal_transition"
            assert status.value in refused.value.message


def test_revoked_is_final_and_expired_is_never_stored() -> None:
    assert TRANSITIONS[LicenseStatus.REVOKED] == {}
    assert LicenseStatus.EXPIRED not in STORED_STATUSES
    assert all(
        target in STORED_STATUSES for moves in TRANSITIONS.values() for target in moves.values()
    )


def test_expired_is_read_off_the_validity_date() -> None:
    end = date(2025, 12, 31)
    assert standing(LicenseStatus.ACTIVE, valid_until=end, on=end) is LicenseStatus.ACTIVE
    assert standing(LicenseStatus.ACTIVE, valid_until=end, on=date(2026, 1, 1)) is (
        LicenseStatus.EXPIRED
    )
    assert standing(LicenseStatus.EXHAUSTED, valid_until=end, on=date(2026, 1, 1)) is (
        LicenseStatus.EXPIRED
    )
    # A revoked license keeps saying why it cannot be used.
    assert standing(LicenseStatus.REVOKED, valid_until=end, on=date(2026, 1, 1)) is (
        LicenseStatus.REVOKED
    )


grams = st.integers(min_value=1, max_value=60_000).map(lambda g: Decimal(g) / 1000)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("draw"), grams),
        st.tuples(st.just("restore"), grams),
        st.tuples(st.just("act"), st.sampled_from(OFFICER_ACTIONS)),
    ),
    max_size=30,
)


@given(license_type=st.sampled_from(["single", "general"]), moves=steps)
def test_any_sequence_keeps_the_balance_in_bounds_and_the_status_true_to_it(
    license_type: str, moves: list[tuple[str, object]]
) -> None:
    license_ = held(license_type)
    (line,) = license_.lines
    drawn = Decimal(0)
    for kind, arg in moves:
        before = (license_.status, line.remaining_kg)
        try:
            if kind == "draw":
                assert isinstance(arg, Decimal)
                license_.draw(line, arg, for_line=1)
                drawn += arg
            elif kind == "restore":
                assert isinstance(arg, Decimal)
                license_.restore(line, arg)
                drawn -= arg
            else:
                assert isinstance(arg, LicenseAction)
                license_.act(arg)
        except (Conflict, InvalidTransition):
            # A refused step changes nothing.
            assert (license_.status, line.remaining_kg) == before
            if kind == "draw":
                assert before[0] is not LicenseStatus.ACTIVE or arg > before[1]  # type: ignore[operator]
        assert Decimal(0) <= line.remaining_kg <= line.granted_kg
        assert line.granted_kg - line.remaining_kg == drawn
        assert license_.status in STORED_STATUSES
        if license_type == "single" and license_.status in (
            LicenseStatus.ACTIVE,
            LicenseStatus.EXHAUSTED,
        ):
            assert (license_.status is LicenseStatus.EXHAUSTED) == (line.remaining_kg == 0)
        if license_type == "general":
            assert license_.status is not LicenseStatus.EXHAUSTED
        if before[0] is LicenseStatus.REVOKED:
            assert license_.status is LicenseStatus.REVOKED
