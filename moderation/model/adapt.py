"""Per-thread adaptation: the global stance model's probabilities, corrected by one thread's own labels.

The adapted class scores of a comment are ``z = (1 + a) * log p + b + W x + V u``: ``log p`` the global model's
log-probabilities (its per-class decision scores up to a constant), ``a`` and ``b`` a per-class scale and prior
shift, ``x`` the comment's words as TF-IDF over the thread's labelled comments and ``W`` their per-class weights,
``u`` the comment's static sentence vector (``moderation.model.semantic``'s bundled table, 128 numbers) and ``V``
their per-class weights: 10-50 labels carry to comments that share their meaning but not their words. The fit
minimises cross-entropy on the thread's labels plus ``prior_strength * (|a|^2 + |b|^2) + word_strength * |W|^2 +
semantic_strength * |V|^2`` (no ``V u`` term when ``semantic_strength`` is None), so every parameter is pulled
toward 0, which is the global model itself: with no labels the adapted probabilities are the global ones exactly
(nothing is fitted), and a few labels move them only as far as they agree. The objective is convex and solved by
L-BFGS from zeros: the same labels give the same suggestion.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from moderation.model.features import prepare_text
from moderation.model.semantic import bundled

FLOOR = 1e-6  # global probabilities below this are read as this (log 0 has no gradient)
# Chosen by the learning-curve benchmark's cross-validation over SemEval's five targets' training tweets (each
# target under a global model trained without it; benchmarks/_curve.py; re-run with each new trainer, since the
# global model it corrects changes): on the widened grid (priors to 3000), a prior pull of 3000, words 3.0,
# sentence vectors 0.0003, class-balanced (2026-12-06 07:46 run, CV F_avg 45.43; the previous grid's choice, prior
# 100 / words 0.3 / sentence 0.01, scores 45.05 there). Earlier trainers chose 10 / 1.0 / 0.003, before the sentence
# vectors 1.0 / 0.01, before 20e36a2 0.01 / 0.01. The test tweets played no part.
PRIOR_STRENGTH = 3000.0
WORD_STRENGTH = 3.0
BALANCED = True
SEMANTIC_STRENGTH: float | None = 0.0003
_WORD = re.compile(r"[#@]?\w+")


def local_terms(text: str) -> list[str]:
    """The comment's lower-cased words (hashtags and handles kept) and word pairs."""
    words = _WORD.findall(text.lower())
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


class LocalWords:
    """TF-IDF over one thread's labelled comments (sublinear tf, smooth idf, L2 rows): fitted on the labelled
    texts, it reads any comment in microseconds (dict lookups, no scikit-learn round trip per comment)."""

    def fit(self, texts: Sequence[str]) -> LocalWords:
        """The vocabulary (sorted, so the columns never depend on dict order) and idf of these texts."""
        df: dict[str, int] = {}
        for text in texts:
            for term in set(local_terms(text)):
                df[term] = df.get(term, 0) + 1
        self.vocabulary_ = {t: i for i, t in enumerate(sorted(df))}
        n = len(texts)
        self.idf_ = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in sorted(df)])
        self._idf_list = self.idf_.tolist()  # for row(): the same products, without a numpy scalar per term
        # Word pairs as first word -> second word -> column: row() looks a pair up without building its string.
        self._pairs: dict[str, dict[str, int]] = {}
        for term, j in self.vocabulary_.items():
            if " " in term:
                first, second = term.split(" ", 1)
                self._pairs.setdefault(first, {})[second] = j
        return self

    def _columns(self, text: str) -> list[int]:
        """The columns of local_terms(text) found in the vocabulary (its words, then its word pairs)."""
        words = _WORD.findall(text.lower())
        get, pairs = self.vocabulary_.get, self._pairs
        found = [j for j in map(get, words) if j is not None]
        for first, second in zip(words, words[1:], strict=False):
            seconds = pairs.get(first)
            if seconds is not None and (j := seconds.get(second)) is not None:
                found.append(j)
        return found

    def row(self, text: str) -> tuple[list[int], np.ndarray]:
        """One text's (sorted columns, L2-normalised weights); no columns when it shares no term."""
        counts = Counter(self._columns(text))
        js = sorted(counts)
        idf = self._idf_list
        w = np.array([(1.0 + math.log(counts[j])) * idf[j] for j in js])
        norm = math.sqrt(float(w @ w)) if js else 0.0
        return (js, w / norm) if norm else ([], np.zeros(0))

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Rows of the texts' weights over the vocabulary."""
        indptr, cols, vals = [0], [], []
        for text in texts:
            js, w = self.row(text)
            cols += js
            vals += w.tolist()
            indptr.append(len(cols))
        return sp.csr_matrix((vals, cols, indptr), shape=(len(texts), len(self.vocabulary_)))


def sentence_vector(text: str) -> np.ndarray:
    """The comment's static sentence vector: the bundled table's, of the text as the global model's sentence-vector
    blocks read it (so serving finds it in their memo: the comment was just scored)."""
    return bundled().vector(prepare_text(text))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def log_scores(probs: np.ndarray) -> np.ndarray:
    """The global model's per-class decision scores: log-probabilities, floored."""
    return np.log(np.clip(np.asarray(probs, dtype=np.float64), FLOOR, 1.0))


class ThreadAdapter:
    """A thread's correction of the global model, fitted on the thread's labelled comments."""

    def __init__(self, classes: Sequence[str], prior_strength: float = PRIOR_STRENGTH,
                 word_strength: float = WORD_STRENGTH, balanced: bool = BALANCED,
                 semantic_strength: float | None = SEMANTIC_STRENGTH) -> None:
        self.classes = [str(c) for c in classes]
        self.prior_strength = prior_strength
        self.word_strength = word_strength
        self.balanced = balanced
        self.semantic_strength = semantic_strength

    def fit(self, global_probs: np.ndarray, texts: Sequence[str], labels: Sequence[str]) -> ThreadAdapter:
        """Fit on the labelled comments: their global probabilities (columns: classes), texts and labels."""
        keep = [i for i, y in enumerate(labels) if y in self.classes]
        self.n_labels_ = len(keep)
        n_cls = len(self.classes)
        if not keep:
            self.vectorizer_ = None
            self.a_, self.b_ = np.zeros(n_cls), np.zeros(n_cls)
            self.W_ = np.zeros((0, n_cls))
            self.V_ = None
            return self
        S = log_scores(np.asarray(global_probs)[keep])
        Y = np.zeros((len(keep), n_cls))
        Y[np.arange(len(keep)), [self.classes.index(labels[i]) for i in keep]] = 1.0
        if self.balanced:  # each class seen weighs as much as the others together: a thread's majority does not swamp
            seen = Y.sum(axis=0)
            Y = Y * np.where(seen > 0, len(keep) / (np.count_nonzero(seen) * np.maximum(seen, 1)), 0.0)
        labelled = [texts[i] for i in keep]
        self.vectorizer_ = LocalWords().fit(labelled)
        X = self.vectorizer_.transform(labelled)
        n_words = X.shape[1]
        lb, lw, ls = self.prior_strength, self.word_strength, self.semantic_strength
        U = np.array([sentence_vector(t) for t in labelled]) if ls is not None else np.zeros((len(keep), 0))
        n_dims = U.shape[1]
        ls = ls or 0.0
        split = 2 * n_cls + n_words * n_cls

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            a, b = theta[:n_cls], theta[n_cls:2 * n_cls]
            W = theta[2 * n_cls:split].reshape(n_words, n_cls)
            V = theta[split:].reshape(n_dims, n_cls)
            Z = S * (1.0 + a) + b + X @ W + U @ V
            Z = Z - Z.max(axis=1, keepdims=True)
            logp = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
            G = np.exp(logp) * Y.sum(axis=1, keepdims=True) - Y
            loss = (-float((Y * logp).sum()) + lb * float(a @ a + b @ b) + lw * float((W * W).sum())
                    + ls * float((V * V).sum()))
            grad = np.concatenate([(G * S).sum(axis=0) + 2 * lb * a, G.sum(axis=0) + 2 * lb * b,
                                   (X.T @ G + 2 * lw * W).ravel(), (U.T @ G + 2 * ls * V).ravel()])
            return loss, grad

        theta0 = np.zeros(split + n_dims * n_cls)
        # One BLAS thread: L-BFGS's tiny vector updates are 20x slower when a busy machine's threads wake.
        with threadpool_limits(1):
            result = minimize(objective, theta0, jac=True, method="L-BFGS-B",
                              options={"maxiter": 500, "gtol": 1e-8})
        theta = result.x
        self.a_, self.b_ = theta[:n_cls], theta[n_cls:2 * n_cls]
        self.W_ = theta[2 * n_cls:split].reshape(n_words, n_cls)
        self.V_ = theta[split:].reshape(n_dims, n_cls) if n_dims else None
        return self

    def adjust_many(self, global_probs: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Adapted probabilities of many comments (rows of global probabilities, columns: classes)."""
        P = np.atleast_2d(np.asarray(global_probs, dtype=np.float64))
        if self.n_labels_ == 0:
            return P.copy()
        Z = log_scores(P) * (1.0 + self.a_) + self.b_
        if self.vectorizer_ is not None:
            Z = Z + self.vectorizer_.transform(list(texts)) @ self.W_
        if self.V_ is not None:
            Z = Z + np.array([sentence_vector(t) for t in texts]).reshape(len(Z), -1) @ self.V_
        return _softmax(Z)

    def adjust(self, global_probs: Sequence[float], text: str) -> np.ndarray:
        """Adapted probabilities of one comment: ``adjust_many``'s arithmetic on one row (equal to 1e-12), in
        floats for the few classes and one product for the words, without a sparse matrix."""
        p = [float(x) for x in global_probs]
        if self.n_labels_ == 0:
            return np.array(p)
        z = [math.log(min(max(x, FLOOR), 1.0)) * (1.0 + a) + b
             for x, a, b in zip(p, self.a_.tolist(), self.b_.tolist(), strict=True)]
        if self.vectorizer_ is not None:
            js, w = self.vectorizer_.row(text)
            if js:
                z = [v + d for v, d in zip(z, (w @ self.W_[js]).tolist(), strict=True)]
        if self.V_ is not None:
            z = [v + d for v, d in zip(z, (sentence_vector(text) @ self.V_).tolist(), strict=True)]
        top = max(z)
        e = [math.exp(v - top) for v in z]
        total = sum(e)
        return np.array([v / total for v in e])
