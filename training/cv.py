"""Cross-validation of the trainer's settings: two protocols, a grid of (C, class weight), out-of-fold scores.

- **across threads**: folds grouped by thread, so every fold's threads are new to the model fitted on the others
  (a new article's comments: judged by the shared, target-independent weights only);
- **within threads**: folds grouped by near-duplicate clusters, so a thread's other comments are in training
  (a known article's next comments: its own per-target weights apply).

The feature step is fitted once on every cross-validated row's text, without labels (vocabularies, idf, scaling,
which targets get their own block): no label of a held-out row reaches its model, and each fold fits only the
classifier, for every setting. Large data are cross-validated on a
seeded subsample of whole groups (``max_rows``); the final model is fitted on every row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from moderation.model.linear import build_pipeline, logistic

C_GRID = (0.1, 1.0, 10.0)
CLASS_WEIGHTS = (None, "balanced")
MAX_CV_ROWS = 8000  # more labelled rows than this: cross-validate on a subsample of whole groups
Setting = tuple[float, Any]  # (C, class_weight)


def setting_name(setting: Setting) -> str:
    """'C=1.0 balanced' / 'C=1.0 unweighted'."""
    return f"C={setting[0]} {'balanced' if setting[1] == 'balanced' else 'unweighted'}"


def folds(y: np.ndarray, groups: np.ndarray, n_splits: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified grouped folds (fewer when a class or the groups are few; by row when there is one group)."""
    if len(np.unique(groups)) < 2:
        groups = np.arange(len(y))
    smallest = int(np.unique(y, return_counts=True)[1].min())
    k = max(2, min(n_splits, smallest, len(np.unique(groups))))
    return list(StratifiedGroupKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y, groups))


def subsample(groups: np.ndarray, max_rows: int, seed: int) -> np.ndarray:
    """Row indices of whole groups, in a seeded random order, until about ``max_rows`` rows (all when fewer)."""
    if len(groups) <= max_rows:
        return np.arange(len(groups))
    rng = np.random.default_rng(seed)
    keys, inverse = np.unique(groups, return_inverse=True)
    chosen, total = np.zeros(len(keys), dtype=bool), 0
    sizes = np.bincount(inverse)
    for g in rng.permutation(len(keys)):
        if total >= max_rows:
            break
        chosen[g], total = True, total + sizes[g]
    return np.flatnonzero(chosen[inverse])


def cross_validate(records: Sequence[dict], y: np.ndarray, groups: np.ndarray, *, features: dict,
                   settings: Sequence[Setting], seed: int, n_splits: int, score: Callable[[Any, Any], float],
                   start: Callable[[int], None] = lambda n: None, tick: Callable[[], None] = lambda: None,
                   max_rows: int = MAX_CV_ROWS) -> dict[str, Any]:
    """Out-of-fold probabilities and scores of every setting; the best one (ties: stronger regularisation).

    ``start(n)`` is told how many fits there will be, ``tick()`` after each.
    """
    rows = subsample(groups, max_rows, seed)
    y_cv, g_cv = y[rows], groups[rows]
    recs = [records[i] for i in rows]
    classes = np.unique(y)
    X = build_pipeline(features, seed=seed).named_steps["features"].fit(recs).transform(recs)
    oof = {s: np.zeros((len(rows), len(classes))) for s in settings}
    splits = folds(y_cv, g_cv, n_splits, seed)
    start(len(splits) * len(settings))
    for train, test in splits:
        Xa, Xb = X[train], X[test]
        for s in settings:
            clf = logistic(s[0], s[1], seed).fit(Xa, y_cv[train])
            cols = np.searchsorted(classes, clf.classes_)  # a fold may lack a class: its column stays 0
            oof[s][np.ix_(test, cols)] = clf.predict_proba(Xb)
            tick()
    scores = {s: score(y_cv, classes[oof[s].argmax(axis=1)]) for s in settings}
    best = max(settings, key=lambda s: (round(scores[s], 6), -s[0], s[1] is None))
    return {"best": best, "scores": {setting_name(s): round(v, 2) for s, v in scores.items()},
            "folds": len(splits), "rows": rows, "oof": oof[best], "classes": classes, "y": y_cv}


def majority_score(y: np.ndarray, score: Callable[[Any, Any], float]) -> tuple[str, float]:
    """The most frequent label and the score of predicting it for every row."""
    values, counts = np.unique(y, return_counts=True)
    top = values[counts.argmax()]
    return str(top), score(y, np.full(len(y), top))
