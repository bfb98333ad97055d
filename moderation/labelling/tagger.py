"""The tagger: one comment in its thread -> quotes, own text, duplicate, off-topic, stance, with reasons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from moderation.dataset import Comment, Thread
from moderation.labelling import duplicates
from moderation.labelling.quotes import ARTICLE, Quote, QuoteIndex, own_text
from moderation.labelling.relevance import Relevance

LOCAL_SCAN = 2000  # earlier comments of the thread also compared directly (they may not be indexed yet)


class Tagger:
    """Tags comments against a store's duplicate index; `model` (optional) scores stance on the own text.

    `model` is the stance scorer (moderation.model.scorer): an object with `score(record) -> dict`, or a
    callable taking the record {"text", "target", "title", "body"}.
    """

    def __init__(self, store: Any, model: Any = None, relevance: Relevance | None = None) -> None:
        self.store = store
        self.model = model
        self._relevance = relevance
        self._threads: dict[str, tuple[QuoteIndex, dict[str, tuple[str, list[Quote]]]]] = {}

    @property
    def relevance(self) -> Relevance:
        """The relevance model, fitted on the store's articles and comments on first use."""
        if self._relevance is None:
            self._relevance = Relevance.from_store(self.store)
        return self._relevance

    def _thread_state(self, thread: Thread, earlier: Sequence[Comment]) -> tuple[QuoteIndex, dict]:
        """The thread's quote index and each earlier comment's (own text, quotes), grown incrementally."""
        index, seen = self._threads.get(thread.id, (None, {}))
        if index is None or any(c.id not in seen for c in earlier[:len(seen)]):
            index, seen = QuoteIndex(), {}
            index.add(ARTICLE, f"{thread.title}\n\n{thread.body}")
            if len(self._threads) > 1000:
                self._threads.clear()
            self._threads[thread.id] = (index, seen)
        for c in earlier:
            if c.id not in seen:
                quotes = index.find(c.text)
                seen[c.id] = (own_text(c.text, quotes) if quotes else c.text.strip(), quotes)
                index.add(c.id, c.text, quotes)
        return index, seen

    def _local_candidates(self, entry: dict[str, Any], earlier: Sequence[Comment],
                          seen: dict[str, tuple[str, list[Quote]]], thread_id: str) -> list[dict[str, Any]]:
        out = []
        for n, c in enumerate(earlier[-LOCAL_SCAN:]):
            e, _ = duplicates.make_entry(c.id, seen[c.id][0], thread_id=thread_id, author=c.author,
                                         with_bands=False)
            if e["text_hash"] == entry["text_hash"] or (
                    min(e["n_words"], entry["n_words"]) >= duplicates.MIN_WORDS
                    and duplicates.jaccard(duplicates.shingles(e["text"]),
                                           duplicates.shingles(entry["text"])) >= duplicates.THRESHOLD):
                out.append({**e, "id": -LOCAL_SCAN - 1 + n})
        return out

    def tag(self, comment: Comment, thread: Thread, earlier: list[Comment], *, remember: bool = True) -> dict:
        """The tags of one comment; with remember=True its own text joins the index in the same transaction."""
        index, seen = self._thread_state(thread, earlier)
        quotes = index.find(comment.text)
        own = own_text(comment.text, quotes) if quotes else comment.text.strip()
        entry, bands = duplicates.make_entry(comment.id, own, thread_id=thread.id, author=comment.author)
        if remember:
            found = self.store.dup_find_and_add(entry, bands)
        else:
            found = self.store.dup_candidates(entry["text_hash"], bands, exclude=comment.id)
        stored = {c["comment_id"] for c in found}
        local = [c for c in self._local_candidates(entry, earlier, seen, thread.id) if c["comment_id"] not in stored]
        previous = (earlier[-1].id, earlier[-1].text) if earlier else None
        duplicate = duplicates.decide(entry, [*local, *found], raw_text=comment.text, previous=previous)
        context = [(c.id, seen[c.id][0]) for c in earlier]
        off_topic = self.relevance.score(own, thread, context, [q.source for q in quotes])
        tags: dict[str, Any] = {"id": comment.id, "own_text": own, "quotes": [q.to_dict() for q in quotes],
                                "duplicate": duplicate, "off_topic": off_topic}
        reasons = []
        if quotes:
            sources = ", ".join(dict.fromkeys(q.source for q in quotes))
            reasons.append(f"quotes {len(quotes)} span(s) from {sources}; judged on its own text")
        if duplicate:
            reasons.append(duplicate["reason"])
        reasons.append(f"off-topic probability {off_topic['probability']:.2f}: {off_topic['reason']}")
        if self.model is not None:
            record = {"text": own, "target": thread.target, "title": thread.title, "body": thread.body}
            stance = self.model.score(record) if hasattr(self.model, "score") else self.model(record)
            tags["stance"] = stance
            if isinstance(stance, dict) and stance.get("reason"):
                reasons.append(str(stance["reason"]))
        tags["reasons"] = reasons
        return tags

    def remember(self, comment: Comment, tags: dict) -> dict | None:
        """Add a scored comment's own text to the index; returns its duplicate tag as of that moment."""
        entry, bands = duplicates.make_entry(comment.id, tags["own_text"], thread_id=comment.thread_id,
                                             author=comment.author)
        found = self.store.dup_find_and_add(entry, bands)
        return duplicates.decide(entry, found, raw_text=comment.text) or tags.get("duplicate")

    def tag_thread(self, thread: Thread, comments: list[Comment], *, remember: bool = True) -> list[dict]:
        """The tags of every comment of a thread, in order (each sees the ones before it)."""
        return [self.tag(c, thread, comments[:i], remember=remember) for i, c in enumerate(comments)]
