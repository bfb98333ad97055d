"""The topic of one thread (article, target and the own texts of its comments so far), built once and grown.

A :class:`ThreadTopic` holds everything relevance needs from the thread, computed once per thread and extended
by :meth:`ThreadTopic.add` as comments arrive: the tf-idf vectors of the article and the target, an inverted
index of the earlier comments' stems (to find the nearest earlier comment without a scan), and the thread's
vocabulary of stems and of character n-grams, and the static sentence vectors (moderation.model.semantic) of
the article, the target and the earlier comments. :meth:`ThreadTopic.features` then does O(own text) work (plus
bounded posting lists and one product with at most MAX_MEANINGS earlier vectors) for one comment.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import NamedTuple

import numpy as np

from moderation.dataset import Thread
from moderation.labelling.chargrams import CharIndex, ThreadGrams, word_grams
from moderation.model.features import prepare_text
from moderation.model.semantic import bundled
from moderation.text import STOP_WORDS, normalize, stem, word_tokens_as_written

PREFIX = 5  # stems cut to 5 letters: Russia/Russian, Japan/Japanese, Abkhaz/Abkhazia meet
MIN_SHARED = 2  # an earlier comment sharing one stem ("lol") is not a neighbour
TOPICAL = 3  # terms the thread uses at least this often make its topic: one-off words ("lol", "year") do not
MAX_POSTINGS = 64  # per stem, only the latest comments using it are visited: bounds the work of a lookup
MAX_MEANINGS = 2000  # the nearest earlier comment by sentence vector is looked for among the latest this many


class Analysis(NamedTuple):
    """A text's content stems (cut to PREFIX letters), each stem's content word as the text writes it (hashtag
    mark dropped), and the content words with a letter (those whose character n-grams count)."""

    stems: tuple[str, ...]
    written: tuple[str, ...]
    words: tuple[str, ...]


@lru_cache(maxsize=2048)  # a site's (or FNC-1's) articles recur under many threads: keep 2,048 of them
def analysis(text: str) -> Analysis:
    """The content stems, written content words and n-gram words of a text (one tokenisation)."""
    stems: list[str] = []
    written: list[str] = []
    words: list[str] = []
    for t, w in word_tokens_as_written(normalize(text)):
        if t in STOP_WORDS:
            continue
        t = t.lstrip("#")
        stems.append(stem(t)[:PREFIX])
        written.append(w.lstrip("#"))
        if any(ch.isalpha() for ch in t):
            words.append(t)
    return Analysis(tuple(stems), tuple(written), tuple(words))


def analyse(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Content stems (cut to PREFIX letters) and character n-grams of the content words of a text."""
    a = analysis(text)  # the n-grams are not cached: scoring reads them as ids (chargrams), fitting once a text
    return a.stems, tuple(g for w in a.words for g in word_grams(w))


def written_terms(text: str, stems: Sequence[str]) -> list[str]:
    """Each of ``stems`` (content stems of ``analyse(text)``) as the first word of the text behind it, as written:
    a reason names "European" or "Force", not the stems "europ" and "forc" the features count."""
    a = analysis(text)  # cached: the features of this text analysed it a moment ago
    found: dict[str, str] = {}
    for s, w in zip(a.stems, a.written, strict=True):
        found.setdefault(s, w)
    return [found.get(s, s) for s in stems]


@lru_cache(maxsize=4096)
def meaning(text: str) -> np.ndarray:
    """The static sentence vector of a text (unit length, or zeros without word pieces); read-only."""
    vec = bundled().vector(prepare_text(text))
    vec.flags.writeable = False
    return vec


def weights(tokens: Iterable[str], idf: Mapping[str, float], unseen: float) -> dict[str, float]:
    """Term frequency times idf (``unseen`` for terms the idf has never seen)."""
    get = idf.get
    return {t: c * get(t, unseen) for t, c in Counter(tokens).items()}  # Counter counts in C


def _norm(vec: Mapping[str, float]) -> float:
    return math.sqrt(sum(w * w for w in vec.values()))


def _cosine(vec: Mapping[str, float], vec_norm: float, fixed: Mapping[str, float], fixed_norm: float) -> float:
    """moderation.model.similarity.cosine(vec, fixed) with both norms given (the same sums, so the same result)."""
    if len(vec) > len(fixed):
        dot = sum(w * vec.get(t, 0.0) for t, w in fixed.items())
    else:
        dot = sum(w * fixed.get(t, 0.0) for t, w in vec.items())
    return dot / (vec_norm * fixed_norm) if vec_norm and fixed_norm else 0.0


@dataclass(frozen=True)
class Vocabulary:
    """The idf of stems and of character n-grams (fitted by moderation.labelling.relevance.Relevance)."""

    idf: Mapping[str, float]
    char_idf: Mapping[str, float]
    unseen: float  # idf of a stem never seen in fitting
    char_unseen: float

    @cached_property
    def chars(self) -> CharIndex:
        """The character n-grams as ids (built on first use; a vocabulary never changes)."""
        return CharIndex(self.char_idf, self.char_unseen)


class ThreadTopic:
    """One thread's article, target and earlier comments as relevance compares a comment with them."""

    def __init__(self, vocab: Vocabulary, thread: Thread) -> None:
        self.vocab = vocab
        self.thread = thread
        self.thread_id = thread.id
        article_text = analysis(f"{thread.title}\n{thread.body}")
        claim_text = analysis(f"{thread.target}\n{thread.title}")
        article, claim = article_text.stems, claim_text.stems
        self.article = weights(article, vocab.idf, vocab.unseen)
        self.claim = weights(claim, vocab.idf, vocab.unseen)
        # The article and target vectors never change after this: their norms are computed once.
        self.article_norm = _norm(self.article)
        self.claim_norm = _norm(self.claim)
        self.stems: dict[str, int] = {}  # stem -> how many times the article and the comments use it
        self.chars = ThreadGrams(vocab.chars, (*article_text.words, *claim_text.words))  # char_article, as ids
        self._topical_sq = 0.0  # squared norm of the topical vector: stems used TOPICAL+ times, count x idf
        self._count(article)
        self.ids: list[str] = []  # the comments added, in order
        self._norms: list[float] = []
        self._postings: dict[str, list[tuple[int, float]]] = {}
        self.has_body = bool(thread.body.strip())
        self.sem_article = meaning(f"{thread.title}\n{thread.body}")
        self.sem_claim = meaning(f"{thread.target}\n{thread.title}" if thread.target != thread.title else thread.title)
        self._meanings = np.zeros((8, len(self.sem_article)))  # earlier comments' vectors (rows [0, len))
        self._meaning_sum = np.zeros(len(self.sem_article))

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, comment_id: str, own_text: str) -> None:
        """Add a comment's own text to the thread (it becomes an earlier comment of those that follow)."""
        a = analysis(own_text)
        stems = a.stems
        vec = weights(stems, self.vocab.idf, self.vocab.unseen)
        pos = len(self.ids)
        self.ids.append(comment_id)
        self._norms.append(_norm(vec))
        for s, w in vec.items():
            self._postings.setdefault(s, []).append((pos, w))
        self._count(stems)
        self.chars.add(*self.vocab.chars.grams(a.words))
        if pos == len(self._meanings):
            self._meanings = np.vstack([self._meanings, np.zeros_like(self._meanings)])
        self._meanings[pos] = meaning(own_text)
        self._meaning_sum += self._meanings[pos]

    def _count(self, stems: Iterable[str]) -> None:
        """Count stems into the thread's vocabulary, keeping the topical vector's norm up to date."""
        for s in stems:
            c = self.stems.get(s, 0) + 1
            self.stems[s] = c
            if c >= TOPICAL:
                w = self.vocab.idf.get(s, self.vocab.unseen)
                self._topical_sq += (c * w) ** 2 - ((c - 1) * w) ** 2 * (c > TOPICAL)

    def topical(self, vec: Mapping[str, float], vec_norm: float | None = None) -> float:
        """Cosine of ``vec`` to the thread's topical vector (stems used TOPICAL+ times, weighted count x idf)."""
        idf, unseen = self.vocab.idf, self.vocab.unseen
        dot = sum(w * self.stems[s] * idf.get(s, unseen) for s, w in vec.items() if self.stems.get(s, 0) >= TOPICAL)
        norm = (_norm(vec) if vec_norm is None else vec_norm) * math.sqrt(self._topical_sq)
        return dot / norm if norm else 0.0

    def nearest(self, vec: Mapping[str, float], vec_norm: float | None = None) -> tuple[str | None, float]:
        """The earlier comment with the largest cosine to ``vec`` among those sharing MIN_SHARED stems."""
        dots: dict[int, float] = {}
        shared: dict[int, int] = {}
        for s, w in vec.items():
            for pos, wc in self._postings.get(s, ())[-MAX_POSTINGS:]:
                dots[pos] = dots.get(pos, 0.0) + w * wc
                shared[pos] = shared.get(pos, 0) + 1
        norm = _norm(vec) if vec_norm is None else vec_norm
        best_pos, best = -1, 0.0
        for pos, dot in dots.items():
            if shared[pos] >= MIN_SHARED and self._norms[pos] and norm:
                sim = dot / (norm * self._norms[pos])
                if sim > best:
                    best_pos, best = pos, sim
        return (self.ids[best_pos] if best_pos >= 0 else None), best

    def nearest_meaning(self, vec: np.ndarray) -> tuple[str | None, float]:
        """The earlier comment (of the latest MAX_MEANINGS) whose sentence vector is closest to ``vec``."""
        n = len(self.ids)
        if not n:
            return None, 0.0
        lo = max(0, n - MAX_MEANINGS)
        sims = self._meanings[lo:n] @ vec
        best = int(np.argmax(sims))
        return self.ids[lo + best], float(sims[best])

    def meanings(self, own_text: str) -> dict[str, object]:
        """Sentence-vector cosines of a text to the article, the target, the discussion and its nearest comment."""
        vec = meaning(own_text)
        total = float(np.sqrt(self._meaning_sum @ self._meaning_sum))
        near_to, near = self.nearest_meaning(vec)
        return {"sem_article": float(vec @ self.sem_article), "sem_target": float(vec @ self.sem_claim),
                "sem_thread": float(vec @ self._meaning_sum) / total if total else 0.0,
                "sem_reply": near, "sem_reply_to": near_to, "vector": vec}

    def features(self, own_text: str) -> dict[str, object]:
        """The relevance features of a text against the thread as it stands (see relevance.FEATURES)."""
        a = analysis(own_text)
        own = weights(a.stems, self.vocab.idf, self.vocab.unseen)
        own_norm = _norm(own)
        char_article, char_coverage = self.chars.features(*self.vocab.chars.grams(a.words))
        reply_to, reply = self.nearest(own, own_norm)
        shared = sorted((s for s in own if self.stems.get(s, 0) >= TOPICAL), key=lambda s: -own[s])
        covered = sum(w for s, w in own.items() if s in self.stems or s in self.claim)
        return {"article": _cosine(own, own_norm, self.article, self.article_norm),
                "target": _cosine(own, own_norm, self.claim, self.claim_norm),
                "thread": self.topical(own, own_norm), "reply": reply,
                "char_article": char_article, "coverage": covered / sum(own.values()) if own else 0.0,
                "char_coverage": char_coverage,
                "reply_to": reply_to, "shared_terms": shared, "n_terms": len(own), "n_context": len(self.ids),
                "has_body": self.has_body, "own": own, "own_norm": own_norm, **self.meanings(own_text)}
