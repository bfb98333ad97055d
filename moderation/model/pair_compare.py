"""One analysed text against one analysed claim: the dense similarity and cue features, and sparse cross terms."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from moderation.model.similarity import (
    CUE_LISTS,
    CUE_STEMS,
    bigrams,
    coverage,
    cue_counts,
    dot,
    jaccard,
    near,
    split_sentences,
    tfidf_weights,
)
from moderation.text import STOP_WORDS, normalize, stem, word_tokens

# Sparse cross terms, hashed: claim stem x cue stem in the text's most similar sentences ("x:"), claim cue x
# text cue ("c:"), and the stems of those sentences ("t:"). A linear model needs them spelled out.
TERM_KINDS = ("x", "c", "t")


class Doc:
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


def _names(words: str) -> list[str]:
    return words.split()


_CUES = tuple(CUE_LISTS)
COMPARE_NAMES = _names(
    "cos cov cov_idf jaccard shared bigram_shared bigram_cov lead_cov_idf sent_max_cov_idf sent_top3_cov_idf "
    "sent_max_cos top_refute top_hedge top_assert top_neg refute_near_shared neg_near_shared claim_refute "
    "claim_hedge claim_assert claim_neg claim_qmark claim_refute_x_top_refute claim_refute_x_no_top_refute "
    "claim_hedge_x_top_hedge"
)
TEXT_NAMES = (
    [f"text_{c}" for c in _CUES] + [f"text_{c}_rate" for c in _CUES] + ["text_len", "text_sentences", "text_qmark"]
)


def compare(
    text: Doc, claim: Doc, idf: Mapping[str, float], top_k: int = 3, terms: list[str] | None = None
) -> list[float]:
    """Similarity and cue features of an analysed text against an analysed claim (see ``COMPARE_NAMES``).

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
            cos = dot(claim.weights, weights) / (claim.norm * norm) if claim.norm and norm else 0.0
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
        dot(text.weights, claim.weights) / (text.norm * claim.norm) if text.norm and claim.norm else 0.0,
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
        math.log1p(near(text.cues["refute"], anchors, 5)),
        math.log1p(near(text.cues["neg"], anchors, 5)),
        *(float(claim_cues[c] > 0) for c in _CUES),
        claim.qmark,
        c_ref * t_ref,
        c_ref * (1.0 - t_ref),
        float(claim_cues["hedge"] > 0) * float(top_cues["hedge"] > 0),
    ]


def text_only(text: Doc) -> list[float]:
    """Cue counts, cue rates and length of the text alone (see ``TEXT_NAMES``)."""
    cues = {c: len(text.cues[c]) for c in _CUES}
    n = max(len(text.tokens), 1)
    return [
        *(math.log1p(cues[c]) for c in _CUES),
        *(100.0 * cues[c] / n for c in _CUES),
        math.log1p(len(text.tokens)),
        math.log1p(len(text.sentences)),
        text.qmark,
    ]
