"""Screening accuracy on the hand-labelled development set of issue 10 (``screening_cases``).

Loads every shared list with the project's parsers, builds the index as
``bench/bench_screening.py`` does (``ScreeningIndex.build`` over all entries), screens every
case through ``matching.search`` with the default settings, and prints, for the dev and the
test split apart:

- recall per class (and per written form of the Chinese names): a positive is *found* when
  the top hit is one of its expected entities (every returned hit already scores at least the
  threshold); recall@10, any expected entity among the hits, beside it;
- false positives per 1,000 hard negatives per kind and form: a negative is a false positive
  when anything at all comes back;
- the worst misses and false hits of the dev split (query, expected, the top 3 returned);
  ``--show-test`` prints the test split's too. Tune on dev only: the test split is frozen.

    python bench/bench_screening_cases.py [--examples 8] [--show-test]

The last line printed is one JSON object with every figure, for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import screening_cases as cases
from rarex.screening import matching, persisted
from rarex.screening.index import ScreeningIndex
from rarex.screening.records import ListEntry

Found = list[tuple[str, float]]


def matcher_source_sha256() -> str:
    """The matcher is being changed: tie the figures to the exact source they were measured
    on (every module of ``rarex.screening``, sources included): the digest that also names a
    persisted index."""
    return persisted.code_digest()[:16]


def screen_all(index: ScreeningIndex, queries: Sequence[cases.Query]) -> tuple[list[Found], float]:
    def search(text: str) -> list[Any]:
        return matching.search(index, text)

    for warm in ("Warm Up Trading Co., Ltd.", "示例科技有限公司", "Иван Пример"):
        search(warm)
    t0 = time.perf_counter()
    results = [[(m.entry.entity_id, m.score) for m in search(q.text)] for q in queries]
    return results, time.perf_counter() - t0


def is_found(q: cases.Query, found: Found, *, top: int = 1) -> bool:
    return any(entity_id in q.expected for entity_id, _ in found[:top])


class Tally:
    """Hits over n, per key."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = defaultdict(int)
        self.n: dict[str, int] = defaultdict(int)

    def add(self, key: str, hit: bool) -> None:
        self.n[key] += 1
        self.hits[key] += int(hit)

    def rate(self, key: str) -> float | None:
        return self.hits[key] / self.n[key] if self.n[key] else None


def measure(queries: Sequence[cases.Query], results: Sequence[Found]) -> dict[str, Any]:
    """Every figure, per split: recall@1/@10 by class and Chinese form, FP/1,000 by kind."""
    r1, r10, fp = Tally(), Tally(), Tally()
    for q, found in zip(queries, results, strict=True):
        keys = [f"{q.split}|{q.cls}", f"all|{q.cls}"]
        if q.cls == cases.CHINESE:
            keys += [f"{q.split}|{q.cls}/{q.form}", f"all|{q.cls}/{q.form}"]
        if q.positive:
            keys += [f"{q.split}|positives", "all|positives"]
            for key in keys:
                r1.add(key, is_found(q, found))
                r10.add(key, is_found(q, found, top=10))
        else:
            keys = [
                f"{s}|{k}"
                for s in (q.split, "all")
                for k in ("negatives", q.note, f"{q.note}/{q.form}")
            ]
            for key in keys:
                fp.add(key, bool(found))
    out: dict[str, Any] = {}
    for split in (*cases.SPLITS, "all"):
        rec: dict[str, Any] = {}
        for key in sorted(k for k in r1.n if k.startswith(f"{split}|")):
            name = key.split("|", 1)[1]
            rec[name] = {
                "n": r1.n[key],
                "recall_at_1": round(r1.rate(key) or 0.0, 4),
                "recall_at_10": round(r10.rate(key) or 0.0, 4),
            }
        neg: dict[str, Any] = {}
        for key in sorted(k for k in fp.n if k.startswith(f"{split}|")):
            name = key.split("|", 1)[1]
            neg[name] = {
                "n": fp.n[key],
                "false_positives": fp.hits[key],
                "fp_per_1000": round(1000 * (fp.rate(key) or 0.0), 1),
            }
        out[split] = {"recall": rec, "negatives": neg}
    return out


def print_tables(figures: dict[str, Any]) -> None:
    rows = sorted(
        set(figures["dev"]["recall"]) | set(figures["test"]["recall"]),
        key=lambda k: (k == "positives", k),
    )
    print("\n=== recall: the top hit is the listed party (every hit scores >= threshold) ===")
    print(
        f"  {'class / form':<30}"
        + "".join(f"{s + ' n':>9}{'r@1':>8}{'r@10':>8}" for s in cases.SPLITS)
    )
    for key in rows:
        cells = ""
        for split in cases.SPLITS:
            f = figures[split]["recall"].get(key)
            cells += (
                f"{f['n']:>9}{f['recall_at_1']:>8.3f}{f['recall_at_10']:>8.3f}" if f else " " * 25
            )
        label = f"  {key}" if "/" in key else key
        print(f"  {label:<30}{cells}")
    rows = sorted(
        set(figures["dev"]["negatives"]) | set(figures["test"]["negatives"]),
        key=lambda k: (k == "negatives", k),
    )
    print("\n=== false positives per 1,000 hard negatives (any hit at all is one) ===")
    print(
        f"  {'kind / form':<30}"
        + "".join(f"{s + ' n':>9}{'FP':>6}{'FP/1000':>9}" for s in cases.SPLITS)
    )
    for key in rows:
        cells = ""
        for split in cases.SPLITS:
            f = figures[split]["negatives"].get(key)
            cells += (
                f"{f['n']:>9}{f['false_positives']:>6}{f['fp_per_1000']:>9.1f}" if f else " " * 24
            )
        label = f"  {key}" if "/" in key else key
        print(f"  {label:<30}{cells}")


def worst(
    queries: Sequence[cases.Query],
    results: Sequence[Found],
    entries: Sequence[ListEntry],
    *,
    splits: Sequence[str],
    per_class: int,
) -> dict[str, list[str]]:
    """Misses (expected entity not even in the top 10 first, then confidently wrong top hits)
    and false hits, per class and split: one query per case first, then the worst left."""
    by_id = {e.entity_id: e for e in entries}

    def show(found: Found) -> str:
        return (
            "; ".join(f"{by_id[i].primary_name[:48]!r} ({i[:22]}) {s:.2f}" for i, s in found[:3])
            or "nothing"
        )

    rows: dict[str, list[tuple[tuple[int, float], str, str]]] = defaultdict(list)
    for q, found in zip(queries, results, strict=True):
        if q.split not in splits:
            continue
        top = found[0][1] if found else 0.0
        if q.positive and not is_found(q, found):
            severity = (0 if not is_found(q, found, top=10) else 1, -top)
            line = f"{q.case} {q.form}: {q.text!r} → expected {q.listed_name!r}; got {show(found)}"
        elif not q.positive and found:
            severity = (0, -top)
            line = f"{q.case} {q.note}/{q.form}: {q.text!r} → {show(found)}"
        else:
            continue
        rows[f"{q.cls} [{q.split}]"].append((severity, q.case, line))
    out: dict[str, list[str]] = {}
    for key, items in sorted(rows.items()):
        items.sort(key=lambda x: x[0])
        picked: list[str] = []
        cases_shown: set[str] = set()
        for _, case, line in items:
            if len(picked) < per_class and case not in cases_shown:
                picked.append(line)
                cases_shown.add(case)
        for _, _, line in items:
            if len(picked) >= per_class:
                break
            if line not in picked:
                picked.append(line)
        out[key] = picked
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--examples", type=int, default=8, help="misses shown per class")
    parser.add_argument(
        "--show-test", action="store_true", help="also show the test split's misses"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    now = datetime.now(UTC)
    queries = cases.load_cases()
    counts = cases.case_counts(queries)
    frozen = cases.frozen_split_sha256()
    print(
        f"screening cases {now:%Y-%m-%d %H:%M} UTC: {len(queries):,} queries "
        f"({sum(q.positive for q in queries):,} positive); cases per class and split {counts}"
    )
    print(
        f"test split sha256 {frozen[:16]}… "
        + ("(frozen)" if frozen == cases.TEST_SPLIT_SHA256 else "(CHANGED since it was frozen)")
    )
    t0 = time.perf_counter()
    entries = cases.load_lists()
    parse_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = ScreeningIndex.build(entries)
    build_s = time.perf_counter() - t0
    threshold = getattr(getattr(matching, "DEFAULT", None), "threshold", None)
    print(
        f"lists: {len(entries):,} entries parsed in {parse_s:.1f} s; index of {len(index):,} "
        f"names built in {build_s:.1f} s; threshold {threshold}"
    )
    results, screen_s = screen_all(index, queries)
    qps = len(queries) / screen_s
    print(
        f"screened {len(queries):,} queries in {screen_s:.1f} s ({qps:,.0f} queries/s, 1 process)"
    )

    figures = measure(queries, results)
    print_tables(figures)
    splits = cases.SPLITS if args.show_test else ("dev",)
    print(f"\n=== worst misses and false hits ({', '.join(splits)}) ===")
    for key, lines in worst(
        queries, results, entries, splits=splits, per_class=args.examples
    ).items():
        print(f"\n{key}:")
        for line in lines:
            print(f"  {line}")

    summary = {
        split: {
            "recall_at_1": figures[split]["recall"]["positives"]["recall_at_1"],
            "chinese_recall_at_1": figures[split]["recall"][cases.CHINESE]["recall_at_1"],
            "fp_per_1000": figures[split]["negatives"]["negatives"]["fp_per_1000"],
        }
        for split in cases.SPLITS
    }
    print("\n=== summary (issue 10 targets: recall >= 0.97, Chinese >= 0.95, FP <= 5/1,000) ===")
    for split, s in summary.items():
        print(
            f"  {split:<5} recall {s['recall_at_1']:.3f}  Chinese {s['chinese_recall_at_1']:.3f}  "
            f"FP/1,000 {s['fp_per_1000']:.1f}"
        )
    elapsed = time.perf_counter() - started
    print(f"\nbench took {elapsed:.0f} s")
    record = {
        "bench": "screening_cases",
        "date": now.isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "matcher_sha256": matcher_source_sha256(),
        "threshold": threshold,
        "test_split_sha256": frozen,
        "test_split_frozen": frozen == cases.TEST_SPLIT_SHA256,
        "cases": counts,
        "queries": len(queries),
        "entries": len(entries),
        "index_build_s": round(build_s, 2),
        "queries_per_s": round(qps, 1),
        "summary": summary,
        "figures": figures,
        "seconds": round(elapsed, 1),
    }
    print(json.dumps(record, ensure_ascii=False))


if __name__ == "__main__":
    main()
