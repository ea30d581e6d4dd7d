"""Query by example (issue 10, item 6): identifiers, an address and a date of birth given beside
a name move a hit's score as they agree or disagree with the entry, each explained."""

from __future__ import annotations

import pytest

from rarex.screening.example import (
    BIRTH_DISAGREES,
    IDENTIFIER_AGREES,
    Example,
    birth_years,
    check,
)
from rarex.screening.index import ScreeningIndex
from rarex.screening.matching import DEFAULT, search
from rarex.screening.records import EntryName, ListEntry, PartyKind

# As the CMIC list and the OFAC and UN lists give them.
HUAWEI = ListEntry(
    source="us-export",
    entry_id="30947",
    list_name="CMIC",
    kind=PartyKind.ORGANIZATION,
    names=(EntryName("HUAWEI TECHNOLOGIES CO., LTD."),),
    countries=("CN",),
    addresses=("Huawei Headquarter Office Building, Bantian, Longgang District, Shenzhen, CN",),
    identifiers=("USCC 914403001922038216",),
)
PERSON = ListEntry(
    source="ofac-sdn",
    entry_id="1",
    list_name="SDN",
    kind=PartyKind.PERSON,
    names=(EntryName("Viktor Vasilievich Zolotov"),),
    remarks="DOB 27 Jan 1954; POB Sasovo, Ryazan Oblast, Russia.",
)
NAMESAKE = ListEntry(
    source="un-sc",
    entry_id="2",
    list_name="UN",
    kind=PartyKind.PERSON,
    names=(EntryName("Viktor Zolotov"),),
    extra=(("date_of_birth", "1971-03-02"),),
)


def test_an_identifier_on_the_entry_agrees_and_lifts_the_score() -> None:
    (identifier,) = check(Example(identifiers=("91440300 1922038216",)), HUAWEI)
    assert (identifier.agrees, identifier.amount) == (True, IDENTIFIER_AGREES)
    (other,) = check(Example(identifiers=("USCC 91440300MA5FXXXX0X",)), HUAWEI)
    assert other.agrees is False
    assert other.amount < 0


def test_a_place_in_the_address_agrees_or_disagrees() -> None:
    (same,) = check(Example(address="Bantian, Longgang, Shenzhen 518129"), HUAWEI)
    assert same.agrees is True
    (elsewhere,) = check(Example(address="Xi'an, Shaanxi"), HUAWEI)
    assert elsewhere.agrees is False


def test_years_of_birth_come_from_ofac_remarks_and_un_dates() -> None:
    assert birth_years(PERSON) == {"1954"}
    assert birth_years(NAMESAKE) == {"1971"}
    (other,) = check(Example(date_of_birth="1954-01-27"), NAMESAKE)
    assert (other.agrees, other.amount) == (False, -BIRTH_DISAGREES)
    (unknown,) = check(Example(date_of_birth="1954"), HUAWEI)
    assert (unknown.agrees, unknown.amount) == (None, 0.0)


def test_a_namesake_born_in_another_year_ranks_below_and_each_check_is_explained() -> None:
    index = ScreeningIndex.build([PERSON, NAMESAKE])
    by_name = {m.entry.entry_id: m.score for m in search(index, "Viktor Zolotov")}
    found = search(index, "Viktor Zolotov", example=Example(date_of_birth="1954"))
    assert found[0].entry.entry_id == "1"
    scores = {m.entry.entry_id: m.score for m in found}
    assert scores["2"] == pytest.approx(by_name["2"] - BIRTH_DISAGREES)
    (born,) = found[0].explanation.checks
    assert (born.field, born.agrees) == ("date_of_birth", True)
    assert "date_of_birth agrees" in found[0].explanation.render()
    namesake = next(m for m in found if m.entry.entry_id == "2")
    assert namesake.explanation.checks[0].agrees is False


def test_the_partys_identifier_lifts_a_name_a_little_below_the_threshold() -> None:
    index = ScreeningIndex.build([HUAWEI])
    loose = DEFAULT.__class__(threshold=0.6)
    name = "Huawei Technologies Investment Co., Ltd."  # a word more than the listed name
    (alone,) = search(index, name, settings=loose)
    (with_id,) = search(
        index, name, settings=loose, example=Example(identifiers=("914403001922038216",))
    )
    assert with_id.score == pytest.approx(min(1.0, alone.score + IDENTIFIER_AGREES))
    assert with_id.explanation.checks[0].agrees is True
    exact = search(
        index, "Huawei Technologies Co., Ltd.", example=Example(identifiers=("X1234567",))
    )
    assert exact[0].explanation.checks[0].agrees is None  # no code in common: nothing changes
    assert exact[0].score == 1.0
