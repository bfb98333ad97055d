"""The tagger: one comment in its thread -> quotes, own text, duplicate, off-topic, stance, with reasons."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from moderation.dataset import Comment, Thread
from moderation.labelling import copies, duplicates
from moderation.labelling.relevance import Relevance
from moderation.labelling.thread_state import ThreadState

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
        self._lock = threading.Lock()
        self._relevance_lock = threading.Lock()
        self._threads: dict[str, ThreadState] = {}  # per process; each state has its own lock

    @property
    def relevance(self) -> Relevance:
        """The relevance model, fitted on the store's articles and comments on first use."""
        if self._relevance is None:
            self._relevance = Relevance.from_store(self.store)
        return self._relevance

    def _thread_state(self, thread: Thread, earlier: Sequence[Comment]) -> ThreadState:
        """The thread's state, grown with the earlier comments it has not seen (afresh when they diverge)."""
        with self._lock:
            state = self._threads.get(thread.id)
            if state is None:
                if len(self._threads) > 1000:
                    self._threads.clear()
                state = self._threads[thread.id] = ThreadState(thread)
        with state.lock:
            if state.covers(earlier):
                state.extend(earlier)
                return state
        with self._lock:
            if self._threads.get(thread.id) is state:
                self._threads[thread.id] = ThreadState(thread)
        return self._thread_state(thread, earlier)

    def tag(self, comment: Comment, thread: Thread, earlier: list[Comment], *, remember: bool = True) -> dict:
        """The tags of one comment; with remember=True its own text joins the index in the same transaction."""
        state = self._thread_state(thread, earlier)
        with state.lock:
            reading = copies.read(state.index, comment)
        quotes, own = reading.quotes, reading.own
        entry, bands = duplicates.make_entry(comment.id, own, thread_id=thread.id, author=comment.author)
        if remember:
            found = self.store.dup_find_and_add(entry, bands)
        else:
            found = self.store.dup_candidates(entry["text_hash"], bands, exclude=comment.id)
        stored = {c["comment_id"] for c in found}
        with state.lock:
            local = state.local_candidates(entry, earlier, LOCAL_SCAN)
            context = state.context_of(earlier)
        local = [c for c in local if c["comment_id"] not in stored]
        previous = (earlier[-1].id, earlier[-1].text) if earlier else None
        duplicate = copies.judge(reading, entry, [*local, *found], source=_source_entry(reading, earlier),
                                 raw_text=comment.text, previous=previous)
        with self._relevance_lock:  # the relevance model grows per-thread state of its own
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


def _source_entry(reading: copies.Reading, earlier: Sequence[Comment]) -> dict[str, Any] | None:
    """The index entry of the earlier comment the reading says this one copies (its whole text)."""
    if reading.copy is None:
        return None
    src = next((c for c in reversed(earlier) if c.id == reading.copy.source), None)
    if src is None:
        return None
    entry, _ = duplicates.make_entry(src.id, src.text, thread_id=src.thread_id, author=src.author, with_bands=False)
    return {**entry, "id": -1}
