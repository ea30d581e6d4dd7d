"""Party screening: recall and false positives on a labelled development set, and speed beside
rapidfuzz brute force, on the shared lists and on a synthetic list of a million names (issue 4).

1. accuracy: the development set of ``screening_devset`` (variants of listed names by class,
   Han/pinyin/Cyrillic/Arabic queries, hard negatives) through ``matching.search`` with the
   default settings; recall per class and per script, the Han ↔ pinyin slice, false positives
   per 1,000 negatives per class, and the worst failures with what came back;
2. speed, on (a) every shared list and (b) ``--synthetic`` names (the real ones plus names made
   by recombining their words): index build time and memory, then the same queries through the
   matcher and through ``rapidfuzz.process.extract(query, names, scorer=WRatio, limit=10)``
   with 1 and 2 processes (each forked after the index is built, one rapidfuzz worker each);
   queries/s, p50/p95/p99 latency, peak RSS. Brute force at the synthetic size runs a sample.

    python bench/bench_screening.py [--quick] [--synthetic 1000000] [--brute-sample 100]

The last lines printed are one JSON object per figure, for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import hashlib
import json
import multiprocessing
import os
import platform
import random
import resource
import statistics
import sys
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

import screening_devset as devset
from rarex.screening import matching
from rarex.screening.index import ScreeningIndex
from rarex.screening.records import EntryName, ListEntry, NameRole, PartyKind
from rarex.screening.sources import parse_list
from screening_cases import LISTS
from screening_cases import WATCHLISTS as DATA

# One query of each kind, so that what a server loads at its first query of a kind (the
# segmenter and CC-CEDICT with a Chinese name, its sound table with a pinyin one, about 1.5 s)
# is loaded before the clock starts in every worker, as in a server that has been up a while.
WARMUP = (
    "Warm Up Trading Co., Ltd.",
    "John Q. Example",
    "示例科技有限公司",
    "Shili Dianzi Keji Youxian Gongsi",
    "Иван Пример",
)
TARGETS = {
    "qps_shared": 1000.0,
    "qps_synthetic": 200.0,
    "p99_ms": 50.0,
    "recall": 0.97,
    "fp_per_1000": 5.0,
    "han_pinyin_recall": 0.95,
}
RESULTS: list[dict[str, Any]] = []


def emit(record: dict[str, Any]) -> None:
    RESULTS.append(record)


def pct(values: Sequence[float]) -> dict[str, float]:
    if len(values) < 2:
        v = values[0] if values else float("nan")
        return {"p50": v, "p95": v, "p99": v}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": round(cuts[49], 3), "p95": round(cuts[94], 3), "p99": round(cuts[98], 3)}


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def maxrss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


@contextmanager
def progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A Rich progress bar when stderr is a terminal, nothing otherwise."""
    if not sys.stderr.isatty():
        yield lambda _n: None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.update(task, advance=n)


# --- data ---------------------------------------------------------------------------------------


def load_lists() -> list[ListEntry]:
    entries: list[ListEntry] = []
    for fmt, files in LISTS:
        t0 = time.perf_counter()
        parsed = parse_list(fmt, {name: (DATA / name).read_bytes() for name in files})
        names = sum(len(e.names) for e in parsed.entries)
        kinds = Counter(e.kind.value for e in parsed.entries)
        print(
            f"  {fmt:<14} {len(parsed.entries):>6} entries {names:>6} names  "
            f"{dict(kinds)}  ({time.perf_counter() - t0:.2f} s)"
        )
        emit({"part": "lists", "format": fmt, "entries": len(parsed.entries), "names": names})
        entries.extend(parsed.entries)
    return entries


def synthetic_entries(entries: Sequence[ListEntry], total: int) -> list[ListEntry]:
    """The real entries plus one-name entries made from real names with each distinctive word
    replaced by a distinctive word of another real name of the same kind, until ``total`` names
    in all. Seeded, so the same lists give the same list."""
    rng = random.Random(devset.SEED + 1)
    real = sum(len(e.names) for e in entries)
    templates: dict[bool, list[tuple[ListEntry, list[str], list[int]]]] = {True: [], False: []}
    words: dict[bool, list[str]] = {True: [], False: []}
    for e in entries:
        for n in e.names:
            if devset.script_of(n.text) != "Latin":
                continue
            person = devset.looks_like_person(e, n.text)
            tokens = n.text.split()
            wanted = set(devset.distinctive(n.text))
            spots = [i for i, t in enumerate(tokens) if devset.key(t) in wanted]
            if spots:
                templates[person].append((e, tokens, spots))
                words[person].extend(tokens[i] for i in spots)
    out = list(entries)
    for i in range(max(0, total - real)):
        person = rng.random() < 0.4
        entry, tokens, spots = rng.choice(templates[person])
        made = tokens[:]
        for spot in spots:
            made[spot] = rng.choice(words[person])
        out.append(
            ListEntry(
                source="synthetic",
                entry_id=f"s{i}",
                list_name="synthetic",
                kind=entry.kind,
                names=(EntryName(" ".join(made), NameRole.PRIMARY),),
                countries=entry.countries,
            )
        )
    return out


# --- timed runs in forked workers ---------------------------------------------------------------


def _worker(
    fn: Callable[[str], list[tuple[str, float]]],
    queries: Sequence[str],
    w: int,
    workers: int,
    barrier: Any,
    queue: Any,
) -> None:
    for q in WARMUP:
        fn(q)
    mine = list(range(w, len(queries), workers))
    latencies: list[float] = []
    results: dict[int, list[tuple[str, float]]] = {}
    barrier.wait()
    t0, cpu0 = time.perf_counter(), time.process_time()
    for i in mine:
        s = time.perf_counter()
        results[i] = fn(queries[i])
        latencies.append((time.perf_counter() - s) * 1000)
    cpu = time.process_time() - cpu0
    queue.put((latencies, results, time.perf_counter() - t0, maxrss_mb(), cpu))


def timed(
    fn: Callable[[str], list[tuple[str, float]]], queries: Sequence[str], workers: int
) -> dict[str, Any]:
    """``fn`` over ``queries`` split across ``workers`` forked processes started together."""
    ctx = multiprocessing.get_context("fork")
    barrier, queue = ctx.Barrier(workers + 1), ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(fn, queries, w, workers, barrier, queue))
        for w in range(workers)
    ]
    for p in procs:
        p.start()
    barrier.wait()
    t0 = time.perf_counter()
    parts = [queue.get() for _ in procs]
    elapsed = time.perf_counter() - t0
    for p in procs:
        p.join()
    latencies = [x for part in parts for x in part[0]]
    results: dict[int, list[tuple[str, float]]] = {}
    for part in parts:
        results.update(part[1])
    return {
        "queries": len(queries),
        "processes": workers,
        "seconds": round(elapsed, 3),
        "qps": round(len(queries) / elapsed, 1),
        **pct(latencies),
        "worker_maxrss_mb": round(max(part[3] for part in parts), 1),
        # CPU seconds the workers got over wall seconds per worker: below ~0.95 means other
        # processes took cores from the run; qps_per_cpu_s is the rate per CPU-second
        "cpu_share": round(sum(p[4] for p in parts) / (elapsed * workers), 3),
        "qps_per_cpu_s": round(len(queries) / max(1e-9, sum(p[4] for p in parts)), 1),
        "results": [results[i] for i in range(len(queries))],
    }


def matcher_fn(index: ScreeningIndex) -> Callable[[str], list[tuple[str, float]]]:
    def run(query: str) -> list[tuple[str, float]]:
        return [(m.entry.entity_id, m.score) for m in matching.search(index, query)]

    return run


def brute_fn(names: list[str], owners: list[str]) -> Callable[[str], list[tuple[str, float]]]:
    """rapidfuzz WRatio over every name; the names are ``default_process``-ed once up front
    (what ``processor=default_process`` would do to them on every query), the query per call."""
    choices = [default_process(n) for n in names]

    def run(query: str) -> list[tuple[str, float]]:
        found = process.extract(
            default_process(query), choices, scorer=fuzz.WRatio, processor=None, limit=10
        )
        return [(owners[i], score / 100) for _, score, i in found]

    return run


def run_scale(
    label: str,
    make_entries: Callable[[], list[ListEntry]],
    queries: Sequence[str],
    brute_queries: Sequence[str],
    processes: Sequence[int],
    *,
    trace: bool,
) -> dict[str, Any]:
    """Everything about one list size, run in this (forked) process: build, then the timed
    runs, each in fresh workers forked from here so no query cache is warm."""
    t0 = time.perf_counter()
    entries = make_entries()
    names = [n.text for e in entries for n in e.names]
    owners = [e.entity_id for e in entries for _ in e.names]
    make_s = time.perf_counter() - t0
    gc.collect()
    rss0 = rss_mb()
    t0 = time.perf_counter()
    index = ScreeningIndex.build(entries)
    build_s = time.perf_counter() - t0
    gc.collect()
    index_rss = rss_mb() - rss0
    out: dict[str, Any] = {
        "scale": label,
        "entries": len(entries),
        "names": len(index),
        "make_entries_s": round(make_s, 2),
        "build_s": round(build_s, 2),
        "index_rss_mb": round(index_rss, 1),
    }
    if trace:
        tracemalloc.start()
        again = ScreeningIndex.build(entries)
        out["index_traced_mb"] = round(tracemalloc.get_traced_memory()[0] / 2**20, 1)
        out["build_traced_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
        del again
        gc.collect()
    print(
        f"  [{label}] {len(entries):,} entries, {len(index):,} names: index built in "
        f"{build_s:.2f} s, RSS +{index_rss:.0f} MB",
        flush=True,
    )
    runs: list[dict[str, Any]] = []
    matcher = matcher_fn(index)
    plan = (
        ("rarex matcher", "all", matcher, queries),
        ("rarex matcher", "sample", matcher, brute_queries),
        ("rapidfuzz WRatio brute force", "sample", None, brute_queries),
    )
    for system, which, fn, qs in plan:
        if fn is None:
            fn = brute_fn(names, owners)
        for workers in processes:
            r = timed(fn, qs, workers)
            r["system"], r["query_set"] = system, which
            runs.append(r)
            print(
                f"  [{label}] {system:<29} {which:<6} {workers} proc: {r['qps']:>9.1f} q/s  "
                f"p50/p95/p99 {r['p50']}/{r['p95']}/{r['p99']} ms  ({r['queries']} queries, "
                f"{r['seconds']} s)",
                flush=True,
            )
    out["runs"] = runs
    out["maxrss_mb"] = round(maxrss_mb(), 1)
    return out


def in_child(fn: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Run ``fn`` in a forked process (its memory and peak RSS its own) and return its result."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()

    def target() -> None:
        queue.put(fn(*args, **kwargs))

    proc = ctx.Process(target=target)
    proc.start()
    result: dict[str, Any] = queue.get()
    proc.join()
    return result


# --- accuracy -----------------------------------------------------------------------------------


def is_hit(q: devset.Query, found: Sequence[tuple[str, float]]) -> bool:
    """Positive: an expected entity came back. Near-miss: its origin came back (a false
    positive). Other negative: anything came back."""
    ids = {entity_id for entity_id, _ in found}
    if q.positive:
        return bool(ids & q.expected)
    if q.origin is not None:
        return q.origin in ids
    return bool(ids)


def accuracy(
    queries: Sequence[devset.Query], results: Sequence[list[tuple[str, float]]]
) -> dict[str, Any]:
    by_cls: dict[str, list[bool]] = defaultdict(list)
    by_script: dict[str, list[bool]] = defaultdict(list)
    by_sub: dict[tuple[str, str], list[bool]] = defaultdict(list)
    any_hit: dict[str, list[bool]] = defaultdict(list)
    for q, found in zip(queries, results, strict=True):
        hit = is_hit(q, found)
        by_cls[q.cls].append(hit)
        if q.positive and q.cls not in devset.MAY_FIND:
            by_script[q.script].append(hit)
        if q.cls in (
            "one-typo",
            "case-punctuation",
            "pinyin-of-listed-han",
            "han-synthetic",
            "neg-chinese-company",
            "pinyin-of-foreign-han",
        ):
            by_sub[(q.cls, q.sub.split(":")[0])].append(hit)
        if not q.positive:
            any_hit[q.cls].append(bool(found))
    counted = [q for q in queries if q.cls not in devset.MAY_FIND]
    crowded = sum(
        1
        for q, found in zip(queries, results, strict=True)
        if q.positive and q.cls not in devset.MAY_FIND and not is_hit(q, found) and len(found) >= 10
    )
    pos = [
        is_hit(q, r)
        for q, r in zip(queries, results, strict=True)
        if q.positive and q.cls not in devset.MAY_FIND
    ]
    neg = [is_hit(q, r) for q, r in zip(queries, results, strict=True) if not q.positive]
    slice_ = [
        is_hit(q, r)
        for q, r in zip(queries, results, strict=True)
        if q.cls in devset.HAN_PINYIN_SLICE
    ]
    return {
        "positives": len(pos),
        "negatives": len(neg),
        "queries": len(counted),
        "recall": sum(pos) / max(1, len(pos)),
        "fp_per_1000": 1000 * sum(neg) / max(1, len(neg)),
        "crowded_misses": crowded,
        "han_pinyin_recall": sum(slice_) / max(1, len(slice_)),
        "han_pinyin_n": len(slice_),
        "by_cls": {k: (sum(v), len(v)) for k, v in by_cls.items()},
        "by_script": {k: (sum(v), len(v)) for k, v in by_script.items()},
        "by_sub": {f"{a} / {b}": (sum(v), len(v)) for (a, b), v in by_sub.items()},
        "any_hit": {k: (sum(v), len(v)) for k, v in any_hit.items()},
    }


def failures(
    entries: Sequence[ListEntry],
    queries: Sequence[devset.Query],
    results: Sequence[list[tuple[str, float]]],
    per_cls: int,
) -> dict[str, list[str]]:
    """The worst misses and false hits per class, with what came back and, for a miss, the best
    score the matcher gives an expected entity with no threshold (or that it never retrieved)."""
    index = ScreeningIndex.build(entries)
    by_id = {e.entity_id: e for e in entries}
    loose = dataclasses.replace(matching.DEFAULT, threshold=0.0, candidates=256)
    rows: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for q, found in zip(queries, results, strict=True):
        hit = is_hit(q, found)
        if q.positive == hit:
            continue
        got = "; ".join(f"{by_id[i].primary_name[:45]} ({i[:28]}) {s:.2f}" for i, s in found[:3])
        if q.positive:
            scored = {
                m.entry.entity_id: m
                for m in matching.search(index, q.text, limit=200, settings=loose)
            }
            best = max(
                (scored[i] for i in q.expected if i in scored), key=lambda m: m.score, default=None
            )
            why = (
                "expected entity not retrieved"
                if best is None
                else f"expected scored {best.score:.2f} via {best.explanation.compared_as} "
                f"vs '{best.explanation.list_name[:50]}'"
            )
            rank = -1.0 if best is None else best.score
            rows[q.cls].append(
                (rank, f"{q.text!r} (from {q.source_name!r}; {q.sub}) → {got or 'nothing'}; {why}")
            )
        else:
            top = max((s for i, s in found if q.origin in (None, i)), default=0.0)
            rows[q.cls].append(
                (
                    -top,
                    f"{q.text!r}"
                    + (f" (near {q.source_name!r})" if q.source_name else "")
                    + f" → {got}",
                )
            )
    return {k: [text for _, text in sorted(v)[:per_cls]] for k, v in rows.items()}


def run_of(scale: dict[str, Any], system: str, p: int, which: str = "all") -> dict[str, Any]:
    return next(
        r
        for r in scale["runs"]
        if r["system"] == system and r["processes"] == p and r["query_set"] == which
    )


# --- report -------------------------------------------------------------------------------------


def versions() -> dict[str, str]:
    src = Path(matching.__file__).parent
    digest = hashlib.sha256()
    for module in ("normalize", "terms", "index", "matching"):
        digest.update((src / f"{module}.py").read_bytes())
    # the matcher is being tuned: tie the figures to the exact source they were measured on
    out = {"python": platform.python_version(), "matcher_sha256": digest.hexdigest()[:16]}
    for dist in (
        "rarex",
        "rapidfuzz",
        "numpy",
        "pypinyin",
        "opencc-python-reimplemented",
        "anyascii",
    ):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "?"
    return out


def table(title: str, rows: dict[str, tuple[int, int]], *, negative: bool = False) -> None:
    print(f"\n{title}")
    what = "FP/1000" if negative else "recall"
    print(f"  {'class':<40} {'n':>6} {'hits':>6} {what:>9}")
    for k, (hits, n) in sorted(rows.items()):
        value = 1000 * hits / n if negative else hits / n
        print(f"  {k:<40} {n:>6} {hits:>6} {value:>9.{1 if negative else 3}f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--synthetic", type=int, default=1_000_000, help="names, real included")
    parser.add_argument(
        "--brute-sample",
        type=int,
        default=100,
        help="queries for brute force at the synthetic size",
    )
    parser.add_argument(
        "--brute-shared", type=int, default=1000, help="queries for brute force on the shared lists"
    )
    parser.add_argument("--processes", default="1,2")
    parser.add_argument("--examples", type=int, default=10, help="failures shown per class")
    args = parser.parse_args()
    processes = [int(p) for p in args.processes.split(",")]
    started = time.perf_counter()
    now = datetime.now(UTC)
    machine = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    # once, at the start: the matcher's files may change while the bench runs
    library = versions()
    print(f"screening bench {now:%Y-%m-%d %H:%M} UTC on {machine}; {library}")
    print(f"threshold {matching.DEFAULT.threshold} (rarex.screening.matching.DEFAULT)")
    print("lists:")
    entries = load_lists()
    total_names = sum(len(e.names) for e in entries)
    print(f"  all: {len(entries):,} entries, {total_names:,} names")
    t0 = time.perf_counter()
    dev = devset.build_devset(entries, scale=0.15 if args.quick else 1.0)
    qs = dev.queries
    texts = [q.text for q in qs]
    print(
        f"development set: {len(qs):,} queries ({sum(q.positive for q in qs):,} positive) "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    for note in dev.notes:
        print(f"  note: {note}")
    synthetic_n = 50_000 if args.quick and args.synthetic == 1_000_000 else args.synthetic
    picker = random.Random(devset.SEED)
    n_shared = min(100 if args.quick else args.brute_shared, len(texts))
    shared_idx = sorted(picker.sample(range(len(texts)), n_shared))
    synth_idx = sorted(picker.sample(shared_idx, min(args.brute_sample, len(shared_idx))))
    brute_shared = [texts[i] for i in shared_idx]
    sample = [texts[i] for i in synth_idx]

    print("\nspeed (a): the shared lists")
    shared = in_child(
        run_scale, "shared lists", lambda: entries, texts, brute_shared, processes, trace=True
    )
    one = run_of(shared, "rarex matcher", 1)
    acc = accuracy(qs, one["results"])

    print(f"\nspeed (b): synthetic list of {synthetic_n:,} names")
    synth = in_child(
        run_scale,
        f"synthetic {synthetic_n:,}",
        lambda: synthetic_entries(entries, synthetic_n),
        texts,
        sample,
        processes,
        trace=False,
    )
    acc_synth = accuracy(qs, run_of(synth, "rarex matcher", 1)["results"])
    # after the timed runs, because it warms the query caches
    worst = failures(entries, qs, one["results"], args.examples)

    # --- report
    print("\n=== accuracy on the development set (shared lists, default threshold) ===")
    print(
        f"positives {acc['positives']}, negatives {acc['negatives']}; recall "
        f"{acc['recall']:.4f}; false positives {acc['fp_per_1000']:.1f} per 1,000 negatives; "
        f"Han-pinyin slice recall {acc['han_pinyin_recall']:.4f} "
        f"(n={acc['han_pinyin_n']})"
    )
    print(
        f"misses with a full top 10 (the expected entry may be crowded out by as many "
        f"equal-scoring entries): {acc['crowded_misses']}"
    )
    pos_rows = {k: v for k, v in acc["by_cls"].items() if not k.startswith("neg-")}
    table(
        f"recall by variant class ({', '.join(sorted(devset.MAY_FIND))}: may-find, in "
        "neither recall nor the slice):",
        pos_rows,
    )
    table("recall by script of the query:", acc["by_script"])
    subs = acc["by_sub"]
    table("recall by sub-class:", {k: v for k, v in subs.items() if not k.startswith("neg-")})
    neg_rows = {k: v for k, v in acc["by_cls"].items() if k.startswith("neg-")}
    table(
        "false positives per 1,000 hard negatives (near-miss: a hit on its origin entity):",
        neg_rows,
        negative=True,
    )
    table("negatives with any hit at all:", acc["any_hit"], negative=True)
    table(
        "neg-chinese-company by form:",
        {k: v for k, v in subs.items() if k.startswith("neg-")},
        negative=True,
    )
    brute_qs = [qs[i] for i in shared_idx]
    brute_one = run_of(shared, "rapidfuzz WRatio brute force", 1, "sample")
    matcher_sample = run_of(shared, "rarex matcher", 1, "sample")
    print()
    for system, run, cut in (
        ("brute force WRatio top-10, no cutoff", brute_one, 0.0),
        ("brute force WRatio top-10, score >= 0.90", brute_one, 0.9),
        ("rarex matcher", matcher_sample, 0.0),
    ):
        kept = [[(i, s) for i, s in r if s >= cut] for r in run["results"]]
        sub = accuracy(brute_qs, kept)
        print(
            f"on the {len(brute_qs)}-query sample, {system}: recall {sub['recall']:.3f}, "
            f"false positives {sub['fp_per_1000']:.0f}/1,000 negatives"
        )
        emit(
            {
                "part": "accuracy_sample",
                "system": system,
                "queries": len(brute_qs),
                "recall": round(sub["recall"], 4),
                "fp_per_1000": round(sub["fp_per_1000"], 1),
            }
        )
    print(
        f"\nat {synthetic_n:,} names (same queries): recall {acc_synth['recall']:.4f}, "
        f"Han-pinyin {acc_synth['han_pinyin_recall']:.4f}, false positives "
        f"{acc_synth['fp_per_1000']:.1f}/1,000 (synthetic names can coincide with "
        "negatives)"
    )

    print("\n=== worst failures per class (query → returned; diagnosis) ===")
    for cls, lines in sorted(worst.items()):
        print(f"\n{cls}:")
        for line in lines:
            print(f"  {line}")

    print("\n=== speed ===")
    print(
        f"  {'list':<20} {'system':<29} {'set':<6} {'proc':>4} {'queries':>7} {'q/s':>8} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'RSS MB':>7} {'cpu':>5} {'q/cpu-s':>8}"
    )
    for scale in (shared, synth):
        for r in scale["runs"]:
            print(
                f"  {scale['scale']:<20} {r['system']:<29} {r['query_set']:<6} "
                f"{r['processes']:>4} {r['queries']:>7} {r['qps']:>8.1f} {r['p50']:>8} "
                f"{r['p95']:>8} {r['p99']:>8} {r['worker_maxrss_mb']:>7.0f} {r['cpu_share']:>5} "
                f"{r['qps_per_cpu_s']:>8}"
            )
        traced = (
            f", index traced {scale['index_traced_mb']} MB (build peak "
            f"{scale['build_traced_peak_mb']} MB)"
            if "index_traced_mb" in scale
            else ""
        )
        print(
            f"  {scale['scale']}: {scale['entries']:,} entries, {scale['names']:,} names; "
            f"entries made in {scale['make_entries_s']} s; index build {scale['build_s']} s, "
            f"index RSS +{scale['index_rss_mb']} MB{traced}; process peak RSS "
            f"{scale['maxrss_mb']} MB"
        )
    print(
        f"  'sample': brute force and the matcher on the same seeded sample ({len(brute_shared)}"
        f" queries on the shared lists, {len(sample)} at {synthetic_n:,} names); 'all': the "
        f"matcher on all {len(texts)} queries. Load average now "
        f"{[round(x, 2) for x in os.getloadavg()]}"
    )

    top = max(processes)
    m_shared, m_synth = run_of(shared, "rarex matcher", top), run_of(synth, "rarex matcher", top)
    checks = [
        ("queries/s, shared lists", m_shared["qps"], ">=", TARGETS["qps_shared"]),
        ("queries/s, synthetic", m_synth["qps"], ">=", TARGETS["qps_synthetic"]),
        ("p99 ms, synthetic", m_synth["p99"], "<=", TARGETS["p99_ms"]),
        ("recall", acc["recall"], ">=", TARGETS["recall"]),
        ("FP per 1,000 negatives", acc["fp_per_1000"], "<=", TARGETS["fp_per_1000"]),
        ("Han-pinyin recall", acc["han_pinyin_recall"], ">=", TARGETS["han_pinyin_recall"]),
    ]
    print(f"\n=== targets (speed with {top} processes) ===")
    for name, value, op, target in checks:
        met = value >= target if op == ">=" else value <= target
        print(
            f"  {name:<26} {value:>10.4g} {op} {target:<8g} {'met' if met else 'MISSED'} "
            f"(by {value - target:+.4g})"
        )
        emit(
            {
                "part": "target",
                "figure": name,
                "value": round(value, 4),
                "target": target,
                "met": met,
            }
        )

    elapsed = time.perf_counter() - started
    print(f"\nbench took {elapsed:.0f} s")
    common = {
        "date": now.isoformat(timespec="seconds"),
        "machine": machine,
        **library,
        "threshold": matching.DEFAULT.threshold,
        "quick": args.quick,
    }
    emit(
        {
            "part": "accuracy",
            **{k: v for k, v in acc.items() if not k.startswith("by_") and k != "any_hit"},
        }
    )
    for k, (hits, n) in acc["by_cls"].items():
        emit(
            {
                "part": "accuracy_class",
                "class": k,
                "n": n,
                "hits": hits,
                "recall" if not k.startswith("neg-") else "fp_per_1000": round(
                    hits / n if not k.startswith("neg-") else 1000 * hits / n, 4
                ),
            }
        )
    for k, (hits, n) in acc["by_script"].items():
        emit({"part": "accuracy_script", "script": k, "n": n, "recall": round(hits / n, 4)})
    emit(
        {
            "part": "accuracy_synthetic",
            "names": synth["names"],
            "recall": acc_synth["recall"],
            "han_pinyin_recall": acc_synth["han_pinyin_recall"],
        }
    )
    for scale in (shared, synth):
        base = {k: v for k, v in scale.items() if k != "runs"}
        emit({"part": "index", **base})
        for r in scale["runs"]:
            emit(
                {
                    "part": "speed",
                    "scale": scale["scale"],
                    "names": scale["names"],
                    **{k: v for k, v in r.items() if k != "results"},
                }
            )
    emit(
        {
            "part": "run",
            "seconds": round(elapsed, 1),
            "kind_used": None,
            "note": "queries carry no kind or country",
            "party_kinds": [k.value for k in PartyKind],
        }
    )
    for record in RESULTS:
        print(json.dumps({**common, **record}, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
