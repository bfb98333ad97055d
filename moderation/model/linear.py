"""A linear SVM whose scores are calibrated into probabilities on out-of-fold scores (grouped when told)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted


def as_scores(decision: np.ndarray) -> np.ndarray:
    """Decision values as a 2-D array (a binary SVM's single column kept as one column)."""
    return decision.reshape(-1, 1) if decision.ndim == 1 else decision


def calibration_folds(y: np.ndarray, groups: np.ndarray | None, cv: int, seed: int) -> list[tuple]:
    """Stratified (grouped when groups are given) folds; fewer folds when a class is small."""
    smallest = int(np.unique(y, return_counts=True)[1].min())
    k = max(2, min(cv, smallest))
    if groups is not None and len(np.unique(groups)) >= k:
        splitter = StratifiedGroupKFold(k, shuffle=True, random_state=seed)
        folds = list(splitter.split(np.zeros(len(y)), y, groups))
        n_classes = len(np.unique(y))
        # Groups that put all of a class in one fold would leave a model without it: then split by row.
        if all(len(np.unique(y[train])) == n_classes for train, _ in folds):
            return folds
    return list(StratifiedKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))


class CalibratedLinear(ClassifierMixin, BaseEstimator):
    """LinearSVC (one-vs-rest) fitted on all rows; a logistic map from its scores to probabilities.

    The map is fitted on out-of-fold scores, so probabilities are honest; ``predict`` is the most probable
    class. ``groups`` (fit parameter) keep near-copies or a thread's comments in one fold.
    """

    def __init__(self, C: float = 0.3, class_weight: Any = "balanced", cv: int = 5, random_state: int = 0,
                 calibration_C: float = 100.0) -> None:
        self.C = C
        self.class_weight = class_weight
        self.cv = cv
        self.random_state = random_state
        self.calibration_C = calibration_C

    def _svm(self) -> LinearSVC:
        return LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.random_state,
                         max_iter=5000)

    def fit(self, X: Any, y: Any, groups: Any = None) -> CalibratedLinear:
        """Fit the SVM on all rows and the calibration map on out-of-fold scores."""
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError("CalibratedLinear needs at least two classes")
        groups = None if groups is None else np.asarray(groups)
        scores = np.zeros((len(y), 1 if len(self.classes_) == 2 else len(self.classes_)))
        for train, test in calibration_folds(y, groups, self.cv, self.random_state):
            svm = self._svm().fit(X[train], y[train])
            if len(svm.classes_) != len(self.classes_):
                raise ValueError("a calibration fold lacks a class")
            scores[test] = as_scores(svm.decision_function(X[test]))
        self.svm_ = self._svm().fit(X, y)
        self.calibrator_ = LogisticRegression(C=self.calibration_C, max_iter=1000).fit(scores, y)
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """The SVM's raw scores."""
        check_is_fitted(self, "svm_")
        return self.svm_.decision_function(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated probabilities, columns in ``classes_`` order."""
        return self.calibrator_.predict_proba(as_scores(self.decision_function(X)))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def build_pipeline(features: dict[str, Any] | None = None, *, C: float = 0.3, seed: int = 0,
                   cv: int = 5) -> Any:
    """Records -> claim-conditioned features -> calibrated linear SVM, with step names features / clf."""
    from sklearn.pipeline import Pipeline

    from moderation.model.features import build_features

    return Pipeline([("features", build_features(**(features or {}))),
                     ("clf", CalibratedLinear(C=C, cv=cv, random_state=seed))])
