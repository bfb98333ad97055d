"""Near-duplicate tag benchmark: precision/recall on generated near-copies of real texts, and index speed.

Run: .venv/bin/python benchmarks/duplicates.py ../shared/data [--database-url URL] [--sizes 10000,100000,1000000]
     .venv/bin/python benchmarks/duplicates.py ../shared/data --smoke      (CI: < 30 s)
The default store is a temporary SQLite file; a PostgreSQL URL gets a schema of its own, dropped at the end.
The last lines print each target beside the figure it is judged on, and every figure beside the load average.

Stored comments are real sentences (FNC-1 bodies and headlines, SemEval tweets) joined 2-4 at a time. Queries are
near-copies of stored comments (typos, case, spacing, added or dropped words, truncation) plus fresh texts.
A query is a positive when the exact Jaccard of its 5-character shingles with its source is >= 0.8.
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from moderation.labelling import duplicates
from moderation.store import Store, open_store
from moderation.store.engine import normalize_url

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
    """n distinct comments of 2-4 real sentences each (the same ones in every run: a dict keeps their order)."""
    seen: dict[str, None] = {}
    while len(seen) < n:
        seen[" ".join(rng.sample(pool, rng.randint(2, 4)))] = None
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


def load() -> str:
    """The 1- and 5-minute load averages (the machine is shared: figures are read beside them)."""
    one, five, _ = os.getloadavg()
    return f"{one:.2f}/{five:.2f}"


def measure(store: Store, texts: list[str], held_out: list[str], size: int, nq: int,
            rng: random.Random) -> dict[str, Any]:
    """Precision, recall and lookup times of nq near-copies of stored texts and nq fresh texts."""
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
    return {"precision": tp / (tp + fp) if tp + fp else 1.0, "recall": tp / (tp + fn) if tp + fn else 1.0,
            "positives": tp + fn, "p50": statistics.median(times), "p99": times[int(0.99 * (len(times) - 1))],
            "queries": [q for q, _, _ in queries[:50]]}


def brute_force_ms(store: Store, queries: list[str]) -> float:
    """Median time of a lookup that scans every entry of the index and computes the exact Jaccard."""
    times = []
    for q in queries:
        t0 = time.perf_counter()
        key = duplicates.shingles(duplicates.dup_key(q))
        max((duplicates.jaccard(key, duplicates.shingles(e["text"])) for e in store.dup_entries()), default=0.0)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def store_mb(store: Store, url: str) -> float:
    """The index's size on disk: the SQLite file (with its WAL), or PostgreSQL's two tables with their indexes."""
    if store.dialect == "postgresql":
        with store.read() as conn:
            return conn.execute(text("SELECT pg_total_relation_size('dup_entries') + "
                                     "pg_total_relation_size('dup_bands')")).scalar_one() / 2**20
    db = Path(url.removeprefix("sqlite:///"))
    return sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists()) / 2**20


@contextmanager
def bench_url(database_url: str | None) -> Iterator[str]:
    """A URL to an empty store: a temporary SQLite file, or a PostgreSQL schema of its own dropped afterwards."""
    if not database_url or database_url.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix="dupbench-") as tmp:
            yield database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    schema = f"dupbench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalize_url(database_url))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{database_url}{'&' if '?' in database_url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main(argv: list[str]) -> None:
    """Build the index in steps, measure each size, then print the figures beside the targets."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--database-url", help="default: a temporary SQLite file; PostgreSQL gets a schema of its own")
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
    with bench_url(args.database_url) as url, open_store(url) as store:
        print(f"store: {store.dialect}; {len(pool)} real sentences; {nq} near-copies and {nq} fresh texts per size; "
              f"load average (1/5 min) {load()}", flush=True)
        texts = comments(pool, sizes[-1], rng)
        gc.freeze()  # a million texts held for the run: keep the collector's full passes out of the timings
        built, build_s, rows, brute = 0, 0.0, [], 0.0
        for size in sizes:
            t0 = time.perf_counter()
            for i in range(built, size, 5000):
                batch = [duplicates.make_entry(f"c{j}", texts[j]) for j in range(i, min(size, i + 5000))]
                store.dup_add_many(batch)
            build_s += time.perf_counter() - t0
            built = size
            load_build = load()
            m = measure(store, texts, held_out, size, nq, rng)
            m.update(size=size, build=build_s, rss=rss_mb(), mb=store_mb(store, url), load_build=load_build,
                     load=load())
            rows.append(m)
            print(f"{size:>9,} stored: precision {m['precision']:.4f}, recall {m['recall']:.4f}, build {build_s:.1f} s"
                  f" total, lookup p50 {m['p50']:.2f} ms p99 {m['p99']:.2f} ms, load average {m['load']}", flush=True)
            if size == sizes[0]:
                brute = brute_force_ms(store, m["queries"])
                print(f"{'':>9} brute-force scan at {size:,}: {brute:.1f} ms per lookup, load average {load()}",
                      flush=True)
    print_table(store.dialect, rows, brute)


def print_table(dialect: str, rows: list[dict[str, Any]], brute_ms: float) -> None:
    """Every size's figures, the brute-force ratio, then each target beside the figure it is judged on."""
    print(f"\n== {dialect} ==")
    print(f"{'stored':>9} {'precision':>9} {'recall':>7} {'positives':>9} {'build s':>8} {'p50 ms':>7} {'p99 ms':>7}"
          f" {'peak RSS MB':>11} {'store MB':>8}  load build / lookup")
    for r in rows:
        print(f"{r['size']:>9,} {r['precision']:>9.4f} {r['recall']:>7.4f} {r['positives']:>9} {r['build']:>8.1f}"
              f" {r['p50']:>7.2f} {r['p99']:>7.2f} {r['rss']:>11.0f} {r['mb']:>8.0f}  {r['load_build']} / {r['load']}")
    first, last = rows[0], rows[-1]
    print(f"brute-force scan of the same index at {first['size']:,}: {brute_ms:.1f} ms per lookup = "
          f"{brute_ms / first['p50']:.0f}x the LSH lookup (p50 {first['p50']:.2f} ms)")
    precision, recall = min(r["precision"] for r in rows), min(r["recall"] for r in rows)
    print(f"target precision >= {TARGETS['precision']} at Jaccard >= {duplicates.THRESHOLD}: {precision:.4f} "
          f"(worst size) {'met' if precision >= TARGETS['precision'] else 'BELOW TARGET'}")
    print(f"target recall >= {TARGETS['recall']}: {recall:.4f} (worst size) "
          f"{'met' if recall >= TARGETS['recall'] else 'BELOW TARGET'}")
    if last["size"] >= 1_000_000:
        verdict = "met" if last["p99"] < TARGETS["p99_ms_at_1M"] else "BELOW TARGET"
        print(f"target p99 lookup < {TARGETS['p99_ms_at_1M']} ms at 1M: {last['p99']:.2f} ms at {last['size']:,} "
              f"{verdict}")
    else:
        print(f"target p99 lookup < {TARGETS['p99_ms_at_1M']} ms at 1M: not measured (largest size "
              f"{last['size']:,}: p99 {last['p99']:.2f} ms)")


if __name__ == "__main__":
    main(sys.argv[1:])
