"""Relevance of a comment's own text to its thread: the unsupervised off-topic signal (issue 3).

The topic of a thread is its article and target AND its discussion (moderation.labelling.topic.ThreadTopic,
built once per thread and grown as comments arrive). Features of a comment against it (FEATURES): tf-idf
cosines over content stems to the article, the target, the thread's topical terms (used TOPICAL+ times) and
the nearest earlier comment anywhere in the thread; character 3-5-gram cosine to the article; the share of
the comment's idf-weighted stems, and of its character n-grams, that the thread uses anywhere.

The score is a small rule: the largest of the article/target cosine, the topical cosine and REPLY_WEIGHT x
the nearest-comment cosine (a reply about the thread's argument is on topic even when it shares no word with
the article); a quote-reply scores at least QUOTE_FLOOR; a logistic curve turns it into an off-topic
probability. The n-gram and coverage features are reported with it, for the trained off-topic model: a
logistic combination of all of them fitted on FNC-1 (`benchmarks/fnc1_relevance.py --fit`) separates FNC-1
pairs better but does not transfer to comment threads (see that benchmark's docstring).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select

from moderation.dataset import Thread
from moderation.labelling.topic import ThreadTopic, Vocabulary, analyse

FEATURES = ("article", "target", "thread", "reply", "char_article", "coverage", "char_coverage")
REPLY_WEIGHT = 0.8  # a match with one earlier comment counts a little less than one with the article
QUOTE_FLOOR = 0.075  # a quote-reply answers the thread: its score is at least this (probability ~0.2)
MIDPOINT = 0.06  # score where the off-topic probability is one half
SCALE = 0.01
MAX_FIT_DOCS = 50_000
CHAR_FIT_DOCS = 5_000  # character n-gram document frequencies come from a sample of this many documents


def _idf(df: dict[str, int], n: int) -> dict[str, float]:
    return {t: math.log((1 + n) / (1 + d)) + 1.0 for t, d in df.items()}


def rule(features: Mapping[str, Any]) -> tuple[float, str]:
    """The relevance score of the rule and the part that gave it: article (or target), thread or reply."""
    parts = {"article": max(features["article"], features["target"]), "thread": features["thread"],
             "reply": REPLY_WEIGHT * features["reply"]}
    best = max(parts, key=lambda k: parts[k])
    return float(parts[best]), best


class Relevance:
    """Smoothed idf over content stems and character n-grams, and the relevance of a text in a thread."""

    def __init__(self, vocab: Vocabulary | None = None) -> None:
        self.vocab = vocab or Vocabulary({}, {}, 1.0, 1.0)

    @property
    def idf(self) -> dict[str, float]:
        """The idf of content stems."""
        return dict(self.vocab.idf)

    @classmethod
    def fit(cls, docs: Iterable[str], seed: int = 0) -> Relevance:
        """Learn idf weights from documents (articles, targets, comments); n-grams from a sample of them."""
        docs = list(docs)
        sample = docs if len(docs) <= CHAR_FIT_DOCS else random.Random(seed).sample(docs, CHAR_FIT_DOCS)
        chosen = {id(d) for d in sample}
        df: dict[str, int] = {}
        char_df: dict[str, int] = {}
        for doc in docs:
            stems, grams = analyse(doc)
            for s in set(stems):
                df[s] = df.get(s, 0) + 1
            if id(doc) in chosen:
                for g in set(grams):
                    char_df[g] = char_df.get(g, 0) + 1
        n, n_char = len(docs), len(sample)
        idf, char_idf = _idf(df, n), _idf(char_df, n_char)
        return cls(Vocabulary(idf, char_idf, max(idf.values(), default=1.0), max(char_idf.values(), default=1.0)))

    @classmethod
    def from_store(cls, store: Any, extra: Iterable[str] = ()) -> Relevance:
        """Fit on the store's articles and (up to MAX_FIT_DOCS) comments, plus any extra documents."""
        from moderation.store import schema

        with store.read() as conn:
            docs = [f"{r.title}\n{r.target}\n{r.body}" for r in conn.execute(
                select(schema.threads.c.title, schema.threads.c.target, schema.threads.c.body)
                .limit(MAX_FIT_DOCS))]
            docs += conn.execute(select(schema.comments.c.text).order_by(schema.comments.c.seq.desc())
                                 .limit(MAX_FIT_DOCS)).scalars().all()
        return cls.fit([*docs, *extra])

    def topic(self, thread: Thread, context: Sequence[tuple[str, str]] = ()) -> ThreadTopic:
        """A new ThreadTopic of a thread with the (id, own text) comments of ``context`` added, in order."""
        topic = ThreadTopic(self.vocab, thread)
        for cid, text in context:
            topic.add(cid, text)
        return topic

    def features(self, text: str, thread: Thread, context: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
        """The relevance features of a text in a thread whose earlier comments are ``context`` (id, own text)."""
        return self.topic(thread, context).features(text)

    def score(self, text: str, thread: Thread, context: Sequence[tuple[str, str]] = (),
              quotes: Sequence[str] = ()) -> dict[str, Any]:
        """The off-topic tag: probability, relevance score and a one-line reason (quotes: quoted sources).

        Builds the thread's topic afresh; the tagger keeps one per thread (moderation.labelling.workspace) and
        calls :meth:`score_topic`.
        """
        return self.score_topic(self.topic(thread, context), text, quotes)

    def score_topic(self, topic: ThreadTopic, text: str, quotes: Sequence[str] = ()) -> dict[str, Any]:
        """The off-topic tag of a text against a thread topic holding exactly its earlier comments."""
        f = topic.features(text)
        score, best = rule(f)
        if quotes and score < QUOTE_FLOOR:
            score, best = QUOTE_FLOOR, "quote"
        probability = 1.0 / (1.0 + math.exp((score - MIDPOINT) / SCALE))
        terms_ = ", ".join(f["shared_terms"][:5]) or "none"
        if not f["n_terms"] and best != "quote":
            reason = "no content words to relate to the thread"
        elif best == "quote":
            reason = f"answers a quote of {', '.join(dict.fromkeys(quotes))}"
        elif best == "reply":
            reason = f"closest to earlier comment {f['reply_to']} (cosine {f['reply']:.2f})"
        else:
            reason = f"cosine {score:.2f} to the {best}; shared terms: {terms_}"
        return {"probability": round(probability, 4), "score": round(score, 4), "reason": reason,
                "features": {k: round(float(f[k]), 4) for k in FEATURES}}
