"""Character n-grams as integer ids, so a comment's n-gram vector meets its thread in a few array operations.

The off-topic features ``char_article`` (cosine of the comment's character n-gram vector, count x idf, to the
article's) and ``char_coverage`` (share of that vector's weight on n-grams the thread has used) visit every
distinct n-gram of a comment: hundreds of them, a dict lookup or three each. Here each word's n-grams become ids
once (words recur across comments), a comment's ids are counted by one sort, and the thread's n-grams are a bit
set over the ids. N-grams the vocabulary never saw (weight ``unseen``) keep their strings and take the old way;
they are few. The sums run in another order than a loop over the n-grams would: equal to ~1e-15, relative.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

import numpy as np

GRAMS = (3, 4, 5)  # character n-grams of each content word, padded with a space each side (char_wb)
MAX_WORDS = 200_000  # words whose n-gram ids are kept (cleared when full: a word's ids are cheap to redo)
_NONE = np.zeros(0, dtype=np.int64)


@lru_cache(maxsize=200_000)
def word_grams(word: str) -> tuple[str, ...]:
    """Character n-grams (GRAMS) of one word padded with spaces, as scikit-learn's char_wb analyser makes."""
    w = f" {word} "
    return tuple(w[i:i + n] for n in GRAMS for i in range(len(w) - n + 1))


class CharIndex:
    """The ids and idf of a vocabulary's character n-grams (id = position in the fitted idf)."""

    def __init__(self, char_idf: Mapping[str, float], unseen: float) -> None:
        self.ids = {g: i for i, g in enumerate(char_idf)}
        self.idf = np.fromiter(char_idf.values(), dtype=np.float64, count=len(char_idf))
        self.unseen = unseen
        self._words: dict[str, tuple[np.ndarray, tuple[str, ...]]] = {}

    def word(self, word: str) -> tuple[np.ndarray, tuple[str, ...]]:
        """The ids of a word's known n-grams, and its unknown n-grams."""
        got = self._words.get(word)
        if got is None:
            if len(self._words) >= MAX_WORDS:
                self._words.clear()  # clear(), not a new dict: other threads may be reading it
            ids, unknown = [], []
            for g in word_grams(word):
                i = self.ids.get(g)
                if i is None:
                    unknown.append(g)
                else:
                    ids.append(i)
            got = self._words[word] = (np.array(ids, dtype=np.int64), tuple(unknown))
        return got

    def grams(self, words: Iterable[str]) -> tuple[np.ndarray, list[str]]:
        """The ids of the known n-grams of these words (repeats kept) and their unknown n-grams."""
        parts = [self.word(w) for w in words]
        if not parts:
            return _NONE, []
        return np.concatenate([p[0] for p in parts]), [g for p in parts for g in p[1]]


class ThreadGrams:
    """One thread's character n-grams: the article's vector (count x idf) and the set of n-grams used so far."""

    def __init__(self, index: CharIndex, words: Iterable[str]) -> None:
        self.index = index
        ids, unknown = index.grams(words)
        self.article_ids, counts = np.unique(ids, return_counts=True)
        self.article_w = counts * index.idf[self.article_ids]
        self.article_unknown = {g: c * index.unseen for g, c in Counter(unknown).items()}
        self.article_norm = math.sqrt(float(self.article_w @ self.article_w)
                                      + sum(w * w for w in self.article_unknown.values()))
        self._bits = np.zeros(len(index.idf) // 8 + 1, dtype=np.uint8)
        self._unknown: set[str] = set()
        self.add(ids, unknown)

    def add(self, ids: np.ndarray, unknown: Iterable[str]) -> None:
        """The thread has now used these n-grams."""
        np.bitwise_or.at(self._bits, ids >> 3, np.left_shift(1, ids & 7).astype(np.uint8))
        self._unknown.update(unknown)

    def used(self, ids: np.ndarray) -> np.ndarray:
        """For each id, whether the thread has used that n-gram."""
        return ((self._bits[ids >> 3] >> (ids & 7).astype(np.uint8)) & 1).astype(bool)

    def features(self, ids: np.ndarray, unknown: Iterable[str]) -> tuple[float, float]:
        """(cosine to the article's vector, share of weight on n-grams the thread has used) of a text's n-grams
        (count x idf, as moderation.labelling.topic.weights gives)."""
        u, counts = np.unique(ids, return_counts=True)
        w = counts * self.index.idf[u]
        sq, total = float(w @ w), float(w.sum())
        pos = np.searchsorted(self.article_ids, u)
        pos[pos == len(self.article_ids)] = 0
        hit = self.article_ids[pos] == u if len(self.article_ids) else np.zeros(len(u), dtype=bool)
        dot = float(w[hit] @ self.article_w[pos[hit]])
        inside = float(w[self.used(u)].sum())
        unseen, article, used = self.index.unseen, self.article_unknown, self._unknown
        for g, c in Counter(unknown).items():
            wu = c * unseen
            sq += wu * wu
            total += wu
            dot += wu * article.get(g, 0.0)
            if g in used:
                inside += wu
        norm = math.sqrt(sq)
        return ((dot / (norm * self.article_norm) if norm and self.article_norm else 0.0),
                (inside / total if total else 0.0))
