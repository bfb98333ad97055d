"""Near-duplicate tag benchmark: precision/recall on generated near-copies of real texts, and index speed.

Run: .venv/bin/python benchmarks/duplicates.py ../shared/data [--database-url URL] [--sizes 10000,100000,1000000]
     .venv/bin/python benchmarks/duplicates.py ../shared/data --smoke      (CI: < 30 s)

Stored comments are real sentences (FNC-1 bodies and headlines, SemEval tweets) joined 2-4 at a time. Queries are
near-copies of stored comments (typos, case, spacing, added or dropped words, truncation) plus fresh texts.
A query is a positive when the exact Jaccard of its 5-character shingles with its source is >= 0.8.
"""

from __future__ import annotations

import argparse
import csv
import gc
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from moderation.labelling import duplicates
from moderation.store import open_store

TARGETS = {"precision": 0.99, "recall": 0.95, "p99_ms_at_1M": 10.0}
_SPLIT = re.compile(r"(?<=[.!?])\s+")


def sentences(data: Path) -> list[str]:
    """Real sentences from the benchmark data (deduplicated, 30-300 characters)."""
    csv.field_size_limit(sys.maxsize)
    out: set[str] = set()
    for name in ("train_bodies.csv", "competition_test_bodies.csv"):
        with open(data / "fnc1" / name, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                out.update(s.strip() for s in _SPLIT.split(row["articleBody"]))
    for name in ("train_stances.csv", "competition_test_stances.csv"):
        with open(data / "fnc1" / name, encoding="utf-8") as fh:
            out.update(row["Headline"] for row in csv.DictReader(fh))
    for name in ("taskA_train.tsv", "taskA_test.tsv"):
        with open(data / "semeval2016-task6" / name, encoding="utf-8") as fh:
            out.update(row["Tweet"].replace("#SemST", "").strip() for row in csv.DictReader(fh, delimiter="\t"))
    return sorted(s for s in out if 30 <= len(s) <= 300)


def comments(pool: list[str], n: int, rng: random.Random) -> list[str]:
    """n distinct comments of 2-4 real sentences each."""
    seen: set[str] = set()
    while len(seen) < n:
        seen.add(" ".join(rng.sample(pool, rng.randint(2, 4))))
    return list(seen)


def near_copy(text: str, rng: random.Random) -> str:
    """One to three light edits of a text: typos, case, spacing, words added or dropped, truncation."""
    words = text.split()
    for _ in range(rng.randint(1, 3)):
        edit = rng.choice(("typo", "case", "space", "add", "drop", "truncate"))
        i = rng.randrange(len(words))
        if edit == "typo" and len(words[i]) > 2:
            j = rng.randrange(len(words[i]) - 1)
            words[i] = words[i][:j] + words[i][j + 1] + words[i][j] + words[i][j + 2:]
        elif edit == "case":
            words = [w.upper() if rng.random() < 0.3 else w.lower() for w in words]
        elif edit == "space":
            words[i] = words[i] + " "
        elif edit == "add":
            words.insert(i, rng.choice(("really", "just", "so", "very", "lol", "indeed")))
        elif edit == "drop" and len(words) > 5:
            del words[i]
        elif edit == "truncate" and len(words) > 12:
            words = words[:len(words) - rng.randint(1, max(1, len(words) // 10))]
    return " ".join(words)


def rss_mb() -> float:
    """Peak resident memory of this process, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> None:
    """Build the index in steps and measure each size."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--database-url")
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args(argv)
    sizes = [2000, 5000] if args.smoke else [int(s) for s in args.sizes.split(",")]
    nq = 200 if args.smoke else args.queries
    rng = random.Random(7)
    pool = sentences(args.data)
    rng.shuffle(pool)
    held_out, pool = pool[:2000], pool[2000:]
    tmp = tempfile.TemporaryDirectory(prefix="dupbench-")
    url = args.database_url or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    store = open_store(url)
    print(f"store: {store.dialect}; {len(pool)} real sentences; targets: precision >= {TARGETS['precision']}, "
          f"recall >= {TARGETS['recall']} at Jaccard >= {duplicates.THRESHOLD}, p99 lookup < "
          f"{TARGETS['p99_ms_at_1M']} ms at 1M", flush=True)
    texts = comments(pool, sizes[-1], rng)
    gc.freeze()  # a million texts held for the run: keep the collector's full passes out of the timings
    built, build_s = 0, 0.0
    for size in sizes:
        t0 = time.perf_counter()
        for i in range(built, size, 5000):
            batch = [duplicates.make_entry(f"c{j}", texts[j]) for j in range(i, min(size, i + 5000))]
            store.dup_add_many(batch)
        build_s += time.perf_counter() - t0
        built = size
        sources = rng.sample(range(size), nq)
        queries = [(near_copy(texts[j], rng), f"c{j}", texts[j]) for j in sources]
        queries += [(" ".join(rng.sample(held_out, 3)), None, None) for _ in range(nq)]
        for q, _, _ in queries[:20]:  # warm the caches before timing
            entry, bands = duplicates.make_entry("q", q)
            store.dup_candidates(entry["text_hash"], bands)
        tp = fp = fn = 0
        times = []
        for q, src, src_text in queries:
            t0 = time.perf_counter()
            entry, bands = duplicates.make_entry("q", q)
            dup = duplicates.decide(entry, store.dup_candidates(entry["text_hash"], bands))
            times.append((time.perf_counter() - t0) * 1000)
            sim = duplicates.jaccard(duplicates.shingles(entry["text"]),
                                     duplicates.shingles(duplicates.dup_key(src_text))) if src else 0.0
            positive = sim >= duplicates.THRESHOLD
            if dup and (dup["of"] == src or dup["similarity"] >= duplicates.THRESHOLD):
                tp += positive
                fp += not positive
            elif positive:
                fn += 1
        times.sort()
        p50, p99 = statistics.median(times), times[int(0.99 * (len(times) - 1))]
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        db = Path(url.removeprefix("sqlite:///"))
        size_mb = f"{db.stat().st_size / 2**20:.0f} MB file" if db.exists() else "PostgreSQL"
        print(f"{size:>9,} stored: precision {precision:.4f} (target {TARGETS['precision']}), recall {recall:.4f}"
              f" (target {TARGETS['recall']}; {tp + fn} positives), build {build_s:.1f} s total, lookup p50 "
              f"{p50:.2f} ms p99 {p99:.2f} ms (target < {TARGETS['p99_ms_at_1M']} ms at 1M), peak RSS "
              f"{rss_mb():.0f} MB, store {size_mb}", flush=True)
        if size == sizes[0]:
            brute = []
            for q, _, _ in queries[:50]:
                t0 = time.perf_counter()
                key = duplicates.shingles(duplicates.dup_key(q))
                max((duplicates.jaccard(key, duplicates.shingles(e["text"])) for e in store.dup_entries()),
                    default=0.0)
                brute.append((time.perf_counter() - t0) * 1000)
            print(f"{'':>9} brute-force scan of the same index at {size:,}: {statistics.median(brute):.1f} ms "
                  f"per lookup = {statistics.median(brute) / p50:.0f}x the LSH lookup", flush=True)
    tmp.cleanup()


if __name__ == "__main__":
    main(sys.argv[1:])
