"""What a screening search answers: settings, scores' penalties, explanations, matches. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field

from rarex.screening.example import FieldCheck
from rarex.screening.records import ListEntry, NameRole


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """How strict screening is; configuration, never changed while screening runs.

    ``threshold`` 0.80 is the default because on the shared lists it separates the two
    populations that matter: true variants (legal-form, word-order and script changes score
    1.0; one typo in a six-letter distinctive word about 0.85; a transliteration such as
    Рособоронэкспорт/Rosoboronexport about 0.9) from near misses (one distinctive word more or
    less, "Huawei Marine" against "Huawei", about 0.6-0.7) and names sharing only generic words
    (at most ``generic_only_factor`` of their similarity, 0.6). Lower it to see more for
    manual review, raise it for fewer false hits.
    """

    threshold: float = 0.80
    generic_weight: float = 0.30  # share of the score given to agreement of generic words
    # their agreement when one side has none: "Khazar Steel Co." is not "Khazar Co."; low
    # enough that an exact distinctive part alone stays below the threshold (0.79)
    generic_absent: float = 0.3
    generic_absent_one: float = 0.4  # ...but one word only is a word dropped: 0.82 in all
    generic_unpartnered_penalty: float = 0.15  # per such word when both sides have some
    generic_absent_form: float = 0.6  # ...unless they only say what it is (``terms.FORM_WORDS``)
    place_mismatch_penalty: float = 0.5  # off their agreement when both name different places
    dropped_middle_name_penalty: float = 0.1  # one side lacks a middle name or patronymic
    initial_penalty: float = 0.03  # per initial standing for a name the other side writes out
    generic_only_factor: float = 0.60  # scale when either side has no distinctive token
    generic_exact_min: float = 0.88  # ...unless all their words agree at least this much
    non_person_syllable_factor: float = 0.92  # syllables in any order are a person-name habit
    weak_alias_penalty: float = 0.08
    former_name_penalty: float = 0.03
    kind_mismatch_penalty: float = 0.10
    country_mismatch_penalty: float = 0.05
    # a name written in Chinese (characters or pinyin) against a party with addresses only
    # outside China, Hong Kong, Macao and Taiwan
    chinese_name_abroad_penalty: float = 0.10
    short_name_factor: float = 0.85  # a bare name under 7 letters that is not exact
    # per distinctive word without partner: one word more or less is another company
    # ("Zongyi Koala Superconductor", "Zongyi Superconductor")
    unmatched_word_penalty: float = 0.15
    # a Chinese name of a unit under a listed parent (中国工程物理研究院流体物理研究所) found
    # through its parent: the unit itself may not be listed
    unit_of_listed_penalty: float = 0.1
    coverage_floor: float = 0.5  # words without partner scale similarity down to this
    joined_min: float = 0.95  # joined forms below this similarity count at coverage_floor
    candidates: int = 64  # names retrieved per query before scoring
    translated_candidates: int = 10  # of them, compared as a translation (a Chinese query)


DEFAULT = MatchSettings()


@dataclass(frozen=True, slots=True)
class Penalty:
    reason: str
    amount: float


@dataclass(frozen=True, slots=True)
class NameComparison:
    """How two normalised names compare, before any penalty about the entry."""

    similarity: float
    compared_as: str
    agreed: tuple[tuple[str, str], ...] = ()
    missing: tuple[str, ...] = ()  # query's distinctive tokens with no partner
    unmatched: tuple[str, ...] = ()  # list name's distinctive tokens with no partner
    penalties: tuple[Penalty, ...] = ()


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a list entry was hit: serialises with ``to_dict`` and reads with ``render``.

    ``penalties`` lists both kinds: those of the name comparison (generic-only overlap,
    distinctive words without partner) are already inside ``name_similarity``; those of the
    entry (weak alias, former name, kind, country) are subtracted from it to give the score.
    """

    query: str
    query_form: str
    list_name: str
    list_name_role: NameRole
    list_form: str
    compared_as: str
    name_similarity: float
    agreed: tuple[tuple[str, str], ...]
    missing: tuple[str, ...]
    unmatched: tuple[str, ...]
    query_steps: tuple[str, ...]
    list_steps: tuple[str, ...]
    penalties: tuple[Penalty, ...] = field(default=())
    # query by example: each other field the asker gave, against the entry
    checks: tuple[FieldCheck, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return {
            "query": self.query,
            "query_form": self.query_form,
            "list_name": self.list_name,
            "list_name_role": self.list_name_role.value,
            "list_form": self.list_form,
            "compared_as": self.compared_as,
            "name_similarity": round(self.name_similarity, 4),
            "agreed": [list(pair) for pair in self.agreed],
            "missing": list(self.missing),
            "unmatched": list(self.unmatched),
            "query_steps": list(self.query_steps),
            "list_steps": list(self.list_steps),
            "penalties": [{"reason": p.reason, "amount": p.amount} for p in self.penalties],
            "checks": [c.to_dict() for c in self.checks],
        }

    def render(self) -> str:
        agreed = ", ".join(a if a == b else f"{a}≈{b}" for a, b in self.agreed) or "none"
        lines = [
            f'"{self.query}" → "{self.query_form}" vs {self.list_name_role.value} '
            f'"{self.list_name}" → "{self.list_form}"',
            f"compared as {self.compared_as}: similarity {self.name_similarity:.2f}; "
            f"agreed: {agreed}",
        ]
        if self.missing or self.unmatched:
            lines.append(
                f"missing from list name: {', '.join(self.missing) or '-'}; "
                f"not in query: {', '.join(self.unmatched) or '-'}"
            )
        steps = "; ".join(
            f"{side}: {', '.join(s)}"
            for side, s in (("query", self.query_steps), ("list", self.list_steps))
            if s
        )
        if steps:
            lines.append(f"normalised {steps}")
        lines.extend(f"penalty -{p.amount:.2f}: {p.reason}" for p in self.penalties)
        lines.extend(f"{c.field} {c.verdict} {c.amount:+.2f}: {c.detail}" for c in self.checks)
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Match:
    entry: ListEntry
    score: float
    explanation: Explanation

    def to_dict(self) -> dict[str, object]:
        return {
            "entity_id": self.entry.entity_id,
            "name": self.entry.primary_name,
            "kind": self.entry.kind.value,
            "score": round(self.score, 4),
            "explanation": self.explanation.to_dict(),
        }
