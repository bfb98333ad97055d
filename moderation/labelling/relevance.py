"""Relevance of a comment's own text to its thread, and the off-topic probability (issues 3 and 13).

The topic of a thread is its article and target AND its discussion (moderation.labelling.topic.ThreadTopic,
built once per thread and grown as comments arrive); the other threads of the store are an Atlas
(moderation.labelling.atlas). Features of a comment against them: tf-idf cosines over content stems to the
article, the target, the thread's topical terms and the nearest earlier comment; character n-gram cosine and
coverage; sentence-vector cosines to the article, the target, the discussion and the nearest earlier comment;
the best cosines to any *other* thread and to the other threads' discussions (their first comments:
moderation.labelling.discussions); and the comment's own properties (moderation.labelling.offtopic.row).

A linear model turns them into the off-topic probability: the shipped default (trained on FNC-1 and on
comments moved under another thread, see training/offtopic.py) or the site's own (``moderation train`` with
off-topic labels). A thread's first comments have no discussion: the model has seen such rows and judges them
against the title, target and article alone. A quote-reply answers the thread: its probability is scaled by
the model's quote cap (QUOTE_CAP, so it stays below it, in the same order; a site model whose labels say
otherwise carries its own, e.g. 1.0: FNC-1's unrelated bodies quote earlier unrelated ones).
"""

from __future__ import annotations

import math
import random
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from moderation.dataset import Thread
from moderation.labelling.atlas import Atlas
from moderation.labelling.discussions import DISCUSSION
from moderation.labelling.offtopic import FEATURES, LinearModel, default_model, row
from moderation.labelling.topic import ThreadTopic, Vocabulary, analyse, written_terms
from moderation.verdict import RELEVANCE

MAX_FIT_DOCS = 50_000
SYNC_PAGE = 1000  # threads read per statement when syncing (store.threads_after's limit)
CHAR_FIT_DOCS = 5_000  # character n-gram document frequencies come from a sample of this many documents


def _idf(df: dict[str, int], n: int) -> dict[str, float]:
    return {t: math.log((1 + n) / (1 + d)) + 1.0 for t, d in df.items()}


class Relevance:
    """Smoothed idf over content stems and character n-grams, and the relevance of a text in a thread."""

    def __init__(self, vocab: Vocabulary | None = None, threads: Iterable[Thread] = (),
                 model: LinearModel | None = None) -> None:
        self.vocab = vocab or Vocabulary({}, {}, 1.0, 1.0)
        self._model = model
        self._synced = 0  # the store's thread seq the atlas holds threads up to (sync)
        self._comments_synced = 0  # the store's comment seq the discussions hold comments up to
        self._sync_lock = threading.Lock()
        self.atlas = Atlas(self.vocab)
        for thread in threads:
            self.atlas.add(thread)

    @property
    def model(self) -> LinearModel:
        """The off-topic model used when the caller gives none: the shipped default unless set."""
        return self._model or default_model()

    @property
    def idf(self) -> dict[str, float]:
        """The idf of content stems."""
        return dict(self.vocab.idf)

    def discuss(self, comments: Iterable[tuple[str, str]]) -> None:
        """Add (thread id, text) comments, in the store's order, to their threads' discussions in the atlas."""
        for thread_id, text in comments:
            self.atlas.add_comment(thread_id, text)

    @classmethod
    def fit(cls, docs: Iterable[str], seed: int = 0, threads: Iterable[Thread] = (),
            discussions: Iterable[tuple[str, str]] = ()) -> Relevance:
        """Learn idf weights from documents (articles, targets, comments); n-grams from a sample of them.

        ``threads`` are the store's threads a comment is compared with ("closer to another thread"), and
        ``discussions`` their comments as (thread id, text), in order ("closer to another discussion").
        """
        docs = list(docs)
        sample = docs if len(docs) <= CHAR_FIT_DOCS else random.Random(seed).sample(docs, CHAR_FIT_DOCS)
        # Each distinct text analysed once, counted as often as it occurs (FNC-1: an article under 30 headlines).
        copies, sampled = Counter(docs), Counter(sample)
        df: dict[str, int] = {}
        char_df: dict[str, int] = {}
        for doc, k in copies.items():
            stems, grams = analyse(doc)
            for s in set(stems):
                df[s] = df.get(s, 0) + k
            if doc in sampled:
                for g in set(grams):
                    char_df[g] = char_df.get(g, 0) + sampled[doc]
        n, n_char = len(docs), len(sample)
        idf, char_idf = _idf(df, n), _idf(char_df, n_char)
        vocab = Vocabulary(idf, char_idf, max(idf.values(), default=1.0), max(char_idf.values(), default=1.0))
        out = cls(vocab, threads)
        out.discuss(discussions)
        return out

    @classmethod
    def from_store(cls, store: Any, version: str | None = None, extra: Iterable[str] = ()) -> Relevance:
        """Fit on the store's articles and (up to MAX_FIT_DOCS) comments up to the cutoff of a model version
        (``None``: no model), plus any extra documents; the discussions are the threads' first comments up to
        the cutoff. The store's later threads and comments join by :meth:`sync`.

        The cutoff is recorded in the store by the first worker that fits for the version, so every worker
        fits on the same documents and the same request gets the same off-topic verdict on each.
        """
        thread_seq, comment_seq = store.relevance_cutoff(version or "none")
        threads, comments = store.fit_documents_upto(MAX_FIT_DOCS, thread_seq, comment_seq)
        docs = [f"{th.title}\n{th.target}\n{th.body}" for th in threads]
        out = cls.fit([*docs, *comments, *extra], threads=threads)
        out.discuss((tid, text) for _, tid, text in store.discussions_upto(thread_seq, comment_seq, DISCUSSION))
        out._synced, out._comments_synced = thread_seq, comment_seq
        return out

    def sync(self, store: Any) -> None:
        """Add the threads, then the comments, the store holds past the last sync to the other threads and
        their discussions a comment is compared with (in the store's order): the atlas is the store's, not this
        worker's history."""
        with self._sync_lock:
            self._sync_threads(store)
            while True:
                fresh = store.comments_after(self._comments_synced, SYNC_PAGE)
                if not self._take_comments(store, fresh) or len(fresh) < SYNC_PAGE:
                    return

    def _sync_threads(self, store: Any) -> None:
        while True:
            fresh = store.threads_after(self._synced, SYNC_PAGE)
            for seq, thread in fresh:
                self.atlas.add(thread)
                self._synced = seq
            if len(fresh) < SYNC_PAGE:
                return

    def _take_comments(self, store: Any, fresh: Sequence[tuple[int, str, str]]) -> bool:
        """Add comments (seq, thread id, text) past the last one taken; a comment whose thread this relevance
        has not read yet makes it read the threads first (False: read it again later, nothing is skipped)."""
        for seq, thread_id, text in fresh:
            if seq <= self._comments_synced:
                continue
            if not self.atlas.knows(thread_id):
                self._sync_threads(store)
                if not self.atlas.knows(thread_id):
                    return False
            self.atlas.add_comment(thread_id, text)
            self._comments_synced = seq
        return True

    @property
    def synced(self) -> int:
        """The store's thread seq the atlas holds threads up to."""
        return self._synced

    @property
    def comments_synced(self) -> int:
        """The store's comment seq the atlas's discussions hold comments up to."""
        return self._comments_synced

    def absorb(self, store: Any, fresh: Sequence[tuple[int, Thread]],
               comments: Sequence[tuple[int, str, str]] = ()) -> None:
        """:meth:`sync` with the first page of threads and of comments read by the caller
        (``store.thread_news(..., self.synced, self.comments_synced)``, read with other rows in one statement);
        what another request added meanwhile is not added twice."""
        with self._sync_lock:
            for seq, thread in fresh:
                if seq > self._synced:
                    self.atlas.add(thread)
                    self._synced = seq
            if len(fresh) >= SYNC_PAGE:
                self._sync_threads(store)
            taken = self._take_comments(store, comments)
        if not taken or len(comments) >= SYNC_PAGE:
            self.sync(store)

    def topic(self, thread: Thread, context: Sequence[tuple[str, str]] = ()) -> ThreadTopic:
        """A new ThreadTopic of a thread with the (id, own text) comments of ``context`` added, in order."""
        # The thread itself is not added to the atlas: the other threads are the store's (sync), so what one
        # request brought inline never changes another's verdict. A comment's own thread is left out anyway.
        topic = ThreadTopic(self.vocab, thread)
        for cid, text in context:
            topic.add(cid, text)
        return topic

    def features(self, text: str, thread: Thread, context: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
        """The relevance features of a text in a thread whose earlier comments are ``context`` (id, own text)."""
        return self.topic_features(self.topic(thread, context), text)

    def topic_features(self, topic: ThreadTopic, text: str) -> dict[str, Any]:
        """The features of a text against a thread topic and the other threads of the atlas."""
        f = topic.features(text)
        return {**f, **self.atlas.others(topic.thread, f["own"], f["own_norm"], f["vector"], text)}

    def score(self, text: str, thread: Thread, context: Sequence[tuple[str, str]] = (),
              quotes: Sequence[str] = (), model: LinearModel | None = None) -> dict[str, Any]:
        """The off-topic tag: probability, a one-line reason and the features (quotes: quoted sources).

        Builds the thread's topic afresh; the tagger keeps one per thread (moderation.labelling.workspace) and
        calls :meth:`score_topic`. ``model``: the site's off-topic model, else this relevance's (the default).
        """
        return self.score_topic(self.topic(thread, context), text, quotes, model=model)

    def score_topic(self, topic: ThreadTopic, text: str, quotes: Sequence[str] = (), *,
                    model: LinearModel | None = None, source: str = RELEVANCE) -> dict[str, Any]:
        """The off-topic tag of a text against a thread topic holding exactly its earlier comments.

        ``source`` names the model for the verdict (moderation.verdict.OffTopic.source).
        """
        model = model or self.model
        f = self.topic_features(topic, text)
        x = row(f, text)
        probability = model.probability(x)
        if quotes and model.quote_cap < 1.0:
            probability *= model.quote_cap  # below the cap, in the same order
            reason = f"answers a quote of {', '.join(dict.fromkeys(quotes))}"
        elif quotes:  # the site's labels chose no cap: judged on its own text like any comment
            reason = f"{explain(f, text)}; quotes {', '.join(dict.fromkeys(quotes))} (not a sign of topic here)"
        else:
            reason = explain(f, text)
        return {"probability": probability, "reason": f"{reason} [{model.name}]", "source": source,
                "features": dict(zip(FEATURES, x, strict=True))}


def explain(f: dict[str, Any], text: str = "") -> str:
    """The closest part of the thread and its similarity, in words (and another thread when that is closer); the
    shared terms as ``text`` writes them."""
    if not f["n_terms"] and not f["vector"].any():
        return "no words to relate to the thread"
    parts = {"the article": max(f["sem_article"], f["article"]) if f["has_body"] else -1.0,
             "the title/target": max(f["sem_target"], f["target"]),
             f"earlier comment {f['sem_reply_to']}": f["sem_reply"] if f["n_context"] else -1.0}
    best = max(parts, key=lambda k: parts[k])
    terms = ", ".join(written_terms(text, f["shared_terms"][:5]))
    out = f"closest to {best} (similarity {parts[best]:.2f})" + (f"; shared terms: {terms}" if terms else
                                                                   "; no shared terms")
    if f["has_other"] and f["other_sem"] > parts[best]:
        out += f"; closer to another thread, '{f['other_thread']}' ({f['other_sem']:.2f})"
    if f.get("has_disc") and f["disc_sem"] > max(parts[best], f["sem_thread"] if f["n_context"] else -1.0):
        out += f"; closer to the discussion under '{f['disc_thread']}' ({f['disc_sem']:.2f})"
    return out
