"""Features of a record (comment / FNC body) against its thread: similarity, overlap and stance cue words.

A record is a dict ``{"text", "target", "title", "body"}``. ``text`` is judged against ``target`` (the claim)
and against the article (``title`` + ``body``). :class:`PairFeatures` is the scikit-learn step named ``"pair"``
in the shared feature union; the comparison of one text with one claim is in :mod:`moderation.model.pair_compare`,
its building blocks (cue words, similarity functions) in :mod:`moderation.model.similarity`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction import FeatureHasher
from sklearn.utils.validation import check_is_fitted

from moderation.model.pair_compare import COMPARE_NAMES, TERM_KINDS, TEXT_NAMES, Doc, compare, text_only
from moderation.model.similarity import content_stems

_THREAD_CACHE = 4096


_SLICES = 8  # slices of a large transform, shared out to the worker processes
_WORK: dict[str, Any] = {}  # the transform a forked worker slices: (PairFeatures, records)


def _slice(edges: tuple[int, int]) -> np.ndarray | sp.csr_matrix:
    features, records = _WORK["job"]
    return features._transform(records[edges[0]:edges[1]])


def _article(record: Mapping[str, str]) -> str:
    return f"{record.get('title', '')}\n{record.get('body', '')}".strip()


class PairFeatures(TransformerMixin, BaseEstimator):
    """Dense features of each record's text against its target (and article): similarity, overlap, cues.

    ``article=True`` adds the comparison against ``title`` + ``body``; ``top_k`` is how many of the text's
    sentences most similar to the claim are searched for cue words. ``terms`` (kinds from
    :data:`TERM_KINDS`) appends hashed binary cross terms of text vs target over ``2**hash_bits`` columns:
    the output is then a sparse matrix.
    """

    def __init__(self, article: bool = True, top_k: int = 3, terms: tuple[str, ...] = (), hash_bits: int = 18):
        self.article = article
        self.top_k = top_k
        self.terms = terms
        self.hash_bits = hash_bits

    def fit(self, records: Sequence[Mapping[str, str]], y: object = None) -> PairFeatures:
        """Learn smoothed idf weights of content stems over every distinct text, target and article."""
        docs: set[str] = set()
        for r in records:
            docs.update((r.get("text", ""), r.get("target", "")))
            if self.article:
                docs.add(_article(r))
        self.__dict__.pop("_threads", None)
        df: dict[str, int] = {}
        for doc in docs:
            for s in set(content_stems(doc)):
                df[s] = df.get(s, 0) + 1
        n = len(docs)
        self.idf_ = {s: math.log((1 + n) / (1 + d)) + 1.0 for s, d in df.items()}
        self.n_dense_ = len(self._dense_names())
        return self

    def transform(self, records: Sequence[Mapping[str, str]]) -> np.ndarray | sp.csr_matrix:
        """One row per record (dense, or sparse with hashed terms); each distinct string analysed once a call.

        Many records (training's: FNC-1's 13k related pairs took 43 s) are shared out in contiguous slices to
        forked processes (``map_threads``: one process below its threshold); rows do not depend on each other, so
        the matrix is the same however they are shared out.
        """
        check_is_fitted(self, "idf_")
        from moderation.labelling.owntext import PARALLEL_FROM, map_threads

        if len(records) < PARALLEL_FROM:
            return self._transform(records)
        _WORK["job"] = (self, records)
        try:
            edges = np.linspace(0, len(records), _SLICES + 1).astype(int).tolist()
            parts = map_threads(_slice, list(zip(edges, edges[1:], strict=False)), len(records))
        finally:
            _WORK.clear()
        return sp.vstack(parts, format="csr") if self.terms else np.vstack(parts)

    def _transform(self, records: Sequence[Mapping[str, str]]) -> np.ndarray | sp.csr_matrix:
        # Texts are analysed once per call; targets and articles are kept across calls (a thread's comments
        # arrive one at a time), in a bounded cache that is not pickled.
        calls: dict[str, Doc] = {}
        threads: dict[str, Doc] = self.__dict__.setdefault("_threads", {})
        unseen = self.unseen()

        def doc(text: str, sentences: bool) -> Doc:
            cache = calls if sentences else threads
            if text not in cache:
                if not sentences and len(threads) >= _THREAD_CACHE:
                    threads.clear()
                cache[text] = self.analyse(text, sentences, unseen)
            return cache[text]

        rows, crosses = [], []
        for r in records:
            row, terms = self.row(r, doc)
            rows.append(row)
            if terms is not None:
                crosses.append(terms)
        dense = np.asarray(rows, dtype=np.float64).reshape(len(rows), self.n_dense_)
        if not self.terms:
            return dense
        hasher = FeatureHasher(2**self.hash_bits, input_type="string", alternate_sign=False)
        return sp.hstack([sp.csr_matrix(dense), hasher.transform(crosses)], format="csr")

    def unseen(self) -> float:
        """The idf given to stems not seen in training (the largest one)."""
        return max(self.idf_.values(), default=1.0)

    def analyse(self, text: str, sentences: bool, unseen: float) -> Doc:
        """One string analysed against the fitted idf; ``sentences`` for the text side (with sentence views)."""
        return Doc(text, self.idf_, unseen, sentences)

    def row(self, record: Mapping[str, str], doc: Callable[[str, bool], Doc]) -> tuple[list[float], list[str] | None]:
        """One record's dense features and, with ``terms``, its cross terms; ``doc(text, sentences)`` analyses.

        ``transform`` and the fast single-record path both build rows here, each with its own ``doc`` cache.
        """
        text = doc(record.get("text", ""), True)
        terms: list[str] | None = [] if self.terms else None
        row = compare(text, doc(record.get("target", ""), False), self.idf_, self.top_k, terms)
        if self.article:
            row += compare(text, doc(_article(record), False), self.idf_, self.top_k)
        row += text_only(text)
        if terms is not None and not set(TERM_KINDS) <= set(self.terms):
            kinds = tuple(f"{k}:" for k in self.terms)
            terms = [t for t in terms if t.startswith(kinds)]
        return row, terms

    def __getstate__(self) -> dict:
        """Pickle without the cache of analysed targets and articles."""
        state = super().__getstate__()
        state.pop("_threads", None)
        return state

    def _dense_names(self) -> list[str]:
        names = [f"target_{n}" for n in COMPARE_NAMES]
        if self.article:
            names += [f"article_{n}" for n in COMPARE_NAMES]
        return names + list(TEXT_NAMES)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Names: ``target_*``, ``article_*`` (when enabled), ``text_*``, then ``term_<column>`` when hashed."""
        names = self._dense_names()
        if self.terms:
            names += [f"term_{i}" for i in range(2**self.hash_bits)]
        return np.asarray(names, dtype=object)
