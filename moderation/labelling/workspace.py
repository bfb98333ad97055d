"""Per-thread workspaces in one bounded LRU, owned by the scoring engine (its Tagger).

A workspace holds one thread as the tagger needs it: the stored thread, its stored comments in the store's
order (fed by ``store.thread_comments_after``: one query for the rows added since the last call) and a
ThreadState (quote index, duplicate keys and shingles, relevance topic) grown as comments arrive.

With a thread feed (the tagger's relevance, whose atlas holds the store's threads), the read of a thread's new
comments can also bring the store's new threads to the feed, in the same statement (``stored(..., sync=True)``).

A comment is judged only against what came before it. For the list ``earlier`` the tagger is given, ``state``
yields a ThreadState holding exactly those comments: the shared one, grown to them, when they extend it (the
usual case: a new comment after every stored one); else one built for them alone (a stored comment re-scored
by id, an inline thread whose article differs from the stored one).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from moderation.dataset import Comment, Thread
from moderation.labelling.thread_state import ThreadState
from moderation.labelling.topic import ThreadTopic

MAX_THREADS = 1000
T = TypeVar("T")
TopicFactory = Callable[[Thread], ThreadTopic | None]


class ThreadFeed(Protocol):
    """What takes the store's new threads (moderation.labelling.relevance.Relevance)."""

    @property
    def synced(self) -> int:
        """The store's thread seq it holds threads up to."""

    @property
    def comments_synced(self) -> int:
        """The store's comment seq it holds comments up to."""

    def absorb(self, store: Any, fresh: Sequence[tuple[int, Thread]],
               comments: Sequence[tuple[int, str, str]] = ()) -> None:
        """Take the threads and comments stored after ``synced`` / ``comments_synced`` (the first page of each,
        read by the caller)."""


def _same(a: Thread, b: Thread) -> bool:
    return (a.id, a.title, a.body, a.target) == (b.id, b.title, b.body, b.target)


class Workspace:
    """One thread: the stored thread, its stored comments, the shared ThreadState and the pages' verdicts."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.thread: Thread | None = None
        self.last_seq = 0
        self.comments: list[Comment] = []  # replaced, never mutated: readers keep the list they got
        self.state: ThreadState | None = None
        self.walked: tuple[Any, list[Any]] | None = None


class Workspaces:
    """A bounded LRU of per-thread workspaces; ``topic(thread)`` starts a thread's relevance topic."""

    def __init__(self, topic: TopicFactory | None = None, size: int = MAX_THREADS,
                 feed: Callable[[], ThreadFeed | None] | None = None) -> None:
        self.topic: TopicFactory = topic or (lambda _thread: None)
        self.feed = feed  # the thread feed, when the store's threads are to be synced with the comments
        self.size = size
        self._lock = threading.Lock()
        self._lru: OrderedDict[str, Workspace] = OrderedDict()

    def _get(self, thread_id: str) -> Workspace:
        with self._lock:
            ws = self._lru.get(thread_id)
            if ws is None:
                ws = self._lru[thread_id] = Workspace()
                while len(self._lru) > self.size:
                    self._lru.popitem(last=False)
            else:
                self._lru.move_to_end(thread_id)
            return ws

    def thread(self, store: Any, thread_id: str) -> Thread:
        """The stored thread (NotFoundError when unknown); threads never change once stored."""
        ws = self._get(thread_id)
        if ws.thread is None:
            ws.thread = store.get_thread(thread_id)
        return ws.thread

    def stored(self, store: Any, thread_id: str, *, sync: bool = False) -> list[Comment]:
        """The thread's stored comments in the store's order (one query for the rows added since the last call).

        ``sync``: the same statement brings the store's new threads to the feed (see :meth:`syncs`)."""
        ws = self._get(thread_id)
        feed = self.feed() if sync and self.feed is not None else None
        if feed is not None:
            fresh, threads, others = store.thread_news(thread_id, ws.last_seq, feed.synced, feed.comments_synced)
            feed.absorb(store, threads, others)
        else:
            fresh = store.thread_comments_after(thread_id, ws.last_seq)
        if fresh:
            with ws.lock:
                new = [c for seq, c in fresh if seq > ws.last_seq]
                if new:
                    ws.comments = ws.comments + new
                    ws.last_seq = fresh[-1][0]
        return ws.comments

    @property
    def syncs(self) -> bool:
        """Whether ``stored(..., sync=True)`` syncs the store's threads (then the tagger need not, for that item)."""
        return self.feed is not None

    def fresh(self, thread: Thread, earlier: Sequence[Comment]) -> ThreadState:
        """A new state holding exactly ``earlier``."""
        state = ThreadState(thread, self.topic(thread))
        state.extend(earlier)
        return state

    @contextmanager
    def state(self, thread: Thread, earlier: Sequence[Comment]) -> Iterator[ThreadState]:
        """A ThreadState holding exactly ``earlier``, for the duration of the block (the shared one is locked)."""
        ws = self._get(thread.id)
        with ws.lock:
            if ws.state is None:
                ws.state = ThreadState(thread, self.topic(thread))
            shared = ws.state
            if _same(shared.thread, thread) and shared.begins(earlier):
                shared.extend(earlier)
                yield shared
                return
        yield self.fresh(thread, earlier)

    def walk(self, thread: Thread, comments: Sequence[Comment], judge: Callable[[Comment, ThreadState], T]
             ) -> list[T]:
        """``judge`` of each comment against a state holding the comments before it (kept until the thread, or
        the other threads the feed holds, grow)."""
        ws = self._get(thread.id)
        # The other threads the feed holds are evidence too (off-topic: closer to another article's discussion),
        # so the walk is kept only while they have not grown either.
        feed = self.feed() if self.feed is not None else None
        others = (feed.synced, feed.comments_synced) if feed is not None else None
        key = ((thread.id, thread.title, thread.body, thread.target), tuple(c.id for c in comments), others)
        walked = ws.walked
        if walked is not None and walked[0] == key:
            return walked[1]
        state = ThreadState(thread, self.topic(thread))
        out = []
        for i, c in enumerate(comments):
            out.append(judge(c, state))
            state.extend(comments[:i + 1])
        ws.walked = (key, out)
        return out
