"""The other threads' discussions: is a comment closer to what is said under another article than to its own?

A thread's discussion is the sum of its first DISCUSSION comments' unit vectors: their tf-idf over content stems
(an inverted index of per-thread sums, so a lookup visits only the threads sharing a stem) and their static
sentence vectors (one row per thread). A lookup gives the best cosine of a text to any other thread's
discussion. A text already in another thread's discussion is left out of it first: a comment is never
compared with itself (a copy is the duplicate tag's business, not off-topic's).

Sums are built in the order comments are added (the store's order), so two workers that have added the same
comments hold the same numbers, bit for bit.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Mapping

import numpy as np

from moderation.labelling.topic import Vocabulary, analyse, meaning, weights

DISCUSSION = 100  # comments per thread that make its discussion (the first ones: a discussion's topic is set early)
_TINY = 1e-9


def text_key(text: str) -> bytes:
    """The key of a text for leaving it out of a discussion that holds it."""
    return hashlib.sha1(text.strip().encode("utf-8", "surrogatepass")).digest()[:12]


class Discussions:
    """Per-thread discussion vectors (rows given by the caller: the Atlas's thread rows)."""

    def __init__(self, vocab: Vocabulary, dim: int) -> None:
        self.vocab = vocab
        self._postings: dict[str, dict[int, float]] = {}  # stem -> row -> summed weight
        # stem -> its postings as arrays (rows, weights), made at the first lookup after the stem last changed
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._lex_sq = np.zeros(8)  # per row: squared norm of the stem sum
        self._sem = np.zeros((8, dim))  # per row: sum of sentence vectors
        self._counts = np.zeros(8, dtype=np.int64)
        self._n = 0  # rows in use
        self._texts: dict[bytes, dict[int, int]] = {}  # text key -> row -> how many times it is in the row
        self._lock = threading.Lock()  # a request's lookup never sees another's comment half added

    def _grow(self, row: int) -> None:
        while row >= len(self._counts):
            self._lex_sq = np.concatenate([self._lex_sq, np.zeros_like(self._lex_sq)])
            self._sem = np.vstack([self._sem, np.zeros_like(self._sem)])
            self._counts = np.concatenate([self._counts, np.zeros_like(self._counts)])
        self._n = max(self._n, row + 1)

    def count(self, row: int) -> int:
        """How many comments make the row's discussion."""
        return int(self._counts[row]) if row < self._n else 0

    def add(self, row: int, text: str) -> bool:
        """Add a comment to a row's discussion (False when it already has DISCUSSION comments or no words)."""
        with self._lock:
            return self._add(row, text)

    def _add(self, row: int, text: str) -> bool:
        self._grow(row)
        if self._counts[row] >= DISCUSSION or not text.strip():
            return False
        vec = weights(analyse(text)[0], self.vocab.idf, self.vocab.unseen)
        norm = math.sqrt(sum(w * w for w in vec.values()))
        if norm:
            dot = 0.0
            for t, w in vec.items():
                u = w / norm
                cell = self._postings.setdefault(t, {})
                dot += u * cell.get(row, 0.0)
                cell[row] = cell.get(row, 0.0) + u
                self._arrays.pop(t, None)
            self._lex_sq[row] += 2.0 * dot + 1.0
        self._sem[row] += meaning(text)
        self._counts[row] += 1
        rows = self._texts.setdefault(text_key(text), {})
        rows[row] = rows.get(row, 0) + 1
        return True

    def _postings_of(self, stem: str) -> tuple[np.ndarray, np.ndarray] | None:
        got = self._arrays.get(stem)
        if got is None:
            cell = self._postings.get(stem)
            if not cell:
                return None
            got = (np.fromiter(cell.keys(), np.int64, len(cell)), np.fromiter(cell.values(), np.float64, len(cell)))
            self._arrays[stem] = got
        return got

    def _lex_dots(self, own: Mapping[str, float], own_norm: float, n: int) -> np.ndarray:
        """The stem dot product of the unit text with every row's sum. ``np.bincount`` adds each row's terms in
        the order given (the text's stems in order), as a loop over the postings would: the same bits, without a
        Python step per (stem, row) — FNC-1's long bodies under 1,600 threads made that loop 30 ms a comment."""
        if not own_norm:
            return np.zeros(n)
        rows, terms = [], []
        for t, w in own.items():
            got = self._postings_of(t)
            if got is not None:
                rows.append(got[0])
                terms.append((w / own_norm) * got[1])
        if not rows:
            return np.zeros(n)
        return np.bincount(np.concatenate(rows), np.concatenate(terms), minlength=n)[:n]

    def best(self, own: Mapping[str, float], own_norm: float, vector: np.ndarray, text: str,
             skip: set[int]) -> tuple[float, float, int]:
        """(best stem cosine, best sentence cosine, row of the best sentence cosine; -1 when none) of a text to
        the discussions of rows not in ``skip``, the text itself left out of each."""
        with self._lock:
            return self._best(own, own_norm, vector, text, skip)

    def _best(self, own: Mapping[str, float], own_norm: float, vector: np.ndarray, text: str,
              skip: set[int]) -> tuple[float, float, int]:
        n = self._n
        live = self._counts[:n] > 0
        for r in skip:
            if r < n:
                live[r] = False
        held = self._texts.get(text_key(text), {})
        for r, k in held.items():
            if k >= self._counts[r]:  # the discussion is this text alone
                live[r] = False
        if not live.any():
            return 0.0, 0.0, -1
        lex_dot = self._lex_dots(own, own_norm, n)
        lex_sq = self._lex_sq[:n].copy()
        sem_dot = self._sem[:n] @ vector
        sem_sq = np.einsum("ij,ij->i", self._sem[:n], self._sem[:n])
        self_sem = float(vector @ vector)
        for r, k in held.items():  # leave the text out: subtract its k unit vectors from the row's sums
            d, sd = lex_dot[r], sem_dot[r]
            lex_dot[r], lex_sq[r] = d - k, lex_sq[r] - 2 * k * d + k * k
            sem_dot[r], sem_sq[r] = sd - k * self_sem, sem_sq[r] - 2 * k * sd + k * k * self_sem
        lex = np.divide(lex_dot, np.sqrt(np.maximum(lex_sq, _TINY)), out=np.zeros(n), where=lex_sq > _TINY)
        sem = np.divide(sem_dot, np.sqrt(np.maximum(sem_sq, _TINY)), out=np.zeros(n), where=sem_sq > _TINY)
        lex[~live] = -np.inf
        sem[~live] = -np.inf
        best_row = int(np.argmax(sem))
        return float(lex.max()), float(sem[best_row]), best_row
