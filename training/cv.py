"""Cross-validation of the trainer's settings: two protocols, a grid of (C, class weight), out-of-fold scores.

- **across threads**: folds grouped by thread, so every fold's threads are new to the model fitted on the others
  (a new article's comments: judged by the shared, target-independent weights only);
- **within threads**: folds grouped by near-duplicate clusters, so a thread's other comments are in training
  (a known article's next comments: its own per-target weights apply).

The feature step is fitted once on every cross-validated row's text, without labels (vocabularies, idf, scaling,
which targets get their own block): no label of a held-out row reaches its model, and each fold fits only the
classifier, for every setting. Large data are cross-validated on a seeded subsample of whole groups
(``max_rows`` rows, ``max_chars`` characters of text); the final model is fitted on every row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from sklearn.model_selection import StratifiedGroupKFold

from moderation.model.linear import build_pipeline, logistic

C_GRID = (0.1, 1.0, 10.0)
CLASS_WEIGHTS = (None, "balanced")
FIT_THREADS = 2  # this machine's cores
MAX_CV_ROWS = 8000  # more labelled rows than this: cross-validate on a subsample of whole groups
# ... or more characters of text than this (8,000 comments of 500 characters): a fit's cost grows with the
# matrix's non-zeros, which grow with the text's length (FNC-1's 2,000-character articles: 2,000 of them)
MAX_CV_CHARS = 4_000_000
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


def subsample(groups: np.ndarray, max_rows: int, seed: int, lengths: np.ndarray | None = None,
              max_chars: int | None = None) -> np.ndarray:
    """Row indices of whole groups, in a seeded random order, until about ``max_rows`` rows or, with ``lengths``
    (characters of each row's text), about ``max_chars`` characters (all rows when fewer)."""
    lengths = np.zeros(len(groups), dtype=np.int64) if lengths is None or max_chars is None else lengths
    budget = max_chars if max_chars is not None else 0
    if len(groups) <= max_rows and (not budget or lengths.sum() <= budget):
        return np.arange(len(groups))
    rng = np.random.default_rng(seed)
    keys, inverse = np.unique(groups, return_inverse=True)
    chosen, total, chars = np.zeros(len(keys), dtype=bool), 0, 0
    sizes, group_chars = np.bincount(inverse), np.bincount(inverse, weights=lengths)
    for g in rng.permutation(len(keys)):
        if total >= max_rows or (budget and chars >= budget):
            break
        chosen[g], total, chars = True, total + sizes[g], chars + group_chars[g]
    return np.flatnonzero(chosen[inverse])


def cross_validate(records: Sequence[dict], y: np.ndarray, groups: np.ndarray, *, features: dict,
                   settings: Sequence[Setting], seed: int, n_splits: int, score: Callable[[Any, Any], float],
                   start: Callable[[int], None] = lambda n: None, tick: Callable[[], None] = lambda: None,
                   max_rows: int = MAX_CV_ROWS, max_chars: int = MAX_CV_CHARS,
                   judge: Callable[[np.ndarray, np.ndarray, np.ndarray], float] | None = None) -> dict[str, Any]:
    """Out-of-fold probabilities and scores of every setting; the best one (ties: stronger regularisation).

    ``start(n)`` is told how many fits there will be, ``tick()`` after each. ``judge(y, oof, classes)``, when
    given, scores a setting from its out-of-fold probabilities (the trainer's: after the class offsets chosen on
    them, as the setting would be shipped); else ``score`` of their argmax. ``raw_scores`` are the latter.
    """
    lengths = np.fromiter((len(str(r.get("text") or "")) for r in records), dtype=np.int64, count=len(records))
    rows = subsample(groups, max_rows, seed, lengths, max_chars)
    y_cv, g_cv = y[rows], groups[rows]
    recs = [records[i] for i in rows]
    classes = np.unique(y)
    X = build_pipeline(features, seed=seed).named_steps["features"].fit_transform(recs)
    oof = {s: np.zeros((len(rows), len(classes))) for s in settings}
    splits = folds(y_cv, g_cv, n_splits, seed)
    start(len(splits) * len(settings))
    # One chain per (fold, class weight): its C values in ascending order, each fit starting from the previous
    # one's solution (strong regularisation first: the smooth end of the path), the same optima in fewer steps.
    chains = [(k, [s for s in sorted(settings, key=lambda s: s[0]) if s[1] == w])
              for k in range(len(splits)) for w in dict.fromkeys(s[1] for s in settings)]

    def fit(k: int, chain: list[Setting]) -> list[Any]:
        train, out, prev = splits[k][0], [], None
        for s in chain:
            prev = logistic(s[0], s[1], seed).fit(X[train], y_cv[train], init=prev)
            out.append(prev)
        return out

    # Two chains at a time in threads (scipy's sparse products and scikit-learn's loss release the GIL): each
    # chain is sequential and the same as alone, so the result does not depend on the order they finish in.
    fitted = Parallel(n_jobs=FIT_THREADS, backend="threading", return_as="generator")(
        delayed(fit)(k, chain) for k, chain in chains)
    for (k, chain), models in zip(chains, fitted, strict=True):
        test = splits[k][1]
        for s, clf in zip(chain, models, strict=True):
            cols = np.searchsorted(classes, clf.classes_)  # a fold may lack a class: its column stays 0
            oof[s][np.ix_(test, cols)] = clf.predict_proba(X[test])
            tick()
    raw = {s: score(y_cv, classes[oof[s].argmax(axis=1)]) for s in settings}
    scores = raw if judge is None else {s: judge(y_cv, oof[s], classes) for s in settings}
    best = max(settings, key=lambda s: (round(scores[s], 6), -s[0], s[1] is None))
    return {"best": best, "scores": {setting_name(s): round(v, 2) for s, v in scores.items()},
            "raw_scores": {setting_name(s): round(v, 2) for s, v in raw.items()},
            "folds": len(splits), "rows": rows, "oof": oof[best], "classes": classes, "y": y_cv}


def majority_score(y: np.ndarray, score: Callable[[Any, Any], float]) -> tuple[str, float]:
    """The most frequent label and the score of predicting it for every row."""
    values, counts = np.unique(y, return_counts=True)
    top = values[counts.argmax()]
    return str(top), score(y, np.full(len(y), top))
