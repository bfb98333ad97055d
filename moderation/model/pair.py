"""Features of a record (comment / FNC body) against its thread: similarity, overlap and stance cue words.

A record is a dict ``{"text", "target", "title", "body"}``. ``text`` is judged against ``target`` (the claim)
and against the article (``title`` + ``body``). The plain functions are the building blocks of relevance
scores elsewhere; :class:`PairFeatures` is the scikit-learn step named ``"pair"`` in the shared feature union.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction import FeatureHasher
from sklearn.utils.validation import check_is_fitted

from moderation.text import STOP_WORDS, normalize, stem, word_tokens


def _words(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _names(words: str) -> list[str]:
    return words.split()


# Words that deny or debunk a claim (the FNC-1 baseline's list, extended).
REFUTING_WORDS = _words(
    """
    fake fraud hoax false deny denies denied denial not despite nope doubt doubts bogus debunk debunks
    debunked pranks prank retract retracts retracted untrue misleading baseless fabricated
    refute refutes refuted dismiss dismissed
    """
)
# Words that report a claim without endorsing it (the "discuss" register).
HEDGING_WORDS = _words(
    """
    reportedly allegedly alleged claim claims claimed claiming rumor rumors rumored rumour rumours apparently
    purportedly supposedly unconfirmed unverified may might could possibly perhaps suggest suggests report
    reports reported reporting speculation speculate believed appears seems if whether
    """
)
# Words that endorse a claim as fact.
ASSERTING_WORDS = _words(
    """
    confirmed confirms confirm announced official officially revealed reveals proved proven verified indeed
    actually true truly evidence footage statement admitted
    """
)
NEGATION_WORDS = _words("not no never none nobody nothing neither nor n't cannot without")

_SENTENCE = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+")
CUE_LISTS = {
    "refute": REFUTING_WORDS,
    "hedge": HEDGING_WORDS,
    "assert": ASSERTING_WORDS,
    "neg": NEGATION_WORDS,
}
CUE_STEMS = frozenset(stem(w) for words in CUE_LISTS.values() for w in words)
# Sparse cross terms, hashed: claim stem x cue stem in the text's most similar sentences ("x:"), claim cue x
# text cue ("c:"), and the stems of those sentences ("t:"). A linear model needs them spelled out.
TERM_KINDS = ("x", "c", "t")
_THREAD_CACHE = 4096


def content_stems(text: str) -> list[str]:
    """Stems of the words of ``text`` that are not stop words (order kept)."""
    return [stem(t.lstrip("#")) for t in word_tokens(normalize(text)) if t not in STOP_WORDS]


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``: split after . ! ? followed by a space, and at line breaks."""
    return [s for s in (p.strip() for p in _SENTENCE.split(normalize(text))) if s]


def bigrams(tokens: Sequence[str]) -> set[tuple[str, str]]:
    """The set of adjacent token pairs."""
    return set(zip(tokens, tokens[1:], strict=False))


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    """Jaccard similarity of two token collections as sets (0 when both are empty)."""
    sa, sb = set(a), set(b)
    union = len(sa | sb)
    return len(sa & sb) / union if union else 0.0


def coverage(claim: Iterable[str], text: Iterable[str], idf: Mapping[str, float] | None = None) -> float:
    """Share of the claim's distinct tokens found in the text, each weighted by its idf when given."""
    sc, st = set(claim), set(text)
    if not sc:
        return 0.0
    if idf is None:
        return len(sc & st) / len(sc)
    # fsum: exact, so the result does not depend on set order (PYTHONHASHSEED).
    total = math.fsum(idf.get(t, 1.0) for t in sc)
    return math.fsum(idf.get(t, 1.0) for t in sc & st) / total


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Cosine similarity of two sparse weight dicts (0 when either is empty)."""
    if len(a) > len(b):
        a, b = b, a
    dot = sum(w * b.get(t, 0.0) for t, w in a.items())
    na = math.sqrt(sum(w * w for w in a.values()))
    nb = math.sqrt(sum(w * w for w in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def tfidf_weights(tokens: Iterable[str], idf: Mapping[str, float], unseen: float | None = None) -> dict[str, float]:
    """Raw term frequency times idf, as a dict (unknown terms get ``unseen``, by default the largest idf)."""
    top = max(idf.values(), default=1.0) if unseen is None else unseen
    weights: dict[str, float] = {}
    for t in tokens:
        weights[t] = weights.get(t, 0.0) + 1.0
    return {t: c * idf.get(t, top) for t, c in weights.items()}


def cue_counts(tokens: Sequence[str]) -> dict[str, int]:
    """How many tokens of each cue list (refute, hedge, assert, neg) occur in ``tokens``."""
    return {name: sum(t in words for t in tokens) for name, words in CUE_LISTS.items()}


def cues_near(tokens: Sequence[str], anchors: set[str], words: frozenset[str], window: int = 5) -> int:
    """Count cue ``words`` within ``window`` tokens of an anchor (e.g. a term shared with the claim)."""
    hits = [i for i, t in enumerate(tokens) if t in anchors]
    return _near([i for i, t in enumerate(tokens) if t in words], hits, window)


class _Doc:
    """One analysed string: tokens, content stems with tf-idf weights, cue positions and sentence views."""

    __slots__ = ("tokens", "content", "cset", "bigrams", "weights", "norm", "where", "cues", "sentences", "qmark")

    def __init__(self, text: str, idf: Mapping[str, float], unseen: float, with_sentences: bool) -> None:
        text = normalize(text)
        self.qmark = float("?" in text)
        self.sentences: list[tuple[set[str], dict[str, float], float, dict[str, int]]] = []
        if with_sentences:
            # Tokenising sentence by sentence, the text's tokens are their concatenation: one pass, not two.
            self.tokens = []
            for sentence in split_sentences(text):
                tokens = word_tokens(sentence)
                self.tokens += tokens
                weights = tfidf_weights([stem(t.lstrip("#")) for t in tokens if t not in STOP_WORDS], idf, unseen)
                norm = math.sqrt(sum(w * w for w in weights.values()))
                self.sentences.append((set(weights), weights, norm, cue_counts(tokens)))
        else:
            self.tokens = word_tokens(text)
        self.where: dict[str, list[int]] = {}
        self.content = []
        for i, token in enumerate(self.tokens):
            if token not in STOP_WORDS:
                s = stem(token.lstrip("#"))
                self.content.append(s)
                self.where.setdefault(s, []).append(i)
        self.cset = set(self.content)
        self.bigrams = bigrams(self.content)
        self.weights = tfidf_weights(self.content, idf, unseen)
        self.norm = math.sqrt(sum(w * w for w in self.weights.values()))
        self.cues = {name: [i for i, t in enumerate(self.tokens) if t in words] for name, words in CUE_LISTS.items()}


def _dot(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def _near(cues: Sequence[int], anchors: Sequence[int], window: int) -> int:
    """How many cue positions lie within ``window`` of a sorted anchor position."""
    count = 0
    for i in cues:
        j = bisect.bisect_left(anchors, i - window)
        count += j < len(anchors) and anchors[j] <= i + window
    return count


_CUES = tuple(CUE_LISTS)
_COMPARE_NAMES = _names(
    "cos cov cov_idf jaccard shared bigram_shared bigram_cov lead_cov_idf sent_max_cov_idf sent_top3_cov_idf "
    "sent_max_cos top_refute top_hedge top_assert top_neg refute_near_shared neg_near_shared claim_refute "
    "claim_hedge claim_assert claim_neg claim_qmark claim_refute_x_top_refute claim_refute_x_no_top_refute "
    "claim_hedge_x_top_hedge"
)
_TEXT_NAMES = (
    [f"text_{c}" for c in _CUES] + [f"text_{c}_rate" for c in _CUES] + ["text_len", "text_sentences", "text_qmark"]
)


def compare(
    text: _Doc, claim: _Doc, idf: Mapping[str, float], top_k: int = 3, terms: list[str] | None = None
) -> list[float]:
    """Similarity and cue features of an analysed text against an analysed claim (see ``_COMPARE_NAMES``).

    When ``terms`` is a list, the sparse cross terms of :data:`TERM_KINDS` are appended to it.
    """
    cc = claim.cset
    shared = text.cset & cc
    claim_idf = math.fsum(idf.get(s, 1.0) for s in cc) or 1.0
    cov_idf = math.fsum(idf.get(s, 1.0) for s in shared) / claim_idf
    scored = []
    for sset, weights, norm, cues in text.sentences:
        cov = cos = 0.0  # what the sums give a sentence with no stem in common (most), without summing
        if not sset.isdisjoint(cc):
            cov = math.fsum(idf.get(s, 1.0) for s in cc & sset) / claim_idf
            cos = _dot(claim.weights, weights) / (claim.norm * norm) if claim.norm and norm else 0.0
        scored.append((cov, cos, sset, cues))
    scored.sort(key=lambda item: -item[0])
    top = scored[:top_k]
    lead = set().union(*(item[0] for item in text.sentences[:2])) if text.sentences else text.cset
    top_cues = {c: sum(item[3][c] for item in top) for c in _CUES}
    claim_cues = {c: len(claim.cues[c]) for c in _CUES}
    anchors = sorted(i for s in shared for i in text.where[s])
    c_ref, t_ref = float(claim_cues["refute"] > 0), float(top_cues["refute"] > 0)
    n_bi = len(claim.bigrams & text.bigrams)
    if terms is not None:
        top_stems = set().union(*(item[2] for item in top))
        top_cue_stems = top_stems & CUE_STEMS
        claim_cue_stems = cc & CUE_STEMS
        terms += [f"x:{a}|{b}" for a in cc for b in top_cue_stems]
        terms += [f"c:{a}|{b}" for a in claim_cue_stems for b in text.cset & CUE_STEMS]
        terms += [f"t:{b}" for b in top_stems]
    return [
        _dot(text.weights, claim.weights) / (text.norm * claim.norm) if text.norm and claim.norm else 0.0,
        len(shared) / len(cc) if cc else 0.0,
        cov_idf if cc else 0.0,
        jaccard(text.cset, cc),
        math.log1p(len(shared)),
        math.log1p(n_bi),
        n_bi / len(claim.bigrams) if claim.bigrams else 0.0,
        coverage(cc, lead, idf),
        top[0][0] if top else cov_idf,
        float(np.add.reduce(np.array([item[0] for item in top]))) / len(top) if top else cov_idf,  # np.mean
        max((item[1] for item in top), default=0.0),
        *(math.log1p(top_cues[c]) for c in _CUES),
        math.log1p(_near(text.cues["refute"], anchors, 5)),
        math.log1p(_near(text.cues["neg"], anchors, 5)),
        *(float(claim_cues[c] > 0) for c in _CUES),
        claim.qmark,
        c_ref * t_ref,
        c_ref * (1.0 - t_ref),
        float(claim_cues["hedge"] > 0) * float(top_cues["hedge"] > 0),
    ]


def text_only(text: _Doc) -> list[float]:
    """Cue counts, cue rates and length of the text alone (see ``_TEXT_NAMES``)."""
    cues = {c: len(text.cues[c]) for c in _CUES}
    n = max(len(text.tokens), 1)
    return [
        *(math.log1p(cues[c]) for c in _CUES),
        *(100.0 * cues[c] / n for c in _CUES),
        math.log1p(len(text.tokens)),
        math.log1p(len(text.sentences)),
        text.qmark,
    ]


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
        """One row per record (dense, or sparse with hashed terms); each distinct string analysed once a call."""
        check_is_fitted(self, "idf_")
        # Texts are analysed once per call; targets and articles are kept across calls (a thread's comments
        # arrive one at a time), in a bounded cache that is not pickled.
        calls: dict[str, _Doc] = {}
        threads: dict[str, _Doc] = self.__dict__.setdefault("_threads", {})
        unseen = self.unseen()

        def doc(text: str, sentences: bool) -> _Doc:
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

    def analyse(self, text: str, sentences: bool, unseen: float) -> _Doc:
        """One string analysed against the fitted idf; ``sentences`` for the text side (with sentence views)."""
        return _Doc(text, self.idf_, unseen, sentences)

    def row(self, record: Mapping[str, str], doc: Callable[[str, bool], _Doc]) -> tuple[list[float], list[str] | None]:
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
        names = [f"target_{n}" for n in _COMPARE_NAMES]
        if self.article:
            names += [f"article_{n}" for n in _COMPARE_NAMES]
        return names + list(_TEXT_NAMES)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Names: ``target_*``, ``article_*`` (when enabled), ``text_*``, then ``term_<column>`` when hashed."""
        names = self._dense_names()
        if self.terms:
            names += [f"term_{i}" for i in range(2**self.hash_bits)]
        return np.asarray(names, dtype=object)
