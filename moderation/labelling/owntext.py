"""Own text for a whole thread at once: what the trainer and `moderation evaluate` judge stance on.

The tagger finds the same own text comment by comment (its QuoteIndex grows as comments arrive); this walks a
thread in order with the same QuoteIndex, so a model is trained on exactly what it is later asked to score.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from moderation.dataset import Comment, Thread
from moderation.labelling import copies
from moderation.labelling.quotes import QuoteIndex


def thread_own_texts(thread: Thread, comments: Sequence[Comment]) -> dict[str, str]:
    """Each comment's own text (quotes of the article and earlier comments removed), by comment id."""
    index = QuoteIndex.for_thread(thread.title, thread.body)
    return {c.id: copies.add(index, c).own for c in comments}


T = TypeVar("T")
PARALLEL_FROM = 5000  # comments: below this, one process (starting workers costs more than it saves)
WORKERS = 2  # this machine's cores


def _one(job: tuple[Thread, Sequence[Comment]]) -> dict[str, str]:
    return thread_own_texts(*job)


def map_threads(fn: Callable[[Any], T], jobs: Sequence[Any], size: int) -> list[T]:
    """``[fn(job) for job in jobs]``, in forked worker processes when ``size`` (the comments) is large.

    For work done thread by thread, each thread on its own: the result is the same however the threads are
    shared out. ``fn`` must be a module-level function; what it reads besides its job is inherited by the fork.
    """
    if size < PARALLEL_FROM or WORKERS < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [fn(job) for job in jobs]
    with ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(fn, jobs, chunksize=max(1, len(jobs) // (8 * WORKERS))))


def own_texts(jobs: Sequence[tuple[Thread, Sequence[Comment]]]) -> dict[str, str]:
    """`thread_own_texts` of every (thread, its comments in order), in processes when there are many comments."""
    out: dict[str, str] = {}
    for part in map_threads(_one, jobs, sum(len(c) for _, c in jobs)):
        out.update(part)
    return out
