"""Tags for the pages: the service's tagger (quotes, duplicate, stance suggestion), cached per model version."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from flask import current_app

from moderation.dataset import Comment, Thread
from moderation.labelling import copies
from moderation.labelling.quotes import QuoteIndex
from moderation.pages.store import pages_engine

CACHE_SIZE = 4096
_lock = threading.Lock()


def _cache() -> OrderedDict:
    return current_app.extensions.setdefault("pages_tags", OrderedDict())


def _quotes_only(comment: Comment, thread: Thread, earlier: list[Comment]) -> dict[str, Any]:
    # Without a tagger the pages still draw the quotes: the labelling module's quote finder needs no model.
    # The same index as the tagger's, so a quote of a quote goes back to where the words were first written.
    index = QuoteIndex.for_thread(thread.title, thread.body)
    for c in earlier:
        copies.add(index, c)
    return {"quotes": [q.to_dict() for q in copies.read(index, comment).quotes]}


def thread_tags(thread: Thread, comments: list[Comment], wanted: list[str] | None = None) -> dict[str, dict]:
    """Tags of the thread's comments (all, or the ids wanted), each judged against the comments before it."""
    engine = pages_engine()
    version = getattr(engine, "version", None)
    cache = _cache()
    out: dict[str, dict] = {}
    wanted_set = set(wanted) if wanted is not None else None
    for i, comment in enumerate(comments):
        if wanted_set is not None and comment.id not in wanted_set:
            continue
        key = (version, thread.id, comment.id, len(comment.text))
        with _lock:
            hit = cache.get(key)
        if hit is None:
            earlier = comments[:i]
            tagger = getattr(engine, "tagger", None)
            # remember=False: looking at a comment must not add it to the duplicate index.
            hit = (tagger.tag(comment, thread, earlier, remember=False) if tagger is not None
                   else _quotes_only(comment, thread, earlier))
            with _lock:
                cache[key] = hit
                while len(cache) > CACHE_SIZE:
                    cache.popitem(last=False)
        out[comment.id] = hit
    return out


def suggestion(tags: dict[str, Any]) -> dict[str, Any] | None:
    """The model's stance suggestion {label, probability} when a model gave one."""
    stance = tags.get("stance") or {}
    probs = stance.get("probabilities") or {}
    label = stance.get("label")
    if not label or not probs:
        return None
    return {"label": label, "probability": float(probs.get(label, max(probs.values())))}


def uncertainty(tags: dict[str, Any]) -> float:
    """1 - the top stance probability (1.0 without a model): most uncertain first is highest first."""
    probs = (tags.get("stance") or {}).get("probabilities") or {}
    return 1.0 - max(probs.values()) if probs else 1.0


def duplicate_candidates(tags: dict[str, Any]) -> list[dict[str, Any]]:
    """The comments the labelling module thinks this one copies, best first."""
    found = tags.get("duplicate_candidates") or []
    dup = tags.get("duplicate")
    if dup and dup.get("of") and all(c.get("of") != dup["of"] for c in found):
        found = [dup, *found]
    return [c for c in found if c.get("of")]
