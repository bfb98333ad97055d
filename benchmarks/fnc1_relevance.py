"""How well the unsupervised relevance score separates FNC-1 related from unrelated headline/body pairs.

Run: .venv/bin/python benchmarks/fnc1_relevance.py ../shared/data/fnc1 [--smoke]

Each headline is a thread (title = target = headline) and each body a comment; the score is the tagger's
relevance score (moderation.labelling.relevance), with idf fitted on the train headlines and bodies only.
Reports ROC AUC (related vs unrelated) on train and on the competition test, and the F1 of `unrelated` on the
test at the threshold that maximises it on train.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score, precision_recall_curve, roc_auc_score

from moderation.dataset import Thread
from moderation.labelling.relevance import Relevance


def pairs(folder: Path, split: str) -> list[tuple[str, str, bool]]:
    """(headline, body, unrelated) for every pair of a split ('train' or 'competition_test')."""
    csv.field_size_limit(sys.maxsize)
    with open(folder / f"{split}_bodies.csv", encoding="utf-8") as fh:
        bodies = {row["Body ID"]: row["articleBody"] for row in csv.DictReader(fh)}
    with open(folder / f"{split}_stances.csv", encoding="utf-8") as fh:
        return [(r["Headline"], bodies[r["Body ID"]], r["Stance"] == "unrelated") for r in csv.DictReader(fh)]


def scores(relevance: Relevance, rows: list[tuple[str, str, bool]]) -> np.ndarray:
    """The relevance score of each body to its headline."""
    return np.array([relevance.score(body, Thread(id=h, title=h))["score"] for h, body, _ in rows])


def main(argv: list[str]) -> None:
    """Fit idf on train, pick the threshold on train, report on test."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--smoke", action="store_true", help="2,000 pairs of each split (CI)")
    args = ap.parse_args(argv)
    train, test = pairs(args.folder, "train"), pairs(args.folder, "competition_test")
    if args.smoke:
        rng = random.Random(1)
        train, test = rng.sample(train, 2000), rng.sample(test, 2000)
    t0 = time.perf_counter()
    docs = {h for h, _, _ in train} | {b for _, b, _ in train}
    relevance = Relevance.fit(sorted(docs))
    s_train, s_test = scores(relevance, train), scores(relevance, test)
    y_train = np.array([u for _, _, u in train])
    y_test = np.array([u for _, _, u in test])
    # Unrelated is the positive class of the F1: a low relevance score means unrelated.
    precision, recall, thresholds = precision_recall_curve(y_train, -s_train)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    best = int(np.argmax(f1[:-1]))
    threshold = -thresholds[best]
    f1_test = f1_score(y_test, s_test < threshold + 1e-12)
    print(f"FNC-1 relevance (unsupervised), {len(train):,} train / {len(test):,} test pairs, "
          f"{time.perf_counter() - t0:.1f} s")
    print(f"ROC AUC related vs unrelated: train {roc_auc_score(~y_train, s_train):.4f}, "
          f"test {roc_auc_score(~y_test, s_test):.4f}")
    print(f"F1 of unrelated: train {f1[best]:.4f} at threshold {threshold:.4f} (chosen on train), "
          f"test {f1_test:.4f} at the same threshold")


if __name__ == "__main__":
    main(sys.argv[1:])
