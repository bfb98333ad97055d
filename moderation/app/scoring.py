"""Score comments in their threads: the tagger's tags, the queue policy, storing when asked."""

from __future__ import annotations

import threading
import time
from typing import Any

from moderation.app.models import Engine
from moderation.app.routing import Policy, route, scores_of
from moderation.app.validation import ATTRIBUTES, Options, ScoreItem
from moderation.dataset import Comment, Thread
from moderation.store import Store


class ThreadCache:
    """Per process: threads (kept ttl seconds) and their comments, topped up with only the newer rows."""

    def __init__(self, ttl: float = 30.0) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._threads: dict[str, tuple[float, Thread]] = {}
        self._comments: dict[str, tuple[int, list[Comment]]] = {}

    def thread(self, store: Store, thread_id: str) -> Thread:
        """A stored thread (NotFoundError when unknown)."""
        hit = self._threads.get(thread_id)
        if hit and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        thread = store.get_thread(thread_id)
        with self._lock:
            self._threads[thread_id] = (time.monotonic(), thread)
        return thread

    def comments(self, store: Store, thread_id: str) -> list[Comment]:
        """The thread's stored comments in order: one query for the rows added since the last call."""
        last, known = self._comments.get(thread_id, (0, []))
        fresh = store.thread_comments_after(thread_id, last)
        if not fresh:
            return known
        with self._lock:
            last, known = self._comments.get(thread_id, (0, []))
            ids = {c.id for c in known}
            merged = known + [c for seq, c in fresh if seq > last and c.id not in ids]
            self._comments[thread_id] = (max(last, fresh[-1][0]), merged)  # a new list: readers keep theirs
        return merged


class ThreadContext:
    """Threads and their stored comments for one request, however many comments share them."""

    def __init__(self, store: Store, cache: ThreadCache) -> None:
        self.store = store
        self.cache = cache
        self._comments: dict[str, list[Comment]] = {}

    def thread(self, item: ScoreItem) -> Thread:
        """The item's inline thread, else its stored one (NotFoundError for an unknown thread id)."""
        return item.thread if item.thread is not None else self.cache.thread(self.store, item.comment.thread_id)

    def earlier(self, item: ScoreItem) -> list[Comment]:
        """The thread's stored comments before this one (all of them for a comment not stored yet)."""
        tid = item.comment.thread_id
        if tid not in self._comments:
            self._comments[tid] = list(self.cache.comments(self.store, tid))
        comments = self._comments[tid]
        for i, c in enumerate(comments):
            if c.id == item.comment.id:
                return comments[:i]
        return comments

    def is_stored(self, item: ScoreItem) -> bool:
        """True when the comment is already in the store (re-scored, not stored or indexed again)."""
        return any(c.id == item.comment.id for c in self._comments.get(item.comment.thread_id, []))

    def remember(self, comment: Comment) -> None:
        """A comment just stored counts as earlier for the next ones in this request."""
        self._comments.setdefault(comment.thread_id, []).append(comment)


def shape(item: ScoreItem, tags: dict[str, Any], queue: dict[str, Any], engine: Engine, stored: bool,
          attributes: frozenset[str] | None) -> dict[str, Any]:
    """The response for one comment, limited to the attributes asked for."""
    full = {"own_text": tags.get("own_text"), "quotes": tags.get("quotes") or [],
            "duplicate": tags.get("duplicate"), "off_topic": tags.get("off_topic"),
            "stance": tags.get("stance"), "queue": queue, "reasons": tags.get("reasons") or []}
    out: dict[str, Any] = {"id": item.comment.id, "thread_id": item.comment.thread_id,
                           "model_version": engine.version, "stored": stored}
    out.update({k: full[k] for k in ATTRIBUTES if attributes is None or k in attributes})
    return out


def score_items(store: Store, engine: Engine, policy: Policy, items: list[ScoreItem], options: Options,
                *, enqueue: bool = False, cache: ThreadCache | None = None) -> list[dict[str, Any]]:
    """Tag, route and (when options.store) store each item; enqueue puts it in its review queue."""
    context = ThreadContext(store, cache or ThreadCache(ttl=0.0))
    results = []
    for item in items:
        thread = context.thread(item)
        earlier = context.earlier(item)
        keep = (options.store or enqueue) and not context.is_stored(item)
        # remember=True: the duplicate lookup and the index insert happen in one transaction in the
        # labelling module, so two copies arriving at once still find each other.
        tags = engine.tagger.tag(item.comment, thread, earlier, remember=keep)
        queue = route(tags, policy)
        stored = False
        if options.store or enqueue:
            queued = ({**queue, "scores": scores_of(tags), "model_version": engine.version} if enqueue else None)
            saved = store.save_scored(item.comment, thread=item.thread, queue=queued)
            stored = saved["comment_stored"]
            if stored:
                context.remember(item.comment)
            if enqueue:
                queue = {**queue, "item_id": saved["queue_item_id"]}
        results.append(shape(item, tags, queue, engine, stored, options.attributes))
    return results
