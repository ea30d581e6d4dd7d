"""Jurisdictions and the dated country groups behind them, against counts written by hand from
the EU's enlargement history (europa.eu), not from the package's data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rarex.errors import InvalidInput
from rarex.jurisdictions import (
    Jurisdiction,
    current_groups,
    ever_members,
    group_names,
    groups_on,
    members_on,
)

# (first day, number of member states from that day on)
EU_SIZES = [
    (date(1958, 1, 1), 6),
    (date(1973, 1, 1), 9),
    (date(1981, 1, 1), 10),
    (date(1986, 1, 1), 12),
    (date(1995, 1, 1), 15),
    (date(2004, 5, 1), 25),
    (date(2007, 1, 1), 27),
    (date(2013, 7, 1), 28),
    (date(2020, 2, 1), 27),
]


def _expected_size(day: date) -> int:
    size = 0
    for start, count in EU_SIZES:
        if day >= start:
            size = count
    return size


@given(st.dates(date(1950, 1, 1), date(2040, 12, 31)))
def test_the_eu_has_as_many_members_as_history_says_on_any_day(day: date) -> None:
    assert len(members_on("EU", day)) == _expected_size(day)


@given(st.dates(date(1958, 1, 1), date(2040, 12, 31)))
def test_the_founders_are_always_members_and_membership_only_grows_but_for_the_uk(
    day: date,
) -> None:
    members = members_on("EU", day)
    assert {"BE", "DE", "FR", "IT", "LU", "NL"} <= members
    later = members_on("EU", day + timedelta(days=400))
    assert members - later <= {"GB"}


def test_the_united_kingdom_was_a_member_until_the_end_of_31_january_2020() -> None:
    assert "GB" in members_on("EU", date(2020, 1, 31))
    assert "GB" not in members_on("EU", date(2020, 2, 1))
    assert "GB" not in current_groups()["EU"]
    assert "GB" in ever_members("EU")
    assert "HR" not in members_on("EU", date(2013, 6, 30))
    assert "HR" in members_on("EU", date(2013, 7, 1))


def test_a_jurisdiction_of_a_group_covers_what_the_group_was_on_the_day() -> None:
    eu = Jurisdiction.of(groups=["eu"])
    assert eu.covers("GB", date(2019, 6, 3))
    assert not eu.covers("GB", date(2025, 6, 3))
    assert eu.covers("DE", date(2025, 6, 3))
    assert not eu.covers("US", date(2025, 6, 3))
    assert not eu.covers(None, date(2025, 6, 3))
    both = Jurisdiction.of(countries=["che", "no"], groups=["EU"])
    assert both.countries == {"CH", "NO"}
    assert both.countries_on(date(2025, 6, 3)) == current_groups()["EU"] | {"CH", "NO"}


@given(st.dates(date(1990, 1, 1), date(2030, 12, 31)))
def test_the_windows_say_what_covers_says(day: date) -> None:
    jurisdiction = Jurisdiction.of(countries=["CH"], groups=["EU"])
    in_a_window = {
        country
        for country, spans in jurisdiction.windows().items()
        if any(first <= day and (last is None or day <= last) for first, last in spans)
    }
    assert in_a_window == jurisdiction.countries_on(day)
    for country in ("GB", "DE", "CH", "US", "HR"):
        assert jurisdiction.covers(country, day) == (country in in_a_window)


def test_unknown_countries_and_groups_are_each_named() -> None:
    with pytest.raises(InvalidInput) as refused:
        Jurisdiction.of(countries=["DE", "XX"], groups=["EU", "ASEAN"])
    assert refused.value.code == "jurisdiction.invalid"
    problems = refused.value.details["problems"]
    assert len(problems) == 2
    assert "'XX'" in problems[0]
    assert "'ASEAN'" in problems[1]
    with pytest.raises(InvalidInput) as unknown:
        members_on("ASEAN", date(2025, 1, 1))
    assert unknown.value.code == "jurisdiction.unknown_group"


def test_an_empty_jurisdiction_is_false_and_groups_on_a_day_before_any_member_are_empty() -> None:
    assert not Jurisdiction.of()
    assert Jurisdiction.of(groups=["EU"])
    assert groups_on(date(1950, 1, 1)) == {}
    assert group_names() == ("EU",)


@given(
    countries=st.lists(st.sampled_from(["DE", "de", " FR", "CH", "JP"]), max_size=4),
    groups=st.lists(st.sampled_from(["EU", "eu "]), max_size=2),
)
def test_a_jurisdictions_key_names_what_it_covers_whatever_the_spelling_or_order(
    countries: list[str], groups: list[str]
) -> None:
    one = Jurisdiction.of(countries=countries, groups=groups)
    other = Jurisdiction.of(countries=list(reversed(countries)), groups=[g.lower() for g in groups])
    assert one.key == other.key
    assert Jurisdiction.of(countries=one.countries, groups=one.groups).key == one.key
    assert ("EU" in one.key) == bool(groups)
    assert all(code in one.key for code in one.countries)


def test_a_key_tells_groups_from_countries() -> None:
    assert Jurisdiction.of(groups=["EU"]).key == "EU"
    assert Jurisdiction.of(countries=["fr", "DE"]).key == "DE FR"
    assert Jurisdiction.of(countries=["CH"], groups=["EU"]).key == "EU + CH"
    assert Jurisdiction.of(countries=["CH"]).key != Jurisdiction.of(countries=["CH", "DE"]).key


def test_a_key_reads_back_as_the_jurisdiction_it_names() -> None:
    for jurisdiction in (
        Jurisdiction.of(groups=["EU"]),
        Jurisdiction.of(countries=["DE", "FR"]),
        Jurisdiction.of(countries=["CH"], groups=["EU"]),
    ):
        assert Jurisdiction.from_key(jurisdiction.key) == jurisdiction
    assert Jurisdiction.from_key(" eu  +  ch ") == Jurisdiction.of(countries=["CH"], groups=["EU"])
    for bad in ("", "EU + XX", "Atlantis"):
        with pytest.raises(InvalidInput) as refused:
            Jurisdiction.from_key(bad)
        assert refused.value.code == "jurisdiction.invalid"
