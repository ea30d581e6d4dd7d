"""The hand-labelled screening development set (bench/screening_cases, issue 10 item 5) is
well formed: it loads, meets its minimum sizes, points at entities the shared lists really
hold, writes its Chinese names consistently, holds no negative that is a listed name, and its
test split is the one that was frozen. No database, no matcher."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import opencc
import pytest
from bench import screening_cases as cases

from rarex.screening.records import ListEntry


@pytest.fixture(scope="module")
def queries() -> list[cases.Query]:
    return cases.load_cases()


@pytest.fixture(scope="module")
def entries() -> list[ListEntry]:
    if not cases.WATCHLISTS.is_dir():
        pytest.skip(f"shared watch lists not found at {cases.WATCHLISTS}")
    return cases.load_lists()


def test_every_class_meets_its_minimum_in_cases(queries: list[cases.Query]) -> None:
    counts = cases.case_counts(queries)
    assert set(counts) == set(cases.MINIMUMS)
    short = {
        c: (counts[c]["total"], m) for c, m in cases.MINIMUMS.items() if counts[c]["total"] < m
    }
    assert not short, f"classes under their minimum (have, need): {short}"


def test_every_chinese_case_is_five_queries(queries: list[cases.Query]) -> None:
    forms = Counter(q.case for q in queries if q.cls == cases.CHINESE)
    assert set(forms.values()) == {len(cases.CHINESE_FORMS)}


def test_both_splits_are_used_by_every_class(queries: list[cases.Query]) -> None:
    counts = cases.case_counts(queries)
    empty = {c: v for c, v in counts.items() if not all(v[s] for s in cases.SPLITS)}
    assert not empty


def test_the_test_split_is_the_frozen_one() -> None:
    assert cases.frozen_split_sha256() == cases.TEST_SPLIT_SHA256, (
        "the test split changed: only a wrong label may change it, never the matcher; "
        "update TEST_SPLIT_SHA256 deliberately and say why in the commit"
    )


def test_every_query_is_text_and_no_case_id_repeats(queries: list[cases.Query]) -> None:
    assert all(q.text.strip() == q.text and q.text for q in queries)
    ids = Counter((q.cls, q.case, q.form) for q in queries)
    assert max(ids.values()) == 1


def test_every_expected_entity_is_in_the_shared_lists(
    queries: list[cases.Query], entries: list[ListEntry]
) -> None:
    known = {e.entity_id for e in entries}
    missing = sorted({i for q in queries for i in q.expected} - known)
    assert not missing, f"{len(missing)} expected ids the parsers do not produce: {missing[:10]}"


def test_han_forms_hold_han_and_traditional_is_the_simplified_name() -> None:
    to_simplified = opencc.OpenCC("t2s")
    rows = cases.load_cases()
    by_case: dict[str, dict[str, str]] = {}
    for q in rows:
        if q.cls == cases.CHINESE:
            by_case.setdefault(q.case, {})[q.form] = q.text
    for case, forms in by_case.items():
        hans, hant = forms["hans"], forms["hant"]
        assert cases.has_han(hans), case
        assert cases.has_han(hant), case
        assert len(hans) == len(hant), case
        assert to_simplified.convert(hant) == hans, (case, hans, hant)
        for form in ("pinyin_joined", "pinyin_spaced", "pinyin_mixed"):
            assert forms[form].isascii(), (case, form)
        assert forms["pinyin_spaced"] == forms["pinyin_spaced"].lower(), case


def test_chinese_negatives_in_han_hold_han(queries: list[cases.Query]) -> None:
    han = [q for q in queries if q.cls == cases.NEGATIVE and q.form == "hans"]
    assert han
    assert all(cases.has_han(q.text) for q in han)


def test_no_negative_is_a_listed_name(queries: list[cases.Query], entries: list[ListEntry]) -> None:
    listed = {cases.fold(n.text) for e in entries for n in e.names}
    clashes = [q.text for q in queries if not q.positive and cases.fold(q.text) in listed]
    assert not clashes


def test_no_text_is_both_a_positive_and_a_negative(queries: list[cases.Query]) -> None:
    positive = {cases.fold(q.text) for q in queries if q.positive}
    assert not [q.text for q in queries if not q.positive and cases.fold(q.text) in positive]


def test_a_case_filed_under_the_wrong_split_is_refused(tmp_path: Path) -> None:
    for path in cases.CASES_DIR.glob("*.csv"):
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / "initials.csv"
    lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
    first = lines[1].split(",")
    first[1] = "test" if first[1] == "dev" else "dev"
    lines[1] = ",".join(first)
    target.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ValueError, match="is not split_of"):
        cases.load_cases(tmp_path)
