"""The learning curve of a new target (issue 12, 6c): F_avg after k of its labels, adapted vs retrained vs reference.

Usage: python benchmarks/learning_curve.py ../shared/data/semeval2016-task6 [--smoke] [--work DIR] [--json]
See benchmarks/_curve.py for the protocol. Trained models are cached in --work (default: a temporary folder).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import load_average  # noqa: E402
from benchmarks._corpora import semeval  # noqa: E402
from benchmarks._curve import KS, SETTINGS, curve  # noqa: E402

SMOKE_TARGETS = ("Atheism", "Feminist Movement", "Hillary Clinton")  # every class in each
SMOKE_TRAIN, SMOKE_TEST = 60, 40  # tweets per target
SMOKE_GRID = ((10.0, 0.3, True, None), (1000.0, 0.3, True, 0.001))  # both kinds of fit, a few seconds


def load_split(path: Path, split: str) -> list[tuple[dict[str, str], str]]:
    """(record, stance) of every tweet in file order: the record as the trainer builds it from its thread."""
    return [({"text": r["text"], "target": r["target"], "title": r["title"], "body": r["body"]}, r["stance"])
            for r in semeval(path, split)]


def _subset(rows: list, targets: tuple[str, ...], n: int) -> list:
    out = []
    for t in targets:  # n rows spread over the target's file order, so every class is there
        mine = [r for r in rows if r[0]["target"] == t]
        out += mine[:: max(1, len(mine) // n)][:n]
    return out


def main(argv: list[str] | None = None) -> dict:
    """Run the learning curve and print it beside the plain reference."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--smoke", action="store_true", help="three targets, a few tweets each (CI): figures meaningless")
    ap.add_argument("--work", type=Path, help="where trained models are kept between runs")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    train = load_split(args.data / "taskA_train.tsv", "train")
    test = load_split(args.data / "taskA_test.tsv", "test")
    ks, settings, grid = KS, None, SETTINGS
    if args.smoke:
        train, test = _subset(train, SMOKE_TARGETS, SMOKE_TRAIN), _subset(test, SMOKE_TARGETS, SMOKE_TEST)
        ks, settings, grid = (0, 10), {"C": 1.0}, SMOKE_GRID
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        print(f"Learning curve of a new target{' (SMOKE: figures not comparable)' if args.smoke else ''}: "
              f"SemEval Task A, each target held out; k of its training tweets labelled, its test tweets judged")
        print("  per target, F_avg adapted / retrained / reference:")
        result = curve(train, test, work, ks=ks, settings=settings, grid=grid)
    pooled = result["pooled"]
    print(f"F_avg pooled over {result['n_test']} test tweets:")
    print("      k   adapted   retrained   TF-IDF+LR reference")
    for k in ks:
        print(f"  {k:5d}   {pooled['adapted'][k]:7.2f}   {pooled['retrained'][k]:9.2f}   {pooled['reference'][k]:9.2f}")
    k25 = 25 if 25 in ks else ks[-1]
    print(f"k={k25} - k=0 (adapted): {pooled['adapted'][k25] - pooled['adapted'][0]:+.2f} F_avg; adapted - retrained "
          f"at k={k25}: {pooled['adapted'][k25] - pooled['retrained'][k25]:+.2f}")
    print("strengths (prior, word, balanced, sentence vectors) chosen per held-out target: "
          + ", ".join(f"{t} {c['strengths']}" for t, c in result["chosen"].items())
          + f"; over every target's training tweets: {result['strengths_all_targets']}")
    print("a worker's refit when a thread's labels change (store read, own texts, global scores, fit), slowest: "
          + ", ".join(f"k={k} {ms:.0f} ms" for k, ms in result["fit_ms"].items()))
    print(f"{time.perf_counter() - start:.0f}s ({load_average()})")
    result["machine"] = load_average()
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    return result


if __name__ == "__main__":
    main()
