"""Class offsets: a shift of each stance's log-odds, chosen on the cross-validated (out-of-fold) probabilities.

A logistic model's probabilities maximise likelihood, not F_avg: on SemEval and FNC-1 the model under-calls the
rarer stances (against, favor) for the common ``none``. The trainer searches one offset per stance other than
``none`` on the out-of-fold probabilities of the chosen setting (training data only: the same rows that chose C),
keeps the offsets that score best (ties: the smallest shift), and adds them to the model's intercepts, so the
pipeline, the fast path and the stored probabilities all carry them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import product
from typing import Any

import numpy as np
from scipy.special import softmax

GRID = tuple(float(v) for v in np.round(np.arange(-1.5, 1.51, 0.25), 2))


def shifted(proba: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Probabilities with each column's log-odds shifted by its offset (renormalised)."""
    return softmax(np.log(np.clip(proba, 1e-12, 1.0)) + offsets, axis=1)


def choose(y: np.ndarray, proba: np.ndarray, classes: Sequence[str], score: Callable[[Any, Any], float],
           grid: Sequence[float] = GRID) -> dict[str, Any]:
    """The offsets (by class, ``none`` fixed at 0) that maximise ``score`` on the out-of-fold probabilities."""
    classes = [str(c) for c in classes]
    free = [k for k, c in enumerate(classes) if c != "none"] if "none" in classes else list(range(1, len(classes)))
    labels = np.asarray(classes)
    best: tuple[float, float, np.ndarray] | None = None
    logp = np.log(np.clip(proba, 1e-12, 1.0))
    for values in product(grid, repeat=len(free)):
        off = np.zeros(len(classes))
        off[free] = values
        value = round(float(score(y, labels[(logp + off).argmax(axis=1)])), 6)
        key = (value, -float(np.abs(off).sum()))
        if best is None or key > best[:2]:
            best = (*key, off)
    assert best is not None
    zero = round(float(score(y, labels[logp.argmax(axis=1)])), 6)
    return {"offsets": {c: float(v) for c, v in zip(classes, best[2], strict=True)}, "score": round(best[0], 2),
            "score_without": round(zero, 2), "vector": best[2]}


def apply(clf: Any, offsets: np.ndarray) -> None:
    """Add the offsets to a fitted linear classifier's intercepts (binary: the positive class's shift)."""
    if len(clf.intercept_) == 1:
        clf.intercept_ = clf.intercept_ + (offsets[1] - offsets[0])
    else:
        clf.intercept_ = clf.intercept_ + offsets


def apply_known(clf: Any, start: int | None, n_targets: int, delta: np.ndarray) -> None:
    """Add ``delta`` (offsets of known targets minus the intercept's) to the per-target prior columns
    ``start .. start + n_targets`` of a fitted linear classifier (binary: the positive class's shift)."""
    if start is None or not n_targets or not np.any(delta):
        return
    coef = clf.coef_.copy()
    step = np.array([delta[1] - delta[0]]) if coef.shape[0] == 1 else delta
    coef[:, start:start + n_targets] += step[:, None]
    clf.coef_ = coef
