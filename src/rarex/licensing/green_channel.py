"""Green-channel eligibility as named, configurable rules, and the lane's own performance.

The green channel (MOFCOM's offer to the EU, 7 June 2025) is a priority lane inside the ordinary
procedure: the 45-working-day limit still applies. Eligibility is rule-based so that every
decision can be explained to the applicant and replayed under another policy version: each rule
looks only at :class:`GreenChannelFacts` and the :class:`GreenChannelPolicy`, and says why it
passed or failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from rarex.errors import InvalidInput
from rarex.jurisdictions import current_groups
from rarex.licensing.end_uses import get_end_use
from rarex.parties.identifiers import normalize_country

PARTNER_DESTINATION = "partner_destination"
CIVIL_END_USE = "civil_end_use"
APPLICANT_GOOD_STANDING = "applicant_good_standing"
KNOWN_END_USER = "known_end_user"
NO_OPEN_SCREENING_HITS = "no_open_screening_hits"

# Evaluation and reporting order, whatever order a policy lists its rules in.
RULE_NAMES: tuple[str, ...] = (
    PARTNER_DESTINATION,
    CIVIL_END_USE,
    APPLICANT_GOOD_STANDING,
    KNOWN_END_USER,
    NO_OPEN_SCREENING_HITS,
)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


@dataclass(frozen=True, slots=True)
class TrustedEndUser:
    """The approved trusted party (proposed by a partner authority) the end user was
    recognised as, and how: what the known-end-user rule cites."""

    number: str
    partner: str
    approved_on: date
    review_on: date
    matched_by: str

    def cited(self) -> str:
        return (
            f"is trusted party {self.number}, proposed by the {self.partner} partner authority "
            f"and approved on {self.approved_on.isoformat()} (review {self.review_on.isoformat()}),"
            f" matched by {self.matched_by}"
        )


@dataclass(frozen=True, slots=True)
class GreenChannelFacts:
    """What the rules may look at, gathered by the service; validated so a rule never guesses.

    ``destination`` must already be a canonical ISO alpha-2 code and ``end_use_category`` a
    known code; counts are non-negative.
    """

    destination: str
    end_use_category: str
    applicant_violations_in_lookback: int
    applicant_has_compliance_programme: bool
    applicant_approved_applications: int
    end_user_previously_approved: bool
    open_screening_hits: int
    # Where the end user is: goods "to Germany" for an end user elsewhere are not a partner case.
    end_user_country: str | None = None
    # False while no party screening exists; the explanation must not pretend it ran.
    screening_connected: bool = True
    # A partner's trusted party the end user is, approved and not lapsed on the day assessed.
    end_user_trusted: TrustedEndUser | None = None

    def __post_init__(self) -> None:
        if not _is_canonical_alpha2(self.destination):
            raise InvalidInput(
                f"destination must be an upper-case ISO alpha-2 code, got {self.destination!r}",
                code="green_channel.invalid_facts",
                destination=self.destination,
            )
        get_end_use(self.end_use_category)
        for name in (
            "applicant_violations_in_lookback",
            "applicant_approved_applications",
            "open_screening_hits",
        ):
            count = getattr(self, name)
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise InvalidInput(
                    f"{name} must be a non-negative integer, got {count!r}",
                    code="green_channel.invalid_facts",
                    field=name,
                )


def _policy_error(problems: list[str]) -> InvalidInput:
    return InvalidInput(
        "invalid green-channel policy: " + "; ".join(problems),
        code="green_channel.invalid_policy",
        problems=problems,
    )


@dataclass(frozen=True)
class GreenChannelPolicy:
    """A versioned rule configuration; the version is stamped on every assessment.

    Construction validates and freezes: partner-group members must be canonical ISO alpha-2
    codes, rule names known and unique, and at least one rule enabled (a channel with no
    criteria would admit everyone). Raises ``green_channel.invalid_policy``.
    """

    version: str
    # Country groups as the shipped data stands; the service passes them as they were on the
    # day of the assessment (``rarex.jurisdictions``).
    partner_groups: Mapping[str, frozenset[str]] = field(default_factory=current_groups)
    min_approved_applications: int = 3
    violation_lookback_years: int = 3
    enabled_rules: tuple[str, ...] = RULE_NAMES

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not isinstance(self.version, str) or not self.version.strip():
            problems.append("version must be a non-empty string")
        groups: dict[str, frozenset[str]] = {}
        for name, members in self.partner_groups.items():
            if not isinstance(name, str) or not name.strip():
                problems.append(f"partner group name {name!r} must be a non-empty string")
                continue
            if isinstance(members, str) or not isinstance(members, Iterable):
                problems.append(f"partner group {name}: members must be a set of codes")
                continue
            for code in sorted(members, key=str):
                if not _is_canonical_alpha2(code):
                    problems.append(f"partner group {name}: {code!r} is not an ISO alpha-2 code")
            groups[name] = frozenset(members)
        for attribute, minimum in (
            ("min_approved_applications", 0),
            ("violation_lookback_years", 1),
        ):
            value = getattr(self, attribute)
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                problems.append(f"{attribute} must be an integer >= {minimum}, got {value!r}")
        unknown = [rule for rule in self.enabled_rules if rule not in RULE_NAMES]
        if unknown:
            problems.append(f"unknown rules {unknown}; known: {list(RULE_NAMES)}")
        elif len(set(self.enabled_rules)) != len(self.enabled_rules):
            problems.append(f"enabled_rules lists a rule twice: {list(self.enabled_rules)}")
        if not self.enabled_rules:
            problems.append("enabled_rules is empty: a channel with no rules would admit everyone")
        if problems:
            raise _policy_error(problems)
        # Copy and freeze, so mutating the caller's dict cannot change a policy in use.
        object.__setattr__(self, "partner_groups", MappingProxyType(groups))
        object.__setattr__(self, "enabled_rules", tuple(self.enabled_rules))

    def __hash__(self) -> int:
        # The generated hash would fail on the mapping proxy; hash what equality compares.
        groups = frozenset(self.partner_groups.items())
        return hash(
            (
                self.version,
                groups,
                self.min_approved_applications,
                self.violation_lookback_years,
                self.enabled_rules,
            )
        )


def _is_canonical_alpha2(code: object) -> bool:
    if not isinstance(code, str):
        return False
    try:
        return normalize_country(code).alpha2 == code
    except InvalidInput:
        return False


# 2026-12-07: a partner's approved trusted party counts as a known end user (issue 13).
DEFAULT_POLICY = GreenChannelPolicy(version="2026-12-07")

_POLICY_KEYS = frozenset(
    {
        "version",
        "partner_groups",
        "min_approved_applications",
        "violation_lookback_years",
        "enabled_rules",
    }
)


def policy_from_mapping(data: Mapping[str, Any]) -> GreenChannelPolicy:
    """Build a policy from configuration (parsed YAML/JSON); omitted keys take the defaults.

    ``version`` is required. Country codes may be alpha-2 or alpha-3 in any case and are stored
    as alpha-2. Every problem found is reported at once, in ``details["problems"]``, so a policy
    author fixes a file in one pass. Raises ``green_channel.invalid_policy``.
    """
    problems: list[str] = []
    unknown_keys = sorted(str(key) for key in data if key not in _POLICY_KEYS)
    if unknown_keys:
        problems.append(f"unknown keys {unknown_keys}; known: {sorted(_POLICY_KEYS)}")
    kwargs: dict[str, Any] = {k: v for k, v in data.items() if k in _POLICY_KEYS}
    if "version" not in data:
        problems.append("version is required")
        kwargs["version"] = "(missing)"  # lets the remaining fields be checked in this pass

    if "partner_groups" in data:
        groups = data["partner_groups"]
        if isinstance(groups, Mapping):
            kwargs["partner_groups"] = {
                name: _parse_group(name, members, problems) for name, members in groups.items()
            }
        else:
            problems.append("partner_groups must map a group name to a list of country codes")
            del kwargs["partner_groups"]
    if "enabled_rules" in data:
        rules = data["enabled_rules"]
        if isinstance(rules, str) or not isinstance(rules, Iterable):
            problems.append("enabled_rules must be a list of rule names")
            del kwargs["enabled_rules"]
        else:
            kwargs["enabled_rules"] = tuple(rules)
    try:
        policy = GreenChannelPolicy(**kwargs)
    except InvalidInput as error:
        problems.extend(error.details["problems"])
    if problems:
        raise _policy_error(problems)
    return policy


def _parse_group(name: object, members: object, problems: list[str]) -> frozenset[str]:
    if isinstance(members, str) or not isinstance(members, Iterable):
        problems.append(f"partner group {name}: members must be a list of country codes")
        return frozenset()
    codes: set[str] = set()
    for member in members:
        if isinstance(member, bool):
            # PyYAML reads an unquoted NO (Norway) as false.
            problems.append(f"partner group {name}: {member!r} is not a country code (quote it)")
            continue
        try:
            codes.add(normalize_country(str(member)).alpha2)
        except InvalidInput:
            problems.append(f"partner group {name}: unknown country code {member!r}")
    return frozenset(codes)


@dataclass(frozen=True, slots=True)
class RuleResult:
    rule: str
    passed: bool
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "passed": self.passed, "explanation": self.explanation}


@dataclass(frozen=True, slots=True)
class GreenChannelAssessment:
    """``eligible`` holds iff every result passed; results follow :data:`RULE_NAMES` order."""

    eligible: bool
    policy_version: str
    results: tuple[RuleResult, ...]

    def __post_init__(self) -> None:
        if self.eligible != all(result.passed for result in self.results):
            raise ValueError("eligible must hold exactly when every rule result passed")

    @property
    def failed_rules(self) -> tuple[str, ...]:
        return tuple(result.rule for result in self.results if not result.passed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "policy_version": self.policy_version,
            "results": [result.to_dict() for result in self.results],
        }


def _partner_destination(facts: GreenChannelFacts, policy: GreenChannelPolicy) -> RuleResult:
    groups = sorted(
        name for name, members in policy.partner_groups.items() if facts.destination in members
    )
    if groups and facts.end_user_country not in (None, facts.destination):
        shared = [g for g in groups if facts.end_user_country in policy.partner_groups[g]]
        if not shared:
            text = (
                f"destination {facts.destination} is in partner group {', '.join(groups)}, "
                f"but the end user is in {facts.end_user_country}, which is not"
            )
            return RuleResult(PARTNER_DESTINATION, False, text)
    if groups:
        noun = "partner group" if len(groups) == 1 else "partner groups"
        text = f"destination {facts.destination} is in {noun} {', '.join(groups)}"
        return RuleResult(PARTNER_DESTINATION, True, text)
    configured = ", ".join(sorted(policy.partner_groups)) or "none configured"
    text = f"destination {facts.destination} is in no partner group ({configured})"
    return RuleResult(PARTNER_DESTINATION, False, text)


def _civil_end_use(facts: GreenChannelFacts, policy: GreenChannelPolicy) -> RuleResult:
    category = get_end_use(facts.end_use_category)
    named = f"end use {category.code} ({category.label})"
    if category.civil:
        return RuleResult(CIVIL_END_USE, True, f"{named} is civil")
    if category.denial_in_principle:
        return RuleResult(CIVIL_END_USE, False, f"{named} is not civil and is denied in principle")
    return RuleResult(CIVIL_END_USE, False, f"{named} is not civil")


def _applicant_good_standing(facts: GreenChannelFacts, policy: GreenChannelPolicy) -> RuleResult:
    years = _plural(policy.violation_lookback_years, "year")
    violations = facts.applicant_violations_in_lookback
    approved = facts.applicant_approved_applications
    minimum = policy.min_approved_applications
    checks = [
        (
            violations == 0,
            f"no violations in the last {years}"
            if violations == 0
            else f"{_plural(violations, 'violation')} in the last {years}",
        ),
        (
            facts.applicant_has_compliance_programme,
            "compliance programme on file"
            if facts.applicant_has_compliance_programme
            else "no compliance programme on file",
        ),
        (
            approved >= minimum,
            f"{_plural(approved, 'approved application')} (minimum {minimum})"
            if approved >= minimum
            else f"only {_plural(approved, 'approved application')}, fewer than the minimum "
            f"of {minimum}",
        ),
    ]
    passed = all(ok for ok, _ in checks)
    lead = "applicant in good standing" if passed else "applicant not in good standing"
    return RuleResult(
        APPLICANT_GOOD_STANDING, passed, f"{lead}: " + "; ".join(t for _, t in checks)
    )


def _known_end_user(facts: GreenChannelFacts, policy: GreenChannelPolicy) -> RuleResult:
    trusted = facts.end_user_trusted
    if facts.end_user_previously_approved:
        text = "end user was approved in an earlier application"
        return RuleResult(KNOWN_END_USER, True, f"{text}; {trusted.cited()}" if trusted else text)
    if trusted is not None:
        return RuleResult(KNOWN_END_USER, True, f"end user {trusted.cited()}")
    return RuleResult(
        KNOWN_END_USER,
        False,
        "end user has no earlier approved application and is no approved trusted party",
    )


def _no_open_screening_hits(facts: GreenChannelFacts, policy: GreenChannelPolicy) -> RuleResult:
    hits = facts.open_screening_hits
    if hits == 0 and not facts.screening_connected:
        return RuleResult(
            NO_OPEN_SCREENING_HITS,
            True,
            "no screening hits recorded: no watch list is loaded, so no party was screened",
        )
    if hits == 0:
        return RuleResult(NO_OPEN_SCREENING_HITS, True, "no open screening hits")
    return RuleResult(
        NO_OPEN_SCREENING_HITS, False, f"{_plural(hits, 'open screening hit')} to resolve"
    )


Rule = Callable[[GreenChannelFacts, GreenChannelPolicy], RuleResult]

RULES: Mapping[str, Rule] = MappingProxyType(
    {
        PARTNER_DESTINATION: _partner_destination,
        CIVIL_END_USE: _civil_end_use,
        APPLICANT_GOOD_STANDING: _applicant_good_standing,
        KNOWN_END_USER: _known_end_user,
        NO_OPEN_SCREENING_HITS: _no_open_screening_hits,
    }
)


def assess(
    facts: GreenChannelFacts, policy: GreenChannelPolicy = DEFAULT_POLICY
) -> GreenChannelAssessment:
    """Evaluate every enabled rule (all of them, not stopping at the first failure)."""
    enabled = set(policy.enabled_rules)
    results = tuple(RULES[name](facts, policy) for name in RULE_NAMES if name in enabled)
    return GreenChannelAssessment(
        eligible=all(result.passed for result in results),
        policy_version=policy.version,
        results=results,
    )


# --- lane performance ------------------------------------------------------------------------
