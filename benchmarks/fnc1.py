"""FNC-1 stage 1 through the product: `moderation train` on the 50k training pairs, `moderation tag` on the test.

Usage: python benchmarks/fnc1.py ../shared/data/fnc1 [--smoke] [--json]

Each headline is a thread (the headline is its claim), each body under it a comment; agree / disagree / discuss
are the stances favor / against / none and unrelated is off-topic. The trainer fits its stance model on the
related pairs and its off-topic model on all of them, choosing every setting by its own cross-validation; a
tagged pair is unrelated when its (calibrated) off-topic probability is at least 0.5, else its stance; the
figures at the manifest's queue threshold (the lowest probability with 90% out-of-fold precision: a review
queue's operating point, not a classifier's) are printed beside them. The official FNC score and the macro-F1
over the four classes are printed beside published figures and a plain TF-IDF + logistic regression reference
trained on the same pairs in the same run, with the training time and peak memory of `moderation train`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _corpora, _product  # noqa: E402
from benchmarks._common import load_average  # noqa: E402

LABELS = ("agree", "disagree", "discuss", "unrelated")
FROM_STANCE = {"favor": "agree", "against": "disagree", "none": "discuss"}
PUBLISHED = [("official baseline (gradient boosting)", 75.20, None), ("UCLMR (MLP)", 81.72, 0.58),
             ("Athene (MLP)", 81.97, 0.60), ("SOLAT in the SWEN (CNN + GBDT)", 82.02, 0.58),
             ("peer: one-stage LR, TF-IDF + cosine + overlap", 80.70, 0.556)]


def fnc_score(gold: list[str], pred: list[str]) -> float:
    """The official FNC-1 score as % of the maximum (0.25 related/unrelated right, +0.75 exact stance)."""
    got = best = 0.0
    for g, p in zip(gold, pred, strict=True):
        related = g != "unrelated"
        best += 1.0 if related else 0.25
        got += 0.25 * (related == (p != "unrelated")) + 0.75 * (related and g == p)
    return 100.0 * got / best


def figures(gold: list[str], pred: list[str]) -> dict[str, Any]:
    """FNC score, macro-F1 and per-class F1 over the four labels."""
    from sklearn.metrics import f1_score

    f1 = f1_score(gold, pred, labels=list(LABELS), average=None, zero_division=0)
    return {"fnc": round(fnc_score(gold, pred), 2), "macro_f1": round(float(f1.mean()), 4),
            "f1": {k: round(float(v), 3) for k, v in zip(LABELS, f1, strict=True)}}


def reference(train: list[dict], test: list[dict]) -> list[str]:
    """Four-class logistic regression on TF-IDF word 1-2 grams of headline + the body's first 1,000 characters."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    def doc(r: dict) -> str:
        return f"{r['target']} || {r['text'][:1000]}"

    with threadpool_limits(limits=1, user_api="blas"):
        vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        clf = LogisticRegression(C=1.0, max_iter=2000).fit(vec.fit_transform([doc(r) for r in train]),
                                                          [r["gold"] for r in train])
        return clf.predict(vec.transform([doc(r) for r in test])).tolist()


def decide(tags: dict[str, Any], threshold: float) -> str:
    """A tagged pair's FNC label: unrelated when the trained off-topic probability reaches the threshold."""
    stance = tags["stance"]
    p_off = stance.get("off_topic")
    if p_off is None:
        p_off = tags["off_topic"]["probability"]
    return "unrelated" if p_off >= threshold else FROM_STANCE[stance["label"]]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Train and tag through the CLI; print the table (JSON with --json)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--smoke", action="store_true", help="about 1.3% of the bodies, for CI")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    train = _corpora.fnc1(args.data, "train_stances.csv", "train_bodies.csv")
    test = _corpora.fnc1(args.data, "competition_test_stances.csv", "competition_test_bodies.csv")
    if args.smoke:  # whole bodies, so the cross-validation groups stay meaningful
        train = [r for r in train if int(r["id"].split("-b")[1].split("-")[0]) % 80 == 0]
        test = [r for r in test if int(r["id"].split("-b")[1].split("-")[0]) % 80 == 0]
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="fnc1-") as tmp:
        work = Path(tmp)
        _product.write_folder(work / "train", train)
        _product.write_folder(work / "test", [{**r, "stance": None, "off_topic": None} for r in test])
        trained = _product.train([work / "train"], work / "model", echo=True)
        tags = _product.tag(work / "test", work / "model")
    manifest = trained["manifest"]
    threshold = float((manifest.get("thresholds") or {}).get("off_topic") or 0.5)
    gold = [r["gold"] for r in test]
    ours = figures(gold, [decide(tags[r["id"]], 0.5) for r in test])
    at_queue = figures(gold, [decide(tags[r["id"]], threshold) for r in test])
    ref = figures(gold, reference(train, test))
    out = {"smoke": args.smoke, "n_train": len(train), "n_test": len(test), "ours": ours, "at_queue": at_queue,
           "reference": ref,
           "off_topic_threshold": threshold, "train_seconds": round(trained["seconds"], 1),
           "train_cpu_seconds": trained["cpu_seconds"],
           "peak_mb": round(trained["peak_mb"]), "chosen": manifest["cv"]["stance"]["setting"],
           "chosen_by": manifest["cv"]["stance"]["why"], "machine": [load_before, load_average()]}
    print(f"FNC-1 competition test{' (SMOKE: a subset, figures not comparable)' if args.smoke else ''}: "
          f"{len(test)} pairs, trained on {len(train)} by moderation train, tagged by moderation tag")
    print(f"{'system':48s} {'FNC score':>9s} {'macro-F1':>8s}")
    for name, score, mf1 in PUBLISHED:
        print(f"{name + ' (published)':48s} {score:9.2f} {'' if mf1 is None else f'{mf1:.2f}':>8s}")
    for name, r in (("this project (moderation train + tag)", ours),
                    (f"  the same, unrelated at the queue's {threshold:.4f}", at_queue),
                    ("reference: TF-IDF + LR, same pairs", ref)):
        print(f"{name:48s} {r['fnc']:9.2f} {r['macro_f1']:8.3f}   per-class F1 "
              + " ".join(f"{k}={v:.3f}" for k, v in r["f1"].items()))
    print(f"unrelated when P(off-topic) >= 0.5; stance setting {out['chosen']} ({out['chosen_by']})")
    print(f"training time {trained['seconds']:.1f}s (CPU {trained['cpu_seconds']}s), peak memory "
          f"{trained['peak_mb']:.0f} MB (targets: < 300 s, < 4096 MB)")
    print(f"({load_before} before, {load_average()} after)")
    if args.json:
        print(json.dumps(out, indent=2, default=float))
    return out


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
