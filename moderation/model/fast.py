"""The single-comment fast path: the fitted pipeline's arithmetic with dict lookups instead of sparse machinery.

It reuses the fitted vectorizers' own analyzers, vocabularies and idf, the pair features' own row builder
(``moderation.model.fast_pair``), and the logistic regression's coefficients, so its probabilities equal
``pipeline.predict_proba`` up to float rounding (tests: 1e-9).
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
from moderation.model.linear import SparseLogistic
from moderation.model.semantic import ClaimSemantic, Semantic


class _Tfidf:
    """One fitted TfidfVectorizer: record field -> (columns, values) of its L2-normalised row."""

    def __init__(self, field: str, vectorizer: Any, offset: int, limit: int | None = None) -> None:
        self.field = field
        self.limit = limit
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
        text = str(record.get(self.field) or "")[: self.limit]
        memo = memo.setdefault((self.field, self.limit), {})  # a cut text is analysed apart from the whole
        cols, counts = np.unique(self.analyzer.columns(text, memo), return_counts=True)
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
        self.one = step.row if isinstance(step, Semantic | ClaimSemantic) else None

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
            text_of = step.named_steps["text"]
            parts.append(_Tfidf(text_of.field, tfidf, offset, getattr(text_of, "limit", None)))
            offset += len(tfidf.vocabulary_)
        elif is_pair_step(step):
            parts.append(PairPart(step, offset, *caches))
            offset += parts[-1].width
        else:
            width = _dense(step.transform([record])).shape[1]
            parts.append(_Dense(step, offset, width))
            offset += width
    return parts


def _linear(clf: Any) -> tuple[np.ndarray, np.ndarray]:
    """(coefficients, intercepts) of the classifier: one row per linear score."""
    if isinstance(clf, SparseLogistic):
        return np.asarray(clf.coef_, dtype=np.float64), np.asarray(clf.intercept_, dtype=np.float64)
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
        b = len(features.block_columns_)
        coef, self.intercept = _linear(clf)
        # The shared (features x scores) table, and per known target its own weights over the block columns.
        self.shared = np.ascontiguousarray((coef[:, :d] * features.shared_weight).T)
        self.blocks = {t: np.ascontiguousarray(coef[:, d + k * b:d + (k + 1) * b].T)
                       for k, t in enumerate(features.targets_)}
        self.block_map = features.block_map_
        start = features.prior_start_  # each known target's own prior (a column that is 1 on its rows)
        self.priors = {} if start is None else {t: coef[:, start + k].copy() for k, t in enumerate(features.targets_)}
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
        if scores.shape[0] == 1:
            p = float(expit(scores[0]))
            return np.array([1.0 - p, p])
        return _softmax(scores)

    def proba(self, record: Mapping[str, Any], memo: dict[str, Any] | None = None,
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(probabilities in class order, columns, values, the weight table used) of one record.

        `memo` (one dict per record) lets several fast paths share the text's analysis.
        """
        cols, vals = self._row(record, {} if memo is None else memo)
        target = str(record.get("target") or "")
        weights = self.weights(target, cols)
        scores = self.scores(vals, weights)
        prior = self.priors.get(target)
        if prior is not None:
            scores = scores + prior
        return self._probs(scores), cols, vals, weights

    def weights(self, target: str, cols: np.ndarray) -> np.ndarray:
        """The (columns x scores) weights a record of ``target`` meets: shared, plus the target's own block."""
        weights = self.shared[cols]
        block = self.blocks.get(target)
        if block is not None:
            where = self.block_map[cols]
            inside = where >= 0
            weights = weights.copy()
            weights[inside] += block[where[inside]]
        return weights

    def scores(self, vals: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The linear scores (one per row of the classifier's coefficients) of a row's values."""
        return vals @ weights + self.intercept

    def cache_clear(self) -> None:
        """Forget the texts and targets analysed by earlier calls."""
        for part in self.parts:
            if isinstance(part, PairPart):
                part.cache_clear()

    def reasons(self, cols: np.ndarray, vals: np.ndarray, weights: np.ndarray, label_index: int,
                k: int = 5) -> list[str]:
        """The word n-grams that pushed hardest toward class ``label_index``: value x (its class's weight minus the
        mean weight over classes), i.e. what the n-gram adds to that class's log-odds against the others."""
        if weights.shape[1] == 1:
            push = weights[:, 0] * vals * (1.0 if label_index == 1 else -1.0)
        else:
            push = (weights[:, label_index] - weights.mean(axis=1)) * vals
        keep = np.flatnonzero((push > 0) & (cols < self.n_named))
        # A stable sort of the kept entries: the same order the full sort gave them.
        order = keep[np.argsort(-push[keep], kind="stable")[:k]]
        return [self.names[int(cols[i])] for i in order]
