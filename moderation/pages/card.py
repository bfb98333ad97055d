"""What the labelling page shows for one comment: its text cut into quotes and own words, the comments it
quotes, the model's suggestion, duplicate candidates, my label, progress and the neighbours."""

from __future__ import annotations

from typing import Any

from moderation.dataset import Comment
from moderation.labelling.quotes import ARTICLE
from moderation.pages import highlight, labelling, tags
from moderation.pages.labelling import ThreadState
from moderation.verdict import Quote

STANCE_KEYS = (("1", "favor"), ("2", "against"), ("3", "none"))


def sources_of(state: ThreadState, comment: Comment, quotes: tuple[Quote, ...]) -> list[Comment]:
    """The earlier comments this one quotes or answers, in thread order."""
    wanted = {q.source for q in quotes} | {comment.parent_id}
    wanted.discard(ARTICLE)
    return [c for c in state.thread_order if c.id in wanted and c.id != comment.id]


def card(state: ThreadState, comment: Comment | None, user: str, overlap: int) -> dict[str, Any]:
    """The template context of the labelling card (comment None: nothing left for me in this thread)."""
    ctx: dict[str, Any] = {"state": state, "thread": state.thread, "order": state.order, "comment": comment,
                           "progress": labelling.progress(state, user, overlap), "overlap": overlap,
                           "stance_keys": STANCE_KEYS}
    if comment is None:
        return ctx
    found = tags.thread_verdicts(state.thread, state.thread_order).get(comment.id)
    quotes = found.quotes if found else tags.quotes_only(state.thread, state.thread_order, comment)
    dup = found.duplicate if found else None
    by_id = {c.id: c for c in state.thread_order}
    prev, nxt = labelling.neighbour(state, comment.id, -1), labelling.neighbour(state, comment.id, +1)
    ctx.update({
        "position": state.index(comment.id) + 1,
        "number": {c.id: i + 1 for i, c in enumerate(state.thread_order)},
        "segments": highlight.segments(comment.text, quotes),
        "sources": sources_of(state, comment, quotes),
        "suggestion": tags.suggestion(found),
        "candidates": [{**dup.to_json(), "comment": by_id.get(dup.of)}] if dup else [],
        "mine": state.mine.get(comment.id),
        "others": len(state.annotators.get(comment.id, set()) - {user}),
        "prev_id": prev.id if prev else None, "next_id": nxt.id if nxt else None,
    })
    return ctx
