"""SemEval-2016 Task 6 A: our F_avg on the official test tweets beside published figures and fastText.

Usage: python benchmarks/semeval2016.py ../shared/data/semeval2016-task6 [--smoke] [--json]
C and the weight of the static sentence vectors (moderation.model.semantic; 0 = word and character n-grams
only) are chosen together on train only: grouped 5-fold cross-validation (near-duplicate clusters kept in one
fold), repeated with 3 fold seeds and averaged.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (  # noqa: E402
    FastTextModel,
    batch_per_second,
    load_average,
    peak_rss_mb,
    per_second,
    reexec_for_fasttext,
)

PUBLISHED = [("majority class", 65.22), ("organisers' SVM, word 1-3 + char 2-5", 68.98),
             ("peer reproduction, per-target LinearSVC", 68.15), ("MITRE (best team)", 67.82),
             ("BERTweet", 71.2), ("TimeLMs-2021", 72.9)]
_SEMST = re.compile(r"#semst", re.IGNORECASE)


def load_split(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    """Records (tweet without the organisers' #SemST tag, target) and lower-case stance labels."""
    records, labels = [], []
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        for row in reader:
            text = _SEMST.sub("", row["Tweet"]).strip()
            records.append({"text": text, "target": row["Target"], "title": row["Target"], "body": ""})
            labels.append(row["Stance"].lower())
    return records, labels


def fasttext_run(train: list[dict], y: list[str], test: list[dict], groups: np.ndarray, grid: list[dict],
                 seed: int) -> tuple[dict, FastTextModel, float]:
    """fastText's parameters picked by grouped CV F_avg on train; the refitted model and its fit time."""
    from sklearn.model_selection import StratifiedGroupKFold

    from training.evaluate import f_avg

    texts = [f"{r['target']} || {r['text']}" for r in train]
    yy = np.asarray(y)
    best, best_score = grid[0], -1.0
    if len(grid) > 1:
        for params in grid:
            pred = np.empty(len(y), dtype=object)
            for a, b in StratifiedGroupKFold(5, shuffle=True, random_state=seed).split(texts, yy, groups):
                m = FastTextModel(**params).fit([texts[i] for i in a], yy[a].tolist())
                pred[b] = [m.predict_one(texts[i]) for i in b]
            score = f_avg(y, pred.tolist())
            if score > best_score:
                best, best_score = params, score
    start = time.perf_counter()
    model = FastTextModel(**best).fit(texts, y)
    return {**best, "cv_f_avg": round(best_score, 2)}, model, time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark and print the table (and JSON with --json)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--smoke", action="store_true", help="a tiny subset (CI): runs in seconds")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3, help="CV repeats (fold seeds seed, seed+1, ...), averaged")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    reexec_for_fasttext()

    from moderation.model.linear import build_pipeline
    from moderation.model.scorer import Scorer
    from training.data import near_duplicate_groups
    from training.evaluate import f_avg
    from training.train import cross_validate

    train, y = load_split(args.data / "taskA_train.tsv")
    test, y_test = load_split(args.data / "taskA_test.tsv")
    grid, weights, folds, secs = [0.1, 0.3, 1.0], [0.0, 0.5, 1.0], 5, 1.0
    ft_grid = [{"epoch": e, "wordNgrams": n, "lr": lr, "dim": 50}
               for e in (10, 25) for n in (1, 2) for lr in (0.1, 0.5)]
    if args.smoke:
        rng = np.random.default_rng(args.seed)
        keep, keep_t = sorted(rng.choice(len(train), 400, replace=False)), sorted(rng.choice(len(test), 150,
                                                                                          replace=False))
        train, y = [train[i] for i in keep], [y[i] for i in keep]
        test, y_test = [test[i] for i in keep_t], [y_test[i] for i in keep_t]
        grid, weights, folds, secs, ft_grid = [0.3], [0.0, 0.5], 2, 0.2, ft_grid[-1:]
        args.repeats = 1
    groups = near_duplicate_groups([r["text"] for r in train])
    ya = np.asarray(y)

    start = time.perf_counter()
    # Every (weight, C) scored by grouped 5-fold CV repeated with `repeats` fold seeds, averaged: one split's
    # differences between the top settings (~0.2 F_avg) are smaller than its own noise across seeds (~0.7).
    cv_scores: dict[str, float] = {}
    for w in weights:
        runs = [cross_validate(train, ya, groups, features={"semantic": w}, grid=grid, seed=args.seed + r,
                               n_splits=folds, score=f_avg)["scores"] for r in range(args.repeats)]
        for c in grid:
            cv_scores[f"semantic={w} C={c}"] = round(float(np.mean([run[str(c)] for run in runs])), 2)
    settings = [(w, c) for w in weights for c in grid]
    weight, best_c = max(settings, key=lambda wc: (cv_scores[f"semantic={wc[0]} C={wc[1]}"], -wc[0], -wc[1]))
    cv = {"best_C": best_c, "score": cv_scores[f"semantic={weight} C={best_c}"]}  # ties: fewer features, smaller C
    cv_secs = time.perf_counter() - start
    start = time.perf_counter()
    pipe = build_pipeline({"semantic": weight}, C=cv["best_C"], seed=args.seed).fit(train, ya, clf__groups=groups)
    train_secs = time.perf_counter() - start
    rss_ours = peak_rss_mb()
    scorer = Scorer(pipe, manifest={"version": "benchmark"})
    probs = scorer.predict_proba(test)
    ours = f_avg(y_test, [scorer.classes[k] for k in probs.argmax(axis=1)])
    fast = np.array([[scorer.proba_one(r)[c] for c in scorer.classes] for r in test])
    diff = float(np.abs(fast - probs).max())

    speed = {"fast path, one call per comment": per_second(scorer.proba_one, test, secs),
             "sklearn Pipeline, one call per comment": per_second(lambda r: pipe.predict_proba([r]),
                                                                  test[:200], secs),
             "sklearn Pipeline, one batch": batch_per_second(pipe.predict_proba, test, secs)}
    ft_params, ft, ft_secs = fasttext_run(train, y, test, groups, ft_grid, args.seed)
    ft_texts = [f"{r['target']} || {r['text']}" for r in test]
    ft_score = f_avg(y_test, [ft.predict_one(t) for t in ft_texts])
    speed["fastText, one call per comment"] = per_second(ft.predict_one, ft_texts, secs)

    result = {"smoke": args.smoke, "train": len(train), "test": len(test), "best_C": cv["best_C"], "semantic": weight,
              "cv_f_avg": cv_scores, "test_f_avg": round(ours, 2), "fasttext": ft_params,
              "fasttext_test_f_avg": round(ft_score, 2), "cv_seconds": round(cv_secs, 1),
              "train_seconds": round(train_secs, 1), "fasttext_train_seconds": round(ft_secs, 2),
              "peak_rss_mb_after_our_training": round(rss_ours, 1), "peak_rss_mb": round(peak_rss_mb(), 1),
              "max_abs_diff_fast_vs_pipeline": diff,
              "per_second": {k: round(v, 1) for k, v in speed.items()}, "machine": load_average()}
    print(f"SemEval-2016 Task 6 A{' (SMOKE: a subset, figures not comparable)' if args.smoke else ''}: "
          f"{len(train)} train / {len(test)} test tweets")
    for name, figure in PUBLISHED:
        print(f"  {figure:6.2f}  {name} (published)")
    print(f"  {ours:6.2f}  this project: claim-conditioned calibrated LinearSVC, C={cv['best_C']}, "
          f"semantic={weight} (CV F_avg {cv['score']:.2f}, mean of {args.repeats} repeats)")
    print(f"  CV F_avg on train ({args.repeats} x grouped {folds}-fold), every setting: "
          + ", ".join(f"{k} {v:.2f}" for k, v in cv_scores.items()))
    print(f"  {ft_score:6.2f}  fastText supervised, same split ({ft_params})")
    print(f"train {train_secs:.1f}s (+ CV {cv_secs:.1f}s), fastText {ft_secs:.2f}s; peak RSS {rss_ours:.0f} MB "
          f"after our training, {peak_rss_mb():.0f} MB at the end")
    print(f"fast path vs pipeline, max |p diff| over the test set: {diff:.2e}")
    for name, rate in speed.items():
        print(f"  {rate:9.0f} comments/s  {name}")
    print(f"({load_average()})")
    if args.json:
        print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
