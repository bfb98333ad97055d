"""Relevance of a comment's own text to its thread: the unsupervised off-topic signal (issue 3).

TF-IDF over content stems (the pair features' building blocks in moderation.model.pair), fitted on the
store's articles and comments. The score is the largest of: cosine to the article (title + body), cosine to
the target and title, and a discounted cosine to the closest earlier comment (a reply about the thread's
argument is on topic even when it shares no word with the article). A logistic curve turns it into an
off-topic probability; the trained off-topic model later takes the features instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select

from moderation.dataset import Thread
from moderation.model.pair import content_stems, cosine, tfidf_weights

PREFIX = 5  # stems cut to 5 letters: Russia/Russian, Japan/Japanese, Abkhaz/Abkhazia meet
REPLY_WEIGHT = 0.8  # a match with one recent comment counts a little less than one with the article
TOPICAL = 3
RECENT = 10  # comments answer recent comments: the last RECENT are compared one by one
QUOTE_FLOOR = 0.075  # a quote-reply answers the thread: its score is at least this (probability ~0.2)
MIDPOINT = 0.06  # score where the off-topic probability is one half
SCALE = 0.01
MAX_FIT_DOCS = 50_000


def terms(text: str) -> list[str]:
    """Content stems of a text (moderation.model.pair), cut to PREFIX letters."""
    return [s[:PREFIX] for s in content_stems(text)]


class Relevance:
    """Smoothed idf over content stems, and the relevance features and score of a text in a thread."""

    def __init__(self, idf: Mapping[str, float] | None = None) -> None:
        self.idf = dict(idf or {})
        self._vectors: dict[str, dict[str, float]] = {}
        self._threads: dict[tuple[str, str, str], tuple[int, dict[str, float]]] = {}

    @classmethod
    def fit(cls, docs: Iterable[str]) -> Relevance:
        """Learn idf weights from documents (articles, targets, comments)."""
        df: dict[str, int] = {}
        n = 0
        for doc in docs:
            n += 1
            for s in set(terms(doc)):
                df[s] = df.get(s, 0) + 1
        return cls({s: math.log((1 + n) / (1 + d)) + 1.0 for s, d in df.items()})

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

    def vector(self, text: str) -> dict[str, float]:
        """The tf-idf weights of a text's content stems (cached by text)."""
        vec = self._vectors.get(text)
        if vec is None:
            if len(self._vectors) > 20_000:
                self._vectors.clear()
            vec = self._vectors[text] = tfidf_weights(terms(text), self.idf)
        return vec

    def _aggregate(self, thread: Thread, context: Sequence[tuple[str, str]]) -> dict[str, float]:
        """Term counts of the article and every context text, kept per thread and grown as context grows."""
        key = (thread.id, thread.title, thread.body)
        count, agg = self._threads.get(key, (0, None))
        if agg is None or count > len(context):
            count, agg = 0, {}
            for t in terms(f"{thread.title}\n{thread.body}"):
                agg[t] = agg.get(t, 0.0) + 1.0
        for _, ctext in context[count:]:
            for t in terms(ctext):
                agg[t] = agg.get(t, 0.0) + 1.0
        self._threads[key] = (len(context), agg)
        return agg

    def features(self, text: str, thread: Thread, context: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
        """Cosines to the article, the target, the whole thread and the closest recent comment."""
        own = self.vector(text)
        article = self.vector(f"{thread.title}\n{thread.body}")
        claim = self.vector(f"{thread.target}\n{thread.title}")
        top = max(self.idf.values(), default=1.0)
        # Terms the thread uses at least TOPICAL times make its topic; one-off words (a "lol", a "year")
        # would let any text look a little related.
        whole = {t: c * self.idf.get(t, top) for t, c in self._aggregate(thread, context).items() if c >= TOPICAL}
        best_id, best = None, 0.0
        for cid, ctext in context[-RECENT:]:
            vec = self.vector(ctext)
            if len(own.keys() & vec.keys()) < 2:  # one shared word ("lol") is not a shared subject
                continue
            sim = cosine(own, vec)
            if sim > best:
                best_id, best = cid, sim
        shared = sorted(set(own) & set(whole), key=lambda s: -own[s])
        return {"article_cos": cosine(own, article), "target_cos": cosine(own, claim),
                "thread_cos": cosine(own, whole), "reply_cos": best, "reply_to": best_id,
                "shared_terms": shared, "n_terms": len(own)}

    def score(self, text: str, thread: Thread, context: Sequence[tuple[str, str]] = (),
              quotes: Sequence[str] = ()) -> dict[str, Any]:
        """The off-topic tag: probability, relevance score and a one-line reason (quotes: quoted sources)."""
        f = self.features(text, thread, context)
        parts = {"article": max(f["article_cos"], f["target_cos"]), "thread": f["thread_cos"],
                 "reply": REPLY_WEIGHT * f["reply_cos"]}
        best = max(parts, key=lambda k: parts[k])
        score = parts[best]
        if quotes and score < QUOTE_FLOOR:
            score, best = QUOTE_FLOOR, "quote"
        probability = 1.0 / (1.0 + math.exp((score - MIDPOINT) / SCALE))
        terms_ = ", ".join(f["shared_terms"][:5]) or "none"
        if not f["n_terms"] and best != "quote":
            reason = "no content words to relate to the article"
        elif best == "quote":
            reason = f"answers a quote of {', '.join(dict.fromkeys(quotes))}"
        elif best == "reply":
            reason = f"closest to recent comment {f['reply_to']} (cosine {f['reply_cos']:.2f})"
        else:
            reason = f"cosine {score:.2f} to the {best}; shared terms: {terms_}"
        return {"probability": round(probability, 4), "score": round(score, 4), "reason": reason}
