"""Verdicts for the pages: the engine's tagger on a thread's comments, each against the comments before it."""

from __future__ import annotations

from typing import Any

from moderation.app.adaptation import adapt_verdict, thread_adapter
from moderation.dataset import Comment, Thread
from moderation.labelling import copies
from moderation.labelling.quotes import QuoteIndex
from moderation.pages.store import pages_engine
from moderation.verdict import Quote, Verdict


def thread_verdicts(thread: Thread, comments: list[Comment]) -> dict[str, Verdict]:
    """Each comment's verdict (read only, kept by the engine's workspaces); empty without a tagger."""
    engine = pages_engine()
    if engine is None:
        return {}
    adapter = thread_adapter(engine.tagger, thread)  # the thread's own labels, on top of the global model
    return {v.id: adapt_verdict(adapter, v) for v in engine.tagger.thread_verdicts(thread, comments)}


def quotes_only(thread: Thread, comments: list[Comment], comment: Comment) -> tuple[Quote, ...]:
    """Without a tagger the pages still draw the quotes: the quote finder needs no model."""
    index = QuoteIndex.for_thread(thread.title, thread.body)
    for c in comments:
        if c.id == comment.id:
            break
        copies.add(index, c)
    return tuple(copies.read(index, comment).quotes)


def suggestion(verdict: Verdict | None) -> dict[str, Any] | None:
    """The model's stance suggestion {label, probability} when a model gave one."""
    stance = verdict.stance if verdict else None
    if stance is None or not stance.probabilities:
        return None
    return {"label": stance.label, "probability": float(stance.probabilities.get(stance.label, stance.confidence))}


def uncertainty(verdict: Verdict | None) -> float:
    """1 - the top stance probability (1.0 without a model): most uncertain first is highest first."""
    stance = verdict.stance if verdict else None
    return 1.0 - stance.confidence if stance and stance.probabilities else 1.0
