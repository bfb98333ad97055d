"""The fast path's pair features: ``PairFeatures`` + ``MaxAbsScaler`` of one record, analyses kept across calls.

A thread's article (or an FNC body) meets many comments (headlines): each distinct string is analysed once and
kept in a bounded LRU cache per side (the text side with its sentence views, the target/article side without), so
a call does only the comparisons that need both. The row is built by ``PairFeatures.row`` itself, the hashed cross
terms land in ``FeatureHasher``'s columns and the scaler's own factors are applied, so the values are the pipeline's.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import numpy as np
from sklearn.utils import murmurhash3_32

from moderation.model.pair import PairFeatures

DEFAULT_CACHE = 1024  # distinct strings kept analysed per side
MAX_CACHED_TERMS = 500_000
_INT32_MIN = -(2**31)


def is_pair_step(step: Any) -> bool:
    """True for a fitted ``PairFeatures``, alone or followed by a ``MaxAbsScaler`` named ``scale``."""
    if isinstance(step, PairFeatures):
        return True
    steps = getattr(step, "steps", None)
    return (bool(steps) and isinstance(steps[0][1], PairFeatures)
            and all(name == "scale" for name, _ in steps[1:]) and len(steps) <= 2)


def hashed_column(term: str, n_features: int) -> int:
    """The column ``FeatureHasher(n_features, input_type="string")`` gives a term (its signed murmurhash3)."""
    h = murmurhash3_32(term, seed=0)
    # FeatureHasher's own rule for abs(-2**31), which int32 cannot hold.
    return (2147483647 - (n_features - 1)) % n_features if h == _INT32_MIN else abs(h) % n_features


class _Columns(dict):
    """Term -> column of the pair step's output (after its ``n_dense`` dense columns), hashed on first sight."""

    def __init__(self, n_dense: int, n_hashed: int) -> None:
        super().__init__()
        self.n_dense, self.n_hashed = n_dense, n_hashed

    def __missing__(self, term: str) -> int:
        if len(self) >= MAX_CACHED_TERMS:
            self.clear()
        col = self[term] = self.n_dense + hashed_column(term, self.n_hashed)
        return col


class PairPart:
    """One fitted pair step (``PairFeatures`` [+ ``MaxAbsScaler``]) at column ``offset`` of the feature union."""

    def __init__(self, step: Any, offset: int, text_cache: int = DEFAULT_CACHE,
                 target_cache: int = DEFAULT_CACHE) -> None:
        self.pair: PairFeatures = step if isinstance(step, PairFeatures) else step.steps[0][1]
        scaler = None if isinstance(step, PairFeatures) else dict(step.steps).get("scale")
        self.n_dense = self.pair.n_dense_
        self.n_hashed = 2**self.pair.hash_bits if self.pair.terms else 0
        self.width = self.n_dense + self.n_hashed
        self.offset = offset
        self.dense_cols = np.arange(offset, offset + self.n_dense, dtype=np.intp)
        self.local_cols = list(range(self.n_dense))
        if scaler is not None and scaler.clip:
            raise ValueError("the fast path supports MaxAbsScaler(clip=False) only")
        scale = np.ones(self.width) if scaler is None else np.asarray(scaler.scale_, dtype=np.float64)
        # MaxAbsScaler divides a dense matrix by its scale but multiplies a sparse one by 1 / scale.
        self.divide = self.n_hashed == 0
        self.scale = scale if self.divide else 1.0 / scale
        self._columns = _Columns(self.n_dense, self.n_hashed)
        unseen = self.pair.unseen()
        analyse = self.pair.analyse
        self._texts = lru_cache(maxsize=text_cache)(lambda text: analyse(text, True, unseen))
        self._threads = lru_cache(maxsize=target_cache)(lambda text: analyse(text, False, unseen))

    def _doc(self, text: str, sentences: bool) -> Any:
        return self._texts(text) if sentences else self._threads(text)

    def row(self, record: Mapping[str, Any], memo: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """(columns, values) of the record's scaled pair features, hashed terms included."""
        dense, terms = self.pair.row(record, self._doc)
        if self.divide:
            return self.dense_cols, np.array(dense) / self.scale
        # The sparse row: the dense values, then 1 per term occurrence (colliding terms add up in the dot
        # product, as FeatureHasher sums them), each times its column's 1 / scale.
        cols = np.array(self.local_cols + list(map(self._columns.__getitem__, terms)), dtype=np.intp)
        vals = np.array(dense + [1.0] * len(terms)) * self.scale[cols]
        return (cols + self.offset if self.offset else cols), vals

    def cache_clear(self) -> None:
        """Forget every analysed text and target."""
        self._texts.cache_clear()
        self._threads.cache_clear()
