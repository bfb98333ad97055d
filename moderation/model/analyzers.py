"""The fitted vectorizers' analysis for one text, as the fast path runs it: column ids, not strings.

The same n-grams as ``TfidfVectorizer.build_analyzer()`` (so the same counts), computed faster for the
project's own vectorizers: ``prepare_text`` and the word tokens are computed once per text and shared by every
vectorizer that uses them (word and char features, stance and off-topic models), and a word's character
n-grams are looked up once per word and cached (words recur; comments mostly do not). Any other vectorizer
configuration runs its own analyzer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import repeat
from typing import Any

import numpy as np

from moderation.model.features import prepare_lower, prepare_text, stemmed_words

# scikit-learn's TfidfVectorizer collapses whitespace runs with this pattern before char_wb n-grams.
_WHITE_SPACES = re.compile(r"\s\s+")
MAX_CACHED_WORDS = 200_000
_EMPTY = np.empty(0, dtype=np.intp)


class Analyzer:
    """A fitted vectorizer's n-grams of one text, as an array of vocabulary column ids (with repeats)."""

    def __init__(self, vectorizer: Any) -> None:
        self.vocab: dict[str, int] = vectorizer.vocabulary_
        self.ngram_range: tuple[int, int] = tuple(vectorizer.ngram_range)
        plain = (vectorizer.input == "content" and vectorizer.strip_accents is None and not vectorizer.lowercase
                 and vectorizer.stop_words is None)
        if plain and vectorizer.analyzer == "word" and vectorizer.preprocessor is prepare_text \
                and vectorizer.tokenizer is stemmed_words:
            self.kind = "word"
        elif plain and vectorizer.analyzer == "char_wb" and vectorizer.preprocessor is prepare_lower:
            self.kind = "char_wb"
            self._words: dict[str, np.ndarray] = {}
        else:
            self.kind = "generic"
            self._analyze: Callable[[str], list[str]] = vectorizer.build_analyzer()

    def columns(self, text: str, memo: dict[str, Any]) -> np.ndarray:
        """Column ids of the text's in-vocabulary n-grams; `memo` shares work between analyzers of one text."""
        if self.kind == "word":
            return self._lookup(_word_ngrams(_tokens(text, memo), *self.ngram_range))
        if self.kind == "char_wb":
            return self._char_wb(_prepared(text, memo).lower())  # prepare_lower(text), from the shared part
        return self._lookup(self._analyze(text))

    def _lookup(self, grams: list[str]) -> np.ndarray:
        cols = np.fromiter(map(self.vocab.get, grams, repeat(-1)), dtype=np.intp, count=len(grams))
        return cols[cols >= 0]

    def _char_wb(self, text: str) -> np.ndarray:
        words = _WHITE_SPACES.sub(" ", text).split()
        cache = self._words
        parts = []
        for w in words:
            cols = cache.get(w)
            if cols is None:
                if len(cache) >= MAX_CACHED_WORDS:
                    cache.clear()  # a new dict would race with readers; clear() keeps it one object
                cols = cache[w] = self._lookup(_char_wb_word(w, *self.ngram_range))
            parts.append(cols)
        return np.concatenate(parts) if parts else _EMPTY


def _prepared(text: str, memo: dict[str, Any]) -> str:
    prepared = memo.get("prepared")
    if prepared is None:
        prepared = memo["prepared"] = prepare_text(text)
    return prepared


def _tokens(text: str, memo: dict[str, Any]) -> list[str]:
    tokens = memo.get("tokens")
    if tokens is None:
        tokens = memo["tokens"] = stemmed_words(_prepared(text, memo))
    return tokens


def _word_ngrams(tokens: list[str], min_n: int, max_n: int) -> list[str]:
    """The word n-grams scikit-learn makes (order differs; the counts are the same)."""
    grams = list(tokens) if min_n == 1 else []
    for n in range(max(min_n, 2), min(max_n, len(tokens)) + 1):
        grams += [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
    return grams


def _char_wb_word(word: str, min_n: int, max_n: int) -> list[str]:
    """scikit-learn's char_wb n-grams of one word (padded with a space each side)."""
    w = f" {word} "
    size = len(w)
    grams: list[str] = []
    for n in range(min_n, max_n + 1):
        if n >= size:
            grams.append(w)  # a short word counts once, whole
            break
        grams += [w[i:i + n] for i in range(size - n + 1)]
    return grams

