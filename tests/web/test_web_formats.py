"""How the pages say moments and figures, in both languages (pure, no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from rarex.web import i18n


def test_a_moment_is_said_in_the_authoritys_time_with_its_offset() -> None:
    late_utc = datetime(2026, 12, 7, 19, 30, 5, tzinfo=UTC)  # already the 8th in Beijing
    assert i18n.moment(late_utc, "en") == "8 Dec 2026, 03:30:05 UTC+08:00"
    assert i18n.moment(late_utc, "zh") == "2026年12月8日 03:30:05 UTC+08:00"
    naive = late_utc.replace(tzinfo=None)  # as SQLite gives it back: UTC
    assert i18n.moment(naive, "en") == i18n.moment(late_utc, "en")


@given(st.decimals(min_value=0, max_value=10**9, places=6, allow_nan=False))
def test_an_exact_figure_keeps_every_digit_it_has(value: Decimal) -> None:
    said = i18n.exact(value, "en")
    assert Decimal(said.replace(",", "")) == value
