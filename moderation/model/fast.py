"""The single-comment fast path: the fitted pipeline's arithmetic with dict lookups instead of sparse machinery.

It reuses the fitted vectorizers' own analyzers, vocabularies and idf, the pair features' own row builder
(``moderation.model.fast_pair``), and the classifier's coefficients and calibration map (or the two logistic
stages of :class:`~moderation.model.twostage.TwoStage`), so its probabilities equal ``pipeline.predict_proba`` up
to float rounding (tests: 1e-9).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from moderation.model.analyzers import Analyzer
from moderation.model.fast_pair import DEFAULT_CACHE, PairPart, is_pair_step
from moderation.model.features import ClaimConditioned
from moderation.model.linear import CalibratedLinear
from moderation.model.semantic import Semantic
from moderation.model.twostage import TwoStage


class _Tfidf:
    """One fitted TfidfVectorizer: record field -> (columns, values) of its L2-normalised row."""

    def __init__(self, field: str, vectorizer: Any, offset: int) -> None:
        self.field = field
        self.analyzer = Analyzer(vectorizer)
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self.sublinear = vectorizer.sublinear_tf
        self.binary = vectorizer.binary
        self.offset = offset
        self.width = len(vectorizer.vocabulary_)
        self.names = {i + offset: t for t, i in vectorizer.vocabulary_.items()}
        if vectorizer.norm != "l2" or not vectorizer.use_idf:
            raise ValueError("the fast path supports use_idf=True, norm='l2' vectorizers")

    def row(self, record: Mapping[str, Any], memo: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        text = str(record.get(self.field) or "")
        cols, counts = np.unique(self.analyzer.columns(text, memo.setdefault(self.field, {})), return_counts=True)
        idf = self.idf[cols]
        if self.binary:
            vals = idf
        elif self.sublinear:
            vals = (np.log(counts) + 1.0) * idf
        else:
            vals = counts * idf
        norm = math.sqrt(float(vals @ vals))
        if norm > 0:
            vals = vals / norm
        return cols + self.offset, vals


class _Dense:
    """Any other fitted step: its own ``row(record)`` when it has one (the sentence vectors), else its transform
    on one record, as a dense row."""

    def __init__(self, step: Any, offset: int, width: int) -> None:
        self.step = step
        self.cols = np.arange(offset, offset + width, dtype=np.intp)
        self.one = step.row if isinstance(step, Semantic) else None

    def row(self, record: Mapping[str, Any], memo: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        if self.one is not None:
            return self.cols, np.asarray(self.one(record), dtype=np.float64)
        return self.cols, _dense(self.step.transform([record])).ravel()


def _dense(X: Any) -> np.ndarray:
    return np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)


def _parts(union: Any, record: Mapping[str, Any], caches: tuple[int, int]) -> list[Any]:
    parts: list[Any] = []
    offset = 0
    for _name, step in union.transformer_list:
        if step == "drop":
            continue
        tfidf = step.named_steps.get("tfidf") if hasattr(step, "named_steps") else None
        if tfidf is not None:
            parts.append(_Tfidf(step.named_steps["text"].field, tfidf, offset))
            offset += len(tfidf.vocabulary_)
        elif is_pair_step(step):
            parts.append(PairPart(step, offset, *caches))
            offset += parts[-1].width
        else:
            width = _dense(step.transform([record])).shape[1]
            parts.append(_Dense(step, offset, width))
            offset += width
    return parts


def _linear(clf: Any, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(coefficients over the features' ``width`` columns, intercepts): one row per linear score of ``clf``."""
    if isinstance(clf, CalibratedLinear):
        return np.asarray(clf.svm_.coef_, dtype=np.float64), np.asarray(clf.svm_.intercept_, dtype=np.float64)
    if isinstance(clf, TwoStage):
        if len(clf.stance_.classes_) != 3:
            raise ValueError("the fast path needs a TwoStage whose stance stage saw all three stances")
        # Row 0: P(related)'s logit, zero beyond the stage's columns; rows 1-3: the stance stage's logits.
        related = np.zeros((1, width))
        related[:, : clf.related_.coef_.shape[1]] = clf.related_.coef_
        return (np.vstack([related, clf.stance_.coef_]).astype(np.float64),
                np.concatenate([clf.related_.intercept_, clf.stance_.intercept_]).astype(np.float64))
    raise TypeError(f"the fast path does not know {type(clf).__name__}")


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


class FastPath:
    """Probabilities of one record from a fitted features/clf pipeline, without building sparse matrices.

    Pair features keep the analyses of the last ``text_cache`` distinct texts and ``target_cache`` distinct
    targets / articles across calls (0: none); the arithmetic is the same either way.
    """

    def __init__(self, pipeline: Any, text_cache: int = DEFAULT_CACHE, target_cache: int = DEFAULT_CACHE) -> None:
        features: ClaimConditioned = pipeline.named_steps["features"]
        clf = pipeline.named_steps["clf"]
        self.classes = [str(c) for c in clf.classes_]
        probe = {"text": "a", "target": "", "title": "", "body": ""}
        self.parts = _parts(features.features_, probe, (text_cache, target_cache))
        d = features.n_base_
        coef, self.intercept = _linear(clf, d * (len(features.targets_) + 1))
        shared = coef[:, :d] * features.shared_weight
        # One (features x scores) table per target block: shared weights plus the target's own.
        self.tables = {t: np.ascontiguousarray((shared + coef[:, (k + 1) * d:(k + 2) * d]).T)
                       for k, t in enumerate(features.targets_)}
        self.shared = np.ascontiguousarray(shared.T)
        self.two_stage = isinstance(clf, TwoStage)
        if not self.two_stage:
            self.cal_coef = np.asarray(clf.calibrator_.coef_, dtype=np.float64)
            self.cal_intercept = np.asarray(clf.calibrator_.intercept_, dtype=np.float64)
        self.names: dict[int, str] = {}
        self.n_named = 0  # columns [0, n_named) are the word n-grams that reasons name
        for part in self.parts:
            if isinstance(part, _Tfidf) and part.offset == 0:
                self.names, self.n_named = part.names, part.width

    def _row(self, record: Mapping[str, Any], memo: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        rows = [part.row(record, memo) for part in self.parts]
        if len(rows) == 1:
            return rows[0]
        return np.concatenate([c for c, _ in rows]), np.concatenate([v for _, v in rows])

    def _probs(self, scores: np.ndarray) -> np.ndarray:
        if self.two_stage:
            # TwoStage.predict_proba: [P(stance | related) * P(related), 1 - P(related)], in floats (4 values).
            first, *stance = scores.tolist()
            related = float(expit(first))
            top = max(stance)
            e = [math.exp(z - top) for z in stance]
            total = sum(e)
            return np.array([x / total * related for x in e] + [1.0 - related])
        z = scores @ self.cal_coef.T + self.cal_intercept
        if z.shape[0] == 1:
            p = float(expit(z[0]))
            return np.array([1.0 - p, p])
        return _softmax(z)

    def proba(self, record: Mapping[str, Any], memo: dict[str, Any] | None = None,
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(probabilities in class order, columns, values, the weight table used) of one record.

        `memo` (one dict per record) lets several fast paths share the text's analysis.
        """
        cols, vals = self._row(record, {} if memo is None else memo)
        table = self.tables.get(str(record.get("target") or ""), self.shared)
        weights = table[cols]
        return self._probs(vals @ weights + self.intercept), cols, vals, weights

    def cache_clear(self) -> None:
        """Forget the texts and targets analysed by earlier calls."""
        for part in self.parts:
            if isinstance(part, PairPart):
                part.cache_clear()

    def reasons(self, cols: np.ndarray, vals: np.ndarray, weights: np.ndarray, label_index: int,
                k: int = 5) -> list[str]:
        """The word n-grams that pushed hardest toward class ``label_index`` (coefficient x value)."""
        if self.two_stage:  # a stance by its own logit (columns 1-3), unrelated against the related logit
            last = label_index == len(self.classes) - 1
            push = weights[:, 0 if last else label_index + 1] * vals * (-1.0 if last else 1.0)
        elif weights.shape[1] == 1:
            push = weights[:, 0] * vals * (1.0 if label_index == 1 else -1.0)
        else:
            push = weights[:, label_index] * vals
        keep = np.flatnonzero((push > 0) & (cols < self.n_named))
        # A stable sort of the kept entries: the same order the full sort gave them.
        order = keep[np.argsort(-push[keep], kind="stable")[:k]]
        return [self.names[int(cols[i])] for i in order]
