"""Score comments in their threads: the tagger's verdict, the queue policy's route, storing when asked.

One ``score_items`` for the API, the Coral adapter and the benchmarks alike.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from moderation.dataset import Comment, Thread
from moderation.queue.policy import Policy, route
from moderation.store import Store
from moderation.verdict import Route, Scores, Verdict

# What a caller may ask for: the verdict's parts (Verdict.to_json keys) and the route.
ATTRIBUTES = ("own_text", "quotes", "duplicate", "off_topic", "stance", "queue", "reasons")


class Engine(Protocol):
    """What a request scores with (moderation.app.models.Engine): a model version, a tagger, a manifest."""

    @property
    def version(self) -> str | None:
        """The model's version (None without a model)."""

    @property
    def tagger(self) -> Any:
        """The tagger: ``tag(comment, thread, earlier, remember=) -> Verdict`` and its ``workspaces``."""

    @property
    def manifest(self) -> dict[str, Any]:
        """The model's manifest."""


@dataclass
class ScoreItem:
    """One comment to score, in its thread (an inline thread is stored with it when new)."""

    comment: Comment
    thread: Thread | None = None


@dataclass
class Options:
    """What the caller asked of the response and of the store."""

    attributes: frozenset[str] | None = None
    store: bool = True


@dataclass(frozen=True)
class Scored:
    """One scored comment: its verdict, its route, whether it was stored and its queue item (when enqueued)."""

    verdict: Verdict
    route: Route
    stored: bool
    item_id: int | None = None

    def to_json(self, model_version: str | None, attributes: frozenset[str] | None = None) -> dict[str, Any]:
        """The API's answer for one comment, limited to the attributes asked for."""
        v = self.verdict.to_json()
        queue = self.route.to_json()
        if self.item_id is not None:
            queue["item_id"] = self.item_id
        full = {**{k: v[k] for k in ATTRIBUTES if k != "queue"}, "queue": queue}
        out: dict[str, Any] = {"id": self.verdict.id, "thread_id": self.verdict.thread_id,
                               "model_version": model_version, "stored": self.stored}
        out.update({k: full[k] for k in ATTRIBUTES if attributes is None or k in attributes})
        return out


class ThreadContext:
    """Threads and their stored comments for one request (from the engine's workspaces), however many items."""

    def __init__(self, store: Store, engine: Engine) -> None:
        self.store = store
        self.workspaces = engine.tagger.workspaces
        self._comments: dict[str, list[Comment]] = {}

    def thread(self, item: ScoreItem) -> Thread:
        """The item's inline thread, else its stored one (NotFoundError for an unknown thread id)."""
        if item.thread is not None:
            return item.thread
        return self.workspaces.thread(self.store, item.comment.thread_id)

    def comments(self, thread_id: str, *, sync: bool = False) -> tuple[list[Comment], bool]:
        """The thread's stored comments, in the store's order, and whether the store's threads were synced with
        them (``sync``: in the same statement, when the workspaces can; only when they are read)."""
        if thread_id in self._comments:
            return self._comments[thread_id], False
        self._comments[thread_id] = self.workspaces.stored(self.store, thread_id, sync=sync)
        return self._comments[thread_id], sync and self.workspaces.syncs

    def earlier(self, item: ScoreItem, *, sync: bool = False) -> tuple[list[Comment], bool, bool]:
        """The stored comments before this one (all of them for a new comment), whether it is stored, and whether
        the store's threads were synced with them (see :meth:`comments`)."""
        comments, synced = self.comments(item.comment.thread_id, sync=sync)
        for i, c in enumerate(comments):
            if c.id == item.comment.id:
                return comments[:i], True, synced
        return comments, False, synced

    def remember(self, comment: Comment) -> None:
        """A comment just stored counts as earlier for the next ones in this request."""
        self._comments[comment.thread_id] = [*self.comments(comment.thread_id)[0], comment]


Adapt = Callable[[Thread, Verdict], Verdict]  # the per-thread stance adaptation (moderation.app.adaptation)


def score_items(store: Store, engine: Engine, policy: Policy, items: list[ScoreItem], options: Options,
                *, enqueue: bool = False, adapt: Adapt | None = None) -> list[Scored]:
    """Tag, (adapt,) route and (when options.store) store each item; enqueue puts it in its review queue."""
    # Nothing stored: the items' reads share one read transaction (one snapshot, one BEGIN and COMMIT for the
    # batch); the per-item blocks below join it.
    with store.atomic() if not (options.store or enqueue) else contextlib.nullcontext():
        return _score_each(store, engine, policy, items, options, enqueue, adapt)


def _score_each(store: Store, engine: Engine, policy: Policy, items: list[ScoreItem], options: Options,
                enqueue: bool, adapt: Adapt | None) -> list[Scored]:
    context = ThreadContext(store, engine)
    results = []
    # The store's threads are read before the first item, and again after an item stored a thread (with the item's
    # thread's new comments, in one statement, when those are read for it).
    sync = True
    for item in items:
        # One transaction per item (Store.atomic): the duplicate index entry the tagger adds is committed with the
        # comment, or not at all when anything after the lookup fails; its locks make two copies arriving at
        # once find each other.
        with store.atomic():
            thread = context.thread(item)
            earlier, is_stored, synced = context.earlier(item, sync=sync)
            keep = (options.store or enqueue) and not is_stored
            verdict = engine.tagger.tag(item.comment, thread, earlier, remember=keep, sync=sync and not synced)
            sync = False
            if adapt is not None:
                verdict = adapt(thread, verdict)
            chosen = route(verdict, policy)
            stored, item_id = False, None
            if options.store or enqueue:
                queued = ({**chosen.to_json(), "scores": Scores.of(verdict).to_json(),
                           "model_version": engine.version} if enqueue else None)
                saved = store.save_scored(item.comment, thread=item.thread, queue=queued)
                stored = saved["comment_stored"]
                sync = item.thread is not None  # an inline thread may be new to the store: the next item sees it
                if stored:
                    context.remember(item.comment)
                item_id = saved["queue_item_id"]
            results.append(Scored(verdict, chosen, stored, item_id))
    return results
