"""Trusted end users proposed by a partner authority: the officer's decision, withdrawal and
lapse, and what counts for the green channel's known-end-user rule.

The companies and identifiers are real, written by hand from public sources (GLEIF's LEI
records, the German commercial register): Siemens AG, LEI W38RGI023J3WT1HWRP32, Munich
HRB 6684; Volkswagen AG, LEI 529900NNUPAGGOMPXZ31; BMW AG, LEI YEH5ZCD6E441RHVHD759."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.errors import Conflict, Forbidden, InvalidInput, NotFound
from rarex.licensing.green_channel import KNOWN_END_USER
from rarex.parties import trusted
from rarex.parties.schemas import TrustedPartyDecisionIn, TrustedPartyIn, TrustedPartyWithdrawIn
from tests.factories import make_actor
from tests.licensing.test_licensing_green_lane import Applicant

SIEMENS_LEI = "W38RGI023J3WT1HWRP32"
VOLKSWAGEN_LEI = "529900NNUPAGGOMPXZ31"


class Desk:
    def __init__(self, session: Session, clock: FixedClock, settings: Settings) -> None:
        self.session, self.clock = session, clock
        self.applicant = Applicant(session, clock, settings, history=0)
        self.officer = self.applicant.officer
        self.eu = make_actor(session, clock, Role.PARTNER_AUTHORITY, partner_groups=["EU"])

    def propose(self, actor: Actor | None = None, **overrides: Any) -> str:
        data = {
            "name": "Siemens AG", "name_zh": "西门子股份公司", "country": "DE",
            "identifiers": [{"scheme": "lei", "value": SIEMENS_LEI},
                            {"scheme": "register", "value": "HRB 6684, Amtsgericht München"}],
            "address": "Werner-von-Siemens-Straße 1, 80333 München",
            "basis": "Internal compliance programme audited by BAFA in 2025",
        }  # fmt: skip
        data.update(overrides)
        party = trusted.propose(
            self.session, actor=actor or self.eu, clock=self.clock,
            data=TrustedPartyIn.model_validate(data),
        )  # fmt: skip
        return party.number

    def decide(self, number: str, outcome: str = "approved", actor: Actor | None = None,
               **kw: Any) -> None:  # fmt: skip
        trusted.decide(
            self.session, actor=actor or self.officer, clock=self.clock, number=number,
            data=TrustedPartyDecisionIn(outcome=outcome, reason="ICP audit report checked", **kw),
        )  # fmt: skip

    def status(self, number: str, actor: Actor | None = None) -> str:
        return trusted.trusted_party_view(
            self.session, actor=actor or self.eu, clock=self.clock, number=number
        ).status

    def known_end_user(self, **end_user: Any) -> dict[str, Any]:
        """The rule's result for a new case of an applicant that never shipped to this end
        user before."""
        party = {"name": "Siemens AG", "country": "DE", **end_user}
        app = self.applicant.accept(consignee=party, end_user=party)
        _, results = self.applicant.assessment(app)
        return results[KNOWN_END_USER]


@pytest.fixture
def desk(session: Session, clock: FixedClock, settings: Settings) -> Desk:
    return Desk(session, clock, settings)


def test_an_approved_trusted_party_is_a_known_end_user_and_the_rule_cites_the_approval(
    desk: Desk,
) -> None:
    assert not desk.known_end_user()["passed"]
    number = desk.propose()
    assert desk.status(number) == "proposed"
    assert not desk.known_end_user()["passed"]  # proposed is not approved
    desk.decide(number)
    assert desk.status(number) == "approved"
    by_name = desk.known_end_user(name="SIEMENS  AG")  # no identifier given: folded name
    assert by_name["passed"]
    assert "matched by name and country (Siemens AG, DE)" in by_name["explanation"]
    by_id = desk.known_end_user(
        name="Siemens Aktiengesellschaft", identifiers=[{"scheme": "LEI", "value": SIEMENS_LEI}]
    )
    assert by_id["passed"]
    assert number in by_id["explanation"]
    assert "EU partner authority" in by_id["explanation"]
    assert f"matched by LEI {SIEMENS_LEI}" in by_id["explanation"]


def test_another_identifier_of_the_same_scheme_is_another_company_whatever_the_name(
    desk: Desk,
) -> None:
    desk.decide(desk.propose())
    other = desk.known_end_user(identifiers=[{"scheme": "lei", "value": VOLKSWAGEN_LEI}])
    assert not other["passed"]
    elsewhere = desk.known_end_user(country="AT")
    assert not elsewhere["passed"]


def test_a_rejected_withdrawn_or_lapsed_trusted_party_counts_for_nothing(
    desk: Desk, clock: FixedClock
) -> None:
    rejected = desk.propose()
    desk.decide(rejected, "rejected")
    assert not desk.known_end_user()["passed"]
    withdrawn = desk.propose()
    desk.decide(withdrawn)
    trusted.withdraw(desk.session, actor=desk.eu, clock=clock, number=withdrawn,
                     data=TrustedPartyWithdrawIn(reason="programme no longer audited"))  # fmt: skip
    assert (desk.status(withdrawn), desk.known_end_user()["passed"]) == ("withdrawn", False)
    review_on = clock.now().date() + timedelta(days=30)
    lapsing = desk.propose(review_on=review_on)
    desk.decide(lapsing)
    assert desk.known_end_user()["passed"]
    clock.advance(timedelta(days=32))
    assert (desk.status(lapsing), desk.known_end_user()["passed"]) == ("lapsed", False)
    listed = trusted.list_trusted_parties(desk.session, actor=desk.officer, clock=clock,
                                          status="lapsed")  # fmt: skip
    assert [p.number for p in listed] == [lapsing]


def test_the_officer_withdraws_too_and_the_partner_reads_no_officer_name(desk: Desk) -> None:
    number = desk.propose()
    desk.decide(number)
    seen = trusted.trusted_party_view(desk.session, actor=desk.eu, clock=desk.clock, number=number)
    assert (seen.decision_reason, seen.decided_by) == ("ICP audit report checked", None)
    assert desk.officer.username not in seen.model_dump_json()
    trusted.withdraw(desk.session, actor=desk.officer, clock=desk.clock, number=number,
                     data=TrustedPartyWithdrawIn(reason="sanctions review"))  # fmt: skip
    assert desk.status(number) == "withdrawn"
    with pytest.raises(Conflict) as again:
        trusted.withdraw(desk.session, actor=desk.eu, clock=desk.clock, number=number,
                         data=TrustedPartyWithdrawIn(reason="x"))  # fmt: skip
    assert again.value.code == "trusted.not_withdrawable"


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"country": "US", "name": "Ford Motor Company"}, "trusted.outside_jurisdiction",
         "country"),
        ({"identifiers": [{"scheme": "lei", "value": "W38RGI023J3WT1HWRP33"}]},
         "party.invalid_identifier", "identifiers[0].value"),
        ({"identifiers": [{"scheme": "duns", "value": "31-626-8186"}]},
         "party.unknown_identifier_scheme", "identifiers[0].scheme"),
        ({"basis": "   "}, "trusted.basis_required", "basis"),
        ({"review_on": "2025-01-01"}, "trusted.bad_review_date", "review_on"),
        ({"review_on": "2030-01-01"}, "trusted.bad_review_date", "review_on"),
        ({"country": "XX"}, "party.unknown_country", "country"),
    ],
)  # fmt: skip
def test_a_bad_proposal_is_refused_beside_its_field_and_nothing_is_stored(
    desk: Desk, overrides: dict[str, Any], code: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        desk.propose(**overrides)
    assert (refused.value.code, refused.value.details.get("field")) == (code, field)
    assert trusted.list_trusted_parties(desk.session, actor=desk.eu, clock=desk.clock) == []


def test_a_proposal_is_made_once_decided_once_and_only_by_a_licensing_officer(
    desk: Desk, session: Session, clock: FixedClock
) -> None:
    number = desk.propose()
    with pytest.raises(Conflict) as twice:
        desk.propose(name="siemens ag")
    assert twice.value.code == "trusted.duplicate"
    with pytest.raises(Forbidden) as partner:
        desk.decide(number, actor=desk.eu)
    assert partner.value.code == "auth.role_required"
    with pytest.raises(Forbidden):
        desk.propose(actor=desk.officer)  # proposals are the partners'
    desk.decide(number, "rejected")
    with pytest.raises(Conflict) as decided:
        desk.decide(number)
    assert decided.value.code == "trusted.not_proposed"
    germany = make_actor(session, clock, Role.PARTNER_AUTHORITY, partner_countries=["DE"])
    with pytest.raises(NotFound):
        desk.status(number, actor=germany)
    assert trusted.list_trusted_parties(session, actor=germany, clock=clock) == []


def test_the_officer_may_set_another_review_date_on_approval(desk: Desk) -> None:
    number = desk.propose()
    desk.decide(number, review_on=date(2026, 6, 1))
    seen = trusted.trusted_party_view(desk.session, actor=desk.eu, clock=desk.clock, number=number)
    assert (seen.status, seen.review_on) == ("approved", date(2026, 6, 1))
