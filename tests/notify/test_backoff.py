"""The retry schedule: the first wait is the base, each next one twice the last, never above
the cap, and the cap is reached and kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rarex.notify.backoff import retry_delay

BASES = st.floats(min_value=0.001, max_value=3600, allow_nan=False, allow_infinity=False)
FACTORS = st.floats(min_value=1, max_value=10_000, allow_nan=False, allow_infinity=False)


@given(base=BASES, factor=FACTORS, attempts=st.integers(min_value=1, max_value=10_000))
def test_each_wait_doubles_the_last_up_to_the_cap(
    base: float, factor: float, attempts: int
) -> None:
    cap = base * factor
    wait = retry_delay(attempts, base=base, cap=cap)
    after = retry_delay(attempts + 1, base=base, cap=cap)
    assert timedelta(0) < wait <= timedelta(seconds=cap)
    assert wait <= after  # never shorter
    if after < timedelta(seconds=cap):
        assert after.total_seconds() == pytest.approx(2 * wait.total_seconds(), rel=1e-6)
    else:
        # once capped, capped for good
        assert retry_delay(attempts + 2, base=base, cap=cap) == after


@given(base=BASES, factor=FACTORS)
def test_the_first_wait_is_the_base_and_the_cap_is_reached(base: float, factor: float) -> None:
    cap = base * factor
    assert retry_delay(1, base=base, cap=cap) == timedelta(seconds=base)
    assert retry_delay(80, base=base, cap=cap) == timedelta(seconds=cap)


def test_the_default_schedule_reads_as_documented() -> None:
    waits = [retry_delay(n, base=30, cap=3600).total_seconds() for n in range(1, 10)]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


@pytest.mark.parametrize(("attempts", "base", "cap"), [(0, 1, 2), (1, 0, 2), (1, 3, 2)])
def test_a_schedule_that_makes_no_sense_is_refused(attempts: int, base: float, cap: float) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message is the docstring's
        retry_delay(attempts, base=base, cap=cap)
