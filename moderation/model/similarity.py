"""Cue words and the similarity of token collections: the building blocks of pair features and relevance."""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable, Mapping, Sequence

from moderation.text import STOP_WORDS, normalize, stem, word_tokens


def _words(words: str) -> frozenset[str]:
    return frozenset(words.split())


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
    return near([i for i, t in enumerate(tokens) if t in words], hits, window)


def dot(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Dot product of two sparse weight dicts."""
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def near(cues: Sequence[int], anchors: Sequence[int], window: int) -> int:
    """How many cue positions lie within ``window`` of a sorted anchor position."""
    count = 0
    for i in cues:
        j = bisect.bisect_left(anchors, i - window)
        count += j < len(anchors) and anchors[j] <= i + window
    return count
