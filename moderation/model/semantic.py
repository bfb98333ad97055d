"""Static word-piece vectors: a cheap sentence meaning for the linear models (the ``semantic`` feature block).

The table in ``moderation/model/vectors/minilm-static`` is a Model2Vec distillation of the sentence encoder
all-MiniLM-L6-v2 (see its README): one vector per word piece, PCA-reduced. A text's vector is the mean of its
pieces' vectors, L2-normalised — the same arithmetic for a batch and for one comment, so the service's fast
path (which calls :meth:`Semantic.transform` on one record) agrees with the pipeline exactly. No model runs at
scoring time and nothing is fetched: the table ships with the package.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from moderation.model.features import prepare_text

BUNDLED = Path(__file__).resolve().parent / "vectors" / "minilm-static"
MAX_PIECES = 512  # longer texts: the first MAX_PIECES word pieces
MAX_CACHED_WORDS = 200_000  # word -> pieces memo per table (cleared when full)
MAX_CACHED_VECTORS = 4096  # (table, text) -> vector memo shared by every table of a process (cleared when full)
_VECTORS: dict[tuple[str, str], np.ndarray] = {}
_WORD = re.compile(r"[^\W_]+|[^\w\s]|_")  # the encoder's pre-tokenizer: runs of letters/digits, single symbols


class StaticVectors:
    """A word-piece tokenizer and one vector per piece; pickles as (tokenizer JSON, float16 table)."""

    def __init__(self, tokenizer_json: str, table: np.ndarray) -> None:
        from tokenizers import Tokenizer

        self.tokenizer_json = tokenizer_json
        self.table = np.asarray(table)
        self.tokenizer = Tokenizer.from_str(tokenizer_json)
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.unk = self.tokenizer.token_to_id("[UNK]")
        if self.table.ndim != 2 or self.table.shape[0] != self.tokenizer.get_vocab_size():
            raise ValueError(f"vector table {self.table.shape} does not fit a vocabulary of "
                             f"{self.tokenizer.get_vocab_size()} pieces")
        self._memo: dict[str, tuple[int, ...]] = {}

    @classmethod
    def load(cls, folder: Path) -> StaticVectors:
        """Read a Model2Vec folder (``tokenizer.json`` and ``model.safetensors`` with ``embeddings``)."""
        from safetensors.numpy import load_file

        try:
            tokenizer_json = (folder / "tokenizer.json").read_text(encoding="utf-8")
            table = load_file(str(folder / "model.safetensors"))["embeddings"]
        except (OSError, KeyError) as exc:
            raise ValueError(f"{folder}: not a static vector folder ({exc})") from exc
        return cls(tokenizer_json, table)

    @functools.cached_property
    def sha256(self) -> str:
        """sha256 of the tokenizer JSON and the table (computed on first use, not at every load)."""
        return hashlib.sha256(self.tokenizer_json.encode("utf-8") + self.table.tobytes()).hexdigest()

    @property
    def dim(self) -> int:
        """Width of a text's vector."""
        return int(self.table.shape[1])

    def word_pieces(self, word: str) -> tuple[int, ...]:
        """The tokenizer's piece ids of one word (its normaliser lower-cases and strips accents), unknowns dropped."""
        ids = self._memo.get(word)
        if ids is None:
            if len(self._memo) >= MAX_CACHED_WORDS:
                self._memo.clear()
            ids = self._memo[word] = tuple(i for i in self.tokenizer.encode(word, add_special_tokens=False).ids
                                           if i != self.unk)
        return ids

    def pieces(self, text: str) -> list[int]:
        """Word-piece ids of a text, word by word (memoised), at most MAX_PIECES."""
        ids: list[int] = []
        for word in _WORD.findall(text.lower()):
            ids.extend(self.word_pieces(word))
            if len(ids) >= MAX_PIECES:
                return ids[:MAX_PIECES]
        return ids

    def vector(self, text: str) -> np.ndarray:
        """The L2-normalised mean of the text's piece vectors (zeros when it has none), float64, read-only.

        Memoised per table content (its sha256), not per object: the stance model's copy of the bundled table
        and the relevance features' bundled table give one comment's own text the same vector, computed once."""
        key = (self.sha256, text)
        v = _VECTORS.get(key)
        if v is None:
            ids = self.pieces(text)
            if ids:
                v = self.table[ids].astype(np.float64).mean(axis=0)
                norm = float(np.sqrt(v @ v))
                v = v / norm if norm > 0 else v
            else:
                v = np.zeros(self.dim)
            v.flags.writeable = False
            if len(_VECTORS) >= MAX_CACHED_VECTORS:
                _VECTORS.clear()  # clear(), not a new dict: other threads may be reading it
            _VECTORS[key] = v
        return v

    def __getstate__(self) -> dict[str, Any]:  # the memo is rebuilt, not pickled
        return {"tokenizer_json": self.tokenizer_json, "table": self.table}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["tokenizer_json"], state["table"])  # type: ignore[misc]


@functools.lru_cache(maxsize=1)
def bundled() -> StaticVectors:
    """The table that ships with the package (read once per process)."""
    return StaticVectors.load(BUNDLED)


class Semantic(TransformerMixin, BaseEstimator):
    """One record field -> ``weight`` x its static sentence vector (a dense block, as a sparse matrix).

    Fitting copies the bundled table into the model, so a saved model scores the same whatever table a
    later release ships.
    """

    def __init__(self, field: str = "text", weight: float = 0.5) -> None:
        self.field = field
        self.weight = weight

    def fit(self, records: Sequence[Mapping[str, Any]], y: object = None) -> Semantic:
        """Take the bundled vectors."""
        self.vectors_ = bundled()
        return self

    def row(self, record: Mapping[str, Any]) -> np.ndarray:
        """``weight`` x the vector of one record's prepared text (the fast path's call, and transform's)."""
        return self.vectors_.vector(prepare_text(str(record.get(self.field) or ""))) * self.weight

    def transform(self, records: Sequence[Mapping[str, Any]]) -> sp.csr_matrix:
        """One row per record (:meth:`row`)."""
        check_is_fitted(self, "vectors_")
        rows = [self.row(r) for r in records]
        return sp.csr_matrix(np.vstack(rows) if rows else np.zeros((0, self.vectors_.dim)))


class ClaimSemantic(TransformerMixin, BaseEstimator):
    """The text's vector u and its claim's (``target``) vector v as ``weight`` x [u, v, u*v, |u-v|].

    Target-independent evidence of how a comment relates to a claim: a linear model on u*v and |u-v| weighs
    agreement of meaning dimension by dimension, whatever the claim. Claim vectors are kept across calls in a
    small dict (not pickled): a thread's comments share one.
    """

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    def fit(self, records: Sequence[Mapping[str, Any]], y: object = None) -> ClaimSemantic:
        """Take the bundled vectors."""
        self.vectors_ = bundled()
        return self

    def _claim(self, target: str) -> np.ndarray:
        cache: dict[str, np.ndarray] = self.__dict__.setdefault("_claims", {})
        v = cache.get(target)
        if v is None:
            if len(cache) >= 4096:
                cache.clear()
            v = cache[target] = self.vectors_.vector(prepare_text(target))
        return v

    def row(self, record: Mapping[str, Any]) -> np.ndarray:
        """The block of one record (the fast path's call, and transform's)."""
        u = self.vectors_.vector(prepare_text(str(record.get("text") or "")))
        v = self._claim(str(record.get("target") or ""))
        return np.concatenate([u, v, u * v, np.abs(u - v)]) * self.weight

    def transform(self, records: Sequence[Mapping[str, Any]]) -> sp.csr_matrix:
        """One row per record (:meth:`row`)."""
        check_is_fitted(self, "vectors_")
        rows = [self.row(r) for r in records]
        return sp.csr_matrix(np.vstack(rows) if rows else np.zeros((0, 4 * self.vectors_.dim)))

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the claim cache."""
        state = super().__getstate__()
        state.pop("_claims", None)
        return state
