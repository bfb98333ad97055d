"""FNC-1's two-stage linear classifier: related vs unrelated, then agree / disagree / discuss among the related.

Importable by name, so a pickled pipeline around it loads anywhere; ``moderation.model.fast`` scores it one
record at a time with the same arithmetic.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

LABELS = ("agree", "disagree", "discuss", "unrelated")
UNRELATED = 3


class TwoStage(ClassifierMixin, BaseEstimator):
    """Related vs unrelated on the first ``stage1_columns`` columns, then agree / disagree / discuss.

    Classes are the indices of :data:`LABELS`. ``predict``: unrelated when P(related) < ``threshold``, else the
    stance with the highest log-probability plus its offset (``bias_agree``, ``bias_disagree``; discuss 0).
    """

    def __init__(self, stage1_columns: int | None = None, C_related: float = 0.1, C_stance: float = 0.03,
                 threshold: float = 0.5, bias_agree: float = 0.0, bias_disagree: float = 0.0) -> None:
        self.stage1_columns = stage1_columns
        self.C_related = C_related
        self.C_stance = C_stance
        self.threshold = threshold
        self.bias_agree = bias_agree
        self.bias_disagree = bias_disagree

    def _first(self, X: Any) -> Any:
        return X if self.stage1_columns is None else X[:, : self.stage1_columns]

    def fit(self, X: Any, y: Any) -> TwoStage:
        """Fit both stages (stage two on the related rows only)."""
        y = np.asarray(y)
        self.classes_ = np.arange(len(LABELS))
        self.related_ = LogisticRegression(C=self.C_related, max_iter=3000).fit(self._first(X), y != UNRELATED)
        keep = np.flatnonzero(y != UNRELATED)
        self.stance_ = LogisticRegression(C=self.C_stance, max_iter=3000, class_weight="balanced")
        self.stance_.fit(X[keep], y[keep])
        return self

    def stage_proba(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """(P(related), P(agree, disagree, discuss | related)) of each row."""
        check_is_fitted(self, "stance_")
        return self.related_.predict_proba(self._first(X))[:, 1], self.stance_.predict_proba(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Four-class probabilities in ``LABELS`` order."""
        related, stance = self.stage_proba(X)
        return np.column_stack([stance * related[:, None], 1.0 - related])

    def predict(self, X: Any) -> np.ndarray:
        """Label indices by the decision rule."""
        return decide(*self.stage_proba(X), self.threshold, self.bias_agree, self.bias_disagree)


def decide(related: np.ndarray, stance: np.ndarray, threshold: float, bias_agree: float,
           bias_disagree: float) -> np.ndarray:
    """The decision rule of :class:`TwoStage` on its stage probabilities."""
    pred = (np.log(stance + 1e-12) + np.array([bias_agree, bias_disagree, 0.0])).argmax(axis=1)
    pred[related < threshold] = UNRELATED
    return pred
