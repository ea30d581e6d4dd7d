from __future__ import annotations

import statistics
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rarex.api.problems import status_for
from rarex.errors import InvalidInput
from rarex.licensing.end_uses import END_USES
from rarex.licensing.green_channel import (
    APPLICANT_GOOD_STANDING,
    CIVIL_END_USE,
    DEFAULT_POLICY,
    KNOWN_END_USER,
    NO_OPEN_SCREENING_HITS,
    PARTNER_DESTINATION,
    RULE_NAMES,
    GreenChannelAssessment,
    GreenChannelFacts,
    GreenChannelPolicy,
    RuleResult,
    TrustedEndUser,
    assess,
    policy_from_mapping,
)
from rarex.licensing.lane_stats import LaneStats, median_working_days_by_lane

GOOD = GreenChannelFacts(
    destination="DE",
    end_use_category="ev_motors",
    applicant_violations_in_lookback=0,
    applicant_has_compliance_programme=True,
    applicant_approved_applications=5,
    end_user_previously_approved=True,
    open_screening_hits=0,
)


def result_of(
    facts: GreenChannelFacts, rule: str, policy: GreenChannelPolicy | None = None
) -> RuleResult:
    assessment = assess(facts, policy or DEFAULT_POLICY)
    (found,) = [result for result in assessment.results if result.rule == rule]
    return found


# --- the default policy and the whole assessment -----------------------------------------------

# Written by hand from europa.eu's list of member states, not read from the package's data.
EU_MEMBER_STATES = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    }
)  # fmt: skip


def test_default_partner_group_is_the_27_eu_member_states() -> None:
    assert DEFAULT_POLICY.partner_groups == {"EU": EU_MEMBER_STATES}
    assert len(EU_MEMBER_STATES) == 27
    assert {"DE", "FR", "GR", "HR", "IE", "CY"} <= EU_MEMBER_STATES
    assert not {"GB", "CH", "NO", "EL"} & EU_MEMBER_STATES
    assert DEFAULT_POLICY.min_approved_applications == 3
    assert DEFAULT_POLICY.violation_lookback_years == 3
    assert DEFAULT_POLICY.enabled_rules == RULE_NAMES


def test_good_application_is_eligible_with_every_rule_explained_in_order() -> None:
    assessment = assess(GOOD)
    assert assessment.eligible
    assert assessment.policy_version == DEFAULT_POLICY.version
    assert assessment.failed_rules == ()
    assert assessment.to_dict() == {
        "eligible": True,
        "policy_version": DEFAULT_POLICY.version,
        "results": [
            {
                "rule": "partner_destination",
                "passed": True,
                "explanation": "destination DE is in partner group EU",
            },
            {
                "rule": "civil_end_use",
                "passed": True,
                "explanation": "end use ev_motors (Electric-vehicle traction motors) is civil",
            },
            {
                "rule": "applicant_good_standing",
                "passed": True,
                "explanation": "applicant in good standing: no violations in the last 3 years; "
                "compliance programme on file; 5 approved applications (minimum 3)",
            },
            {
                "rule": "known_end_user",
                "passed": True,
                "explanation": "end user was approved in an earlier application",
            },
            {
                "rule": "no_open_screening_hits",
                "passed": True,
                "explanation": "no open screening hits",
            },
        ],
    }


def test_every_failing_rule_is_reported_not_only_the_first() -> None:
    bad = replace(
        GOOD,
        destination="US",
        end_use_category="defence",
        applicant_has_compliance_programme=False,
        end_user_previously_approved=False,
        open_screening_hits=1,
    )
    assessment = assess(bad)
    assert not assessment.eligible
    assert assessment.failed_rules == RULE_NAMES


def test_assessment_refuses_an_eligible_flag_that_contradicts_its_results() -> None:
    failing = RuleResult(KNOWN_END_USER, False, "x")
    with pytest.raises(ValueError, match="eligible"):
        GreenChannelAssessment(eligible=True, policy_version="v", results=(failing,))


# --- each rule ---------------------------------------------------------------------------------


def test_partner_destination_passes_for_a_member_state() -> None:
    result = result_of(replace(GOOD, destination="FR"), PARTNER_DESTINATION)
    assert result == RuleResult(PARTNER_DESTINATION, True, "destination FR is in partner group EU")


def test_partner_destination_fails_outside_every_group_and_names_the_groups() -> None:
    result = result_of(replace(GOOD, destination="US"), PARTNER_DESTINATION)
    assert result == RuleResult(
        PARTNER_DESTINATION, False, "destination US is in no partner group (EU)"
    )


def test_partner_destination_names_every_group_containing_the_destination() -> None:
    policy = GreenChannelPolicy(
        version="t",
        partner_groups={
            "EU": EU_MEMBER_STATES,
            "Alpine": frozenset({"AT", "CH"}),
            "X": frozenset(),
        },
    )
    assert result_of(replace(GOOD, destination="AT"), PARTNER_DESTINATION, policy).explanation == (
        "destination AT is in partner groups Alpine, EU"
    )
    assert result_of(replace(GOOD, destination="CH"), PARTNER_DESTINATION, policy).passed
    assert result_of(replace(GOOD, destination="JP"), PARTNER_DESTINATION, policy).explanation == (
        "destination JP is in no partner group (Alpine, EU, X)"
    )


def test_partner_destination_fails_when_no_group_is_configured() -> None:
    policy = GreenChannelPolicy(version="t", partner_groups={})
    result = result_of(GOOD, PARTNER_DESTINATION, policy)
    assert result == RuleResult(
        PARTNER_DESTINATION, False, "destination DE is in no partner group (none configured)"
    )


@pytest.mark.parametrize(
    ("code", "passed", "explanation"),
    [
        ("wind_turbines", True, "end use wind_turbines (Wind-turbine generators) is civil"),
        (
            "defence",
            False,
            "end use defence (Defence or military use) is not civil and is denied in principle",
        ),
        (
            "other_unspecified",
            False,
            "end use other_unspecified (Other or unspecified use) is not civil",
        ),
    ],
)
def test_civil_end_use(code: str, passed: bool, explanation: str) -> None:
    result = result_of(replace(GOOD, end_use_category=code), CIVIL_END_USE)
    assert result == RuleResult(CIVIL_END_USE, passed, explanation)


@pytest.mark.parametrize(
    ("changes", "explanation"),
    [
        (
            {"applicant_violations_in_lookback": 1},
            "applicant not in good standing: 1 violation in the last 3 years; "
            "compliance programme on file; 5 approved applications (minimum 3)",
        ),
        (
            {"applicant_violations_in_lookback": 2},
            "applicant not in good standing: 2 violations in the last 3 years; "
            "compliance programme on file; 5 approved applications (minimum 3)",
        ),
        (
            {"applicant_has_compliance_programme": False},
            "applicant not in good standing: no violations in the last 3 years; "
            "no compliance programme on file; 5 approved applications (minimum 3)",
        ),
        (
            {"applicant_approved_applications": 2},
            "applicant not in good standing: no violations in the last 3 years; "
            "compliance programme on file; only 2 approved applications, fewer than the "
            "minimum of 3",
        ),
        (
            {"applicant_approved_applications": 1},
            "applicant not in good standing: no violations in the last 3 years; "
            "compliance programme on file; only 1 approved application, fewer than the "
            "minimum of 3",
        ),
        (
            {"applicant_approved_applications": 3},
            "applicant in good standing: no violations in the last 3 years; "
            "compliance programme on file; 3 approved applications (minimum 3)",
        ),
        (
            {
                "applicant_violations_in_lookback": 4,
                "applicant_has_compliance_programme": False,
                "applicant_approved_applications": 0,
            },
            "applicant not in good standing: 4 violations in the last 3 years; "
            "no compliance programme on file; only 0 approved applications, fewer than the "
            "minimum of 3",
        ),
    ],
)
def test_applicant_good_standing_explains_each_sub_condition(
    changes: dict[str, Any], explanation: str
) -> None:
    result = result_of(replace(GOOD, **changes), APPLICANT_GOOD_STANDING)
    assert result.explanation == explanation
    assert result.passed == explanation.startswith("applicant in good standing")


def test_applicant_good_standing_follows_the_policy_thresholds() -> None:
    policy = GreenChannelPolicy(
        version="t", min_approved_applications=0, violation_lookback_years=1
    )
    result = result_of(
        replace(GOOD, applicant_approved_applications=0), APPLICANT_GOOD_STANDING, policy
    )
    assert result.passed
    assert result.explanation == (
        "applicant in good standing: no violations in the last 1 year; "
        "compliance programme on file; 0 approved applications (minimum 0)"
    )
    strict = GreenChannelPolicy(version="t", min_approved_applications=10)
    assert not result_of(GOOD, APPLICANT_GOOD_STANDING, strict).passed


def test_known_end_user() -> None:
    assert result_of(GOOD, KNOWN_END_USER) == RuleResult(
        KNOWN_END_USER, True, "end user was approved in an earlier application"
    )
    new = replace(GOOD, end_user_previously_approved=False)
    assert result_of(new, KNOWN_END_USER) == RuleResult(
        KNOWN_END_USER,
        False,
        "end user has no earlier approved application and is no approved trusted party",
    )


TRUSTED = TrustedEndUser(
    number="TP-2026-0A1B2C3D",
    partner="EU",
    approved_on=date(2026, 3, 2),
    review_on=date(2027, 3, 2),
    matched_by="LEI 529900T8BM49AURSDO55",
)


def test_a_partners_trusted_party_is_a_known_end_user_and_the_rule_cites_the_approval() -> None:
    trusted = replace(GOOD, end_user_previously_approved=False, end_user_trusted=TRUSTED)
    result = result_of(trusted, KNOWN_END_USER)
    assert result.passed
    assert result.explanation == (
        "end user is trusted party TP-2026-0A1B2C3D, proposed by the EU partner authority and "
        "approved on 2026-03-02 (review 2027-03-02), matched by LEI 529900T8BM49AURSDO55"
    )
    both = result_of(replace(GOOD, end_user_trusted=TRUSTED), KNOWN_END_USER)
    assert both.explanation.startswith("end user was approved in an earlier application; is ")
    assert "TP-2026-0A1B2C3D" in both.explanation


@pytest.mark.parametrize(
    ("hits", "explanation"),
    [(1, "1 open screening hit to resolve"), (3, "3 open screening hits to resolve")],
)
def test_open_screening_hits_fail_the_rule_with_their_count(hits: int, explanation: str) -> None:
    result = result_of(replace(GOOD, open_screening_hits=hits), NO_OPEN_SCREENING_HITS)
    assert result == RuleResult(NO_OPEN_SCREENING_HITS, False, explanation)


# --- enabling and disabling rules ----------------------------------------------------------------


def test_disabled_rule_is_absent_and_cannot_block_eligibility() -> None:
    policy = GreenChannelPolicy(
        version="no-known-end-user",
        enabled_rules=tuple(r for r in RULE_NAMES if r != KNOWN_END_USER),
    )
    assessment = assess(replace(GOOD, end_user_previously_approved=False), policy)
    assert assessment.eligible
    assert [r.rule for r in assessment.results] == [r for r in RULE_NAMES if r != KNOWN_END_USER]
    assert assessment.policy_version == "no-known-end-user"


def test_results_follow_the_canonical_order_whatever_the_policy_order() -> None:
    policy = GreenChannelPolicy(
        version="t", enabled_rules=(NO_OPEN_SCREENING_HITS, PARTNER_DESTINATION)
    )
    assert [r.rule for r in assess(GOOD, policy).results] == [
        PARTNER_DESTINATION,
        NO_OPEN_SCREENING_HITS,
    ]


facts_strategy = st.builds(
    GreenChannelFacts,
    destination=st.sampled_from(["DE", "FR", "GR", "US", "GB", "JP", "CN", "CH"]),
    end_use_category=st.sampled_from(list(END_USES)),
    applicant_violations_in_lookback=st.integers(0, 3),
    applicant_has_compliance_programme=st.booleans(),
    applicant_approved_applications=st.integers(0, 6),
    end_user_previously_approved=st.booleans(),
    open_screening_hits=st.integers(0, 2),
)
rule_subsets = st.lists(st.sampled_from(RULE_NAMES), min_size=1, unique=True).map(tuple)


@given(facts_strategy, rule_subsets, st.integers(0, 5))
def test_eligible_iff_every_enabled_rule_passes(
    facts: GreenChannelFacts, enabled: tuple[str, ...], minimum: int
) -> None:
    policy = GreenChannelPolicy(
        version="p", enabled_rules=enabled, min_approved_applications=minimum
    )
    assessment = assess(facts, policy)
    assert [r.rule for r in assessment.results] == [r for r in RULE_NAMES if r in enabled]
    assert assessment.eligible == all(r.passed for r in assessment.results)
    for result in assessment.results:
        # A rule's verdict does not depend on which other rules are enabled.
        alone = assess(facts, replace(policy, enabled_rules=(result.rule,)))
        assert alone.results == (result,)
        assert result.explanation


@given(facts_strategy, st.sampled_from(RULE_NAMES))
def test_disabling_a_rule_removes_only_that_rule(facts: GreenChannelFacts, rule: str) -> None:
    full = assess(facts)
    reduced = assess(
        facts,
        GreenChannelPolicy(version="p", enabled_rules=tuple(r for r in RULE_NAMES if r != rule)),
    )
    assert reduced.results == tuple(r for r in full.results if r.rule != rule)
    if full.eligible:
        assert reduced.eligible


@given(facts_strategy)
def test_rule_outcomes_match_their_definitions(facts: GreenChannelFacts) -> None:
    passed = {r.rule: r.passed for r in assess(facts).results}
    assert passed == {
        PARTNER_DESTINATION: facts.destination in EU_MEMBER_STATES,
        CIVIL_END_USE: END_USES[facts.end_use_category].civil,
        APPLICANT_GOOD_STANDING: facts.applicant_violations_in_lookback == 0
        and facts.applicant_has_compliance_programme
        and facts.applicant_approved_applications >= 3,
        KNOWN_END_USER: facts.end_user_previously_approved,
        NO_OPEN_SCREENING_HITS: facts.open_screening_hits == 0,
    }


# --- facts validation --------------------------------------------------------------------------


@pytest.mark.parametrize("destination", ["de", "DEU", "XX", "", "EL"])
def test_facts_refuse_a_destination_that_is_not_a_canonical_alpha2(destination: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        replace(GOOD, destination=destination)
    assert caught.value.code == "green_channel.invalid_facts"
    assert repr(destination) in caught.value.message


def test_facts_refuse_an_unknown_end_use() -> None:
    with pytest.raises(InvalidInput) as caught:
        replace(GOOD, end_use_category="magic")
    assert caught.value.code == "application.unknown_end_use"


@pytest.mark.parametrize(
    "field",
    ["applicant_violations_in_lookback", "applicant_approved_applications", "open_screening_hits"],
)
@pytest.mark.parametrize("value", [-1, True, "2"])
def test_facts_refuse_counts_that_are_not_non_negative_integers(field: str, value: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        replace(GOOD, **{field: value})
    assert caught.value.code == "green_channel.invalid_facts"
    assert caught.value.details == {"field": field}


# --- policy construction and configuration -------------------------------------------------------


def policy_problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        policy_from_mapping(data)
    assert caught.value.code == "green_channel.invalid_policy"
    assert status_for(caught.value) == 422
    problems: list[str] = caught.value.details["problems"]
    assert caught.value.message == "invalid green-channel policy: " + "; ".join(problems)
    return problems


def test_policy_from_mapping_takes_defaults_for_omitted_keys() -> None:
    policy = policy_from_mapping({"version": "2026-12-07"})
    assert policy == DEFAULT_POLICY
    assert hash(policy) == hash(DEFAULT_POLICY)


def test_policy_from_mapping_reads_every_key_and_normalises_country_codes() -> None:
    policy = policy_from_mapping(
        {
            "version": "2025-11",
            "partner_groups": {"EU": ["de", "FRA", " it "], "EEA": ["NO", "is", "LI"]},
            "min_approved_applications": 5,
            "violation_lookback_years": 2,
            "enabled_rules": ["civil_end_use", "partner_destination"],
        }
    )
    assert policy.version == "2025-11"
    assert policy.partner_groups == {
        "EU": frozenset({"DE", "FR", "IT"}),
        "EEA": frozenset({"NO", "IS", "LI"}),
    }
    assert policy.min_approved_applications == 5
    assert policy.violation_lookback_years == 2
    assert policy.enabled_rules == ("civil_end_use", "partner_destination")


def test_policy_refuses_unknown_rule_names() -> None:
    problems = policy_problems({"version": "v", "enabled_rules": ["civil_end_use", "vibes"]})
    assert problems == [f"unknown rules ['vibes']; known: {list(RULE_NAMES)}"]


def test_policy_refuses_unknown_country_codes_naming_group_and_code() -> None:
    problems = policy_problems({"version": "v", "partner_groups": {"EU": ["DE", "EL", "XX"]}})
    assert problems == [
        "partner group EU: unknown country code 'EL'",
        "partner group EU: unknown country code 'XX'",
    ]


def test_policy_flags_yaml_norway_read_as_false() -> None:
    problems = policy_problems({"version": "v", "partner_groups": {"EEA": [False, "IS"]}})
    assert problems == ["partner group EEA: False is not a country code (quote it)"]


def test_policy_reports_every_problem_at_once() -> None:
    problems = policy_problems(
        {
            "min_aproved_applications": 3,
            "partner_groups": ["DE"],
            "violation_lookback_years": 0,
            "enabled_rules": "civil_end_use",
        }
    )
    assert problems == [
        "unknown keys ['min_aproved_applications']; known: "
        "['enabled_rules', 'min_approved_applications', 'partner_groups', "
        "'version', 'violation_lookback_years']",
        "version is required",
        "partner_groups must map a group name to a list of country codes",
        "enabled_rules must be a list of rule names",
        "violation_lookback_years must be an integer >= 1, got 0",
    ]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"version": ""}, "version must be a non-empty string"),
        ({"version": 3}, "version must be a non-empty string"),
        ({"version": "v", "enabled_rules": []}, "enabled_rules is empty"),
        (
            {"version": "v", "enabled_rules": ["civil_end_use", "civil_end_use"]},
            "enabled_rules lists a rule twice",
        ),
        ({"version": "v", "min_approved_applications": -1}, "min_approved_applications must be"),
        ({"version": "v", "min_approved_applications": "3"}, "min_approved_applications must be"),
        ({"version": "v", "min_approved_applications": True}, "min_approved_applications must be"),
        (
            {"version": "v", "partner_groups": {"EU": "DE"}},
            "partner group EU: members must be a list",
        ),
        ({"version": "v", "partner_groups": {"": ["DE"]}}, "partner group name '' must be"),
    ],
)
def test_policy_refuses_malformed_values(data: dict[str, Any], problem: str) -> None:
    problems = policy_problems(data)
    assert len(problems) == 1
    assert problems[0].startswith(problem)


def test_direct_construction_requires_canonical_codes() -> None:
    with pytest.raises(InvalidInput) as caught:
        GreenChannelPolicy(version="v", partner_groups={"EU": frozenset({"de", "DE"})})
    assert caught.value.details["problems"] == ["partner group EU: 'de' is not an ISO alpha-2 code"]


def test_policy_is_insulated_from_later_changes_to_the_source_mapping() -> None:
    groups = {"EU": frozenset({"DE"})}
    policy = GreenChannelPolicy(version="v", partner_groups=groups)
    groups["US"] = frozenset({"US"})
    assert dict(policy.partner_groups) == {"EU": frozenset({"DE"})}
    with pytest.raises(TypeError):
        policy.partner_groups["US"] = frozenset({"US"})  # type: ignore[index]


# --- lane performance --------------------------------------------------------------------------


def test_no_samples_give_no_lanes() -> None:
    assert median_working_days_by_lane([]) == {}


def test_lane_statistics_use_exact_decimals_and_nearest_rank_p90() -> None:
    samples = [("green", d) for d in (12, 10, 14, 11)] + [("ordinary", d) for d in range(1, 11)]
    stats = median_working_days_by_lane(samples)
    assert list(stats) == ["green", "ordinary"]
    assert stats["green"] == LaneStats("green", 4, Decimal("11.5"), Decimal(14))
    assert stats["ordinary"] == LaneStats("ordinary", 10, Decimal("5.5"), Decimal(9))
    assert isinstance(stats["green"].median_working_days, Decimal)
    assert stats["green"].to_dict() == {
        "lane": "green",
        "decided": 4,
        "median_working_days": "11.5",
        "p90_working_days": "14",
    }


@pytest.mark.parametrize(
    ("days", "median", "p90"),
    [([7], "7", "7"), ([3, 4], "3.5", "4"), ([5, 1, 3], "3", "5"), (list(range(1, 12)), "6", "10")],
)
def test_lane_statistics_small_samples(days: list[int], median: str, p90: str) -> None:
    stats = median_working_days_by_lane(("lane", d) for d in days)["lane"]
    assert (stats.median_working_days, stats.p90_working_days) == (Decimal(median), Decimal(p90))


@pytest.mark.parametrize("days", [-1, True, 2.5])
def test_lane_statistics_refuse_impossible_durations(days: object) -> None:
    with pytest.raises(ValueError, match="non-negative integer"):
        median_working_days_by_lane([("green", 3), ("green", days)])  # type: ignore[list-item]


@given(st.lists(st.tuples(st.sampled_from(["green", "ordinary"]), st.integers(0, 90)), min_size=1))
def test_lane_statistics_agree_with_their_definitions(samples: list[tuple[str, int]]) -> None:
    stats = median_working_days_by_lane(samples)
    assert sorted(stats) == sorted({lane for lane, _ in samples})
    for lane, lane_stats in stats.items():
        days = [d for name, d in samples if name == lane]
        assert lane_stats.decided == len(days)
        assert lane_stats.median_working_days == statistics.median(Decimal(d) for d in days)
        p90 = lane_stats.p90_working_days
        assert p90 in days
        assert sum(d <= p90 for d in days) * 10 >= 9 * len(days)
        assert sum(d < p90 for d in days) * 10 < 9 * len(days)
