"""A starting worker primes the most recently active threads, so their first requests are not its slowest.

A worker builds a thread's workspace (its comments, quote index, shingles, topic) and fits the thread's stance
adaptation on its labels the first time a request names the thread: on the seed thread that is ~1.3 s of work in a
fresh worker, paid by whoever comes first. Scoring one comment of each of the busiest threads through the service's
own path, with nothing stored, does that work before the worker takes requests. It changes no verdict: a comment
scored with ``store: false`` leaves the thread's comments, labels and duplicate index as they were.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from moderation.app.service import adapter
from moderation.app.validation import parse_item
from moderation.queue import Options, make_policy, score_items

PRIME_SECONDS = 5.0  # a worker starts taking requests after this long at most, whatever the store holds

log = logging.getLogger("moderation.app")


def prime_threads(store: Any, engine: Any, config: dict[str, Any], *, limit: int,
                  budget: float = PRIME_SECONDS) -> int:
    """Score (store: false) each of the ``limit`` most recently active threads' newest comment, until ``budget``
    seconds have passed; the number of threads primed."""
    if limit <= 0:
        return 0
    started = time.monotonic()
    policy = make_policy(config, engine.manifest)
    adapt = adapter(engine)
    primed = 0
    for thread in store.recent_threads(limit):
        if time.monotonic() - started > budget:
            break
        comments = store.thread_comments(thread.id)
        if not comments:
            continue
        item = parse_item({"thread_id": thread.id, "text": comments[-1].text, "store": False},
                          int(config["max_comment_chars"]))
        score_items(store, engine, policy, [item], Options(store=False), adapt=adapt)
        primed += 1
    log.info("primed %d thread(s) in %.2f s", primed, time.monotonic() - started)
    return primed
