"""Jurisdictions: the countries a partner authority speaks for, on a given day. A small room
used by all (auth keeps a partner's jurisdiction, licensing reads it); it uses no other room.

A jurisdiction is a set of countries, named groups of countries, or both. A group's members
are dated (``data/country-groups.csv``, shipped in the package): the EU of 2019 had the United
Kingdom in it, the EU of 2020-02-01 had not, so a group means what it meant on the day asked.
Its dates are those of membership of the European Communities and then the Union (the EU as
such dates from 1 November 1993, its members' accession from their joining the Communities):
``joined`` is the first day of membership, ``left`` the last.

This is the one source of country groups: the green channel's partner rule and the partners'
visibility both read it. Pure: no database.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files
from types import MappingProxyType

import pycountry

from rarex.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Membership:
    group: str
    country: str  # ISO 3166-1 alpha-2
    joined: date  # the first day of membership
    left: date | None = None  # the last day of membership; None while a member

    def on(self, day: date) -> bool:
        return self.joined <= day and (self.left is None or day <= self.left)


@cache
def memberships() -> Mapping[str, tuple[Membership, ...]]:
    """Every group's memberships, from the package's data, by group name."""
    text = files("rarex.jurisdictions").joinpath("data", "country-groups.csv").read_text("utf-8")
    groups: dict[str, list[Membership]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        groups.setdefault(row["group"], []).append(
            Membership(
                group=row["group"],
                country=row["country"],
                joined=date.fromisoformat(row["joined"]),
                left=date.fromisoformat(row["left"]) if row["left"] else None,
            )
        )
    return MappingProxyType({name: tuple(rows) for name, rows in groups.items()})


def group_names() -> tuple[str, ...]:
    return tuple(sorted(memberships()))


def members_on(group: str, day: date) -> frozenset[str]:
    """The group's members on ``day``; ``jurisdiction.unknown_group`` for a group not shipped."""
    return frozenset(m.country for m in _memberships_of(group) if m.on(day))


def ever_members(group: str) -> frozenset[str]:
    """Every country that was ever a member, whatever the day."""
    return frozenset(m.country for m in _memberships_of(group))


def groups_on(day: date) -> dict[str, frozenset[str]]:
    """Every shipped group with its members on ``day`` (a group with none then is left out)."""
    groups = {name: members_on(name, day) for name in memberships()}
    return {name: members for name, members in groups.items() if members}


def current_groups() -> dict[str, frozenset[str]]:
    """Every shipped group with the members it has as the data stands (no end date)."""
    return {
        name: frozenset(m.country for m in rows if m.left is None)
        for name, rows in memberships().items()
    }


def _memberships_of(group: str) -> tuple[Membership, ...]:
    found = memberships().get(group)
    if found is None:
        raise InvalidInput(
            f"unknown country group {group!r}; known: {', '.join(group_names())}",
            code="jurisdiction.unknown_group",
            group=group,
        )
    return found


def alpha2(code: str) -> str | None:
    """An ISO 3166-1 alpha-2 or alpha-3 code, in any case, as alpha-2; None if it is neither."""
    key = code.strip().upper()
    if not (key.isascii() and key.isalpha() and len(key) in (2, 3)):
        return None
    if len(key) == 2:
        found = pycountry.countries.get(alpha_2=key)
    else:
        found = pycountry.countries.get(alpha_3=key)
    return None if found is None else str(found.alpha_2)


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    """What a partner authority speaks for: countries, and groups read on the day asked."""

    countries: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()

    @classmethod
    def of(cls, countries: Iterable[str] = (), groups: Iterable[str] = ()) -> Jurisdiction:
        """Validated: countries to canonical alpha-2, groups known. Every problem is said at
        once (``details["problems"]``), under ``jurisdiction.invalid``."""
        problems: list[str] = []
        codes: set[str] = set()
        for country in countries:
            code = alpha2(country)
            if code is None:
                problems.append(f"unknown country code {country!r}")
            else:
                codes.add(code)
        names: set[str] = set()
        for group in groups:
            name = group.strip().upper()
            if name in memberships():
                names.add(name)
            else:
                problems.append(
                    f"unknown country group {group!r}; known: {', '.join(group_names())}"
                )
        if problems:
            raise InvalidInput(
                "invalid jurisdiction: " + "; ".join(problems),
                code="jurisdiction.invalid",
                problems=problems,
            )
        return cls(frozenset(codes), frozenset(names))

    def __bool__(self) -> bool:
        return bool(self.countries or self.groups)

    @property
    def key(self) -> str:
        """The canonical name of the jurisdiction ("EU", "DE FR", "EU + CH"): partner users
        with the same one are one partner desk and share its inquiries, lists and proposals."""
        parts = [" ".join(sorted(self.groups)), " ".join(sorted(self.countries))]
        return " + ".join(part for part in parts if part)

    @classmethod
    def from_key(cls, key: str) -> Jurisdiction:
        """The jurisdiction a key names ("EU + CH"), validated as ``of`` validates: a word is
        a group when a group has that name, else a country."""
        words = key.replace("+", " ").split()
        groups = [word for word in words if word.upper() in memberships()]
        countries = [word for word in words if word.upper() not in memberships()]
        if not words:
            raise InvalidInput("an empty jurisdiction", code="jurisdiction.invalid", problems=[])
        return cls.of(countries=countries, groups=groups)

    def covers(self, country: str | None, day: date) -> bool:
        """Whether ``country`` is in the jurisdiction on ``day``."""
        if country is None:
            return False
        if country in self.countries:
            return True
        return any(country in members_on(group, day) for group in self.groups)

    def countries_on(self, day: date) -> frozenset[str]:
        covered = set(self.countries)
        for group in self.groups:
            covered |= members_on(group, day)
        return frozenset(covered)

    def windows(self) -> dict[str, tuple[tuple[date, date | None], ...]]:
        """For each country it ever covers, the periods it covers it: ``(first, last)`` days,
        ``last`` None for open-ended. A listed country is covered always. This is what a
        database query needs to ask "covered on the day of the row" in one condition."""
        periods: dict[str, set[tuple[date, date | None]]] = {}
        for group in sorted(self.groups):
            for membership in _memberships_of(group):
                periods.setdefault(membership.country, set()).add(
                    (membership.joined, membership.left)
                )
        for country in self.countries:
            periods[country] = {(date.min, None)}
        return {
            country: tuple(sorted(spans, key=lambda span: span[0]))
            for country, spans in sorted(periods.items())
        }
