"""The labelling form's logic: comment order, who labelled what, progress, save, skip and undo."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from moderation.dataset import STANCES, Comment, Thread
from moderation.errors import InputError, NotFoundError
from moderation.pages import tags
from moderation.store import Store

ORDERS = ("thread", "uncertain")
# Labels that count as a person's judgement for overlap and agreement (a moderator's decision does not).
HUMAN_SOURCES = ("form", "import")


@dataclass
class ThreadState:
    """One thread as one annotator sees it: comments in the chosen order and who labelled which."""

    thread: Thread
    comments: list[Comment]
    order: str
    mine: dict[str, dict[str, Any]] = field(default_factory=dict)
    annotators: dict[str, set[str]] = field(default_factory=dict)
    gold: set[str] = field(default_factory=set)
    thread_order: list[Comment] = field(default_factory=list)

    def index(self, comment_id: str) -> int:
        """The comment's position in the order (NotFoundError when it is not in this thread)."""
        for i, c in enumerate(self.comments):
            if c.id == comment_id:
                return i
        raise NotFoundError(f"comment {comment_id!r} is not in thread {self.thread.id!r}", field="comment_id")


def load(store: Store, thread_id: str, user: str, order: str = "thread") -> ThreadState:
    """The thread, its comments in `order` and everyone's latest labels."""
    if order not in ORDERS:
        raise InputError(f"order must be one of {', '.join(ORDERS)}", field="order")
    thread = store.get_thread(thread_id)
    comments = store.thread_comments(thread_id)
    state = ThreadState(thread, comments, order, thread_order=list(comments))
    for row in store.thread_labels(thread_id):
        if row["is_gold"]:
            state.gold.add(row["comment_id"])
        elif row["source"] in HUMAN_SOURCES and row["annotator"]:
            state.annotators.setdefault(row["comment_id"], set()).add(row["annotator"])
            if row["annotator"] == user:
                state.mine[row["comment_id"]] = row
    if order == "uncertain":
        found = tags.thread_verdicts(thread, comments)
        state.comments = sorted(comments, key=lambda c: -tags.uncertainty(found.get(c.id)))
    return state


def needs_me(state: ThreadState, user: str, comment_id: str, overlap: int) -> bool:
    """True when this annotator should still label the comment."""
    return (comment_id not in state.mine and comment_id not in state.gold
            and len(state.annotators.get(comment_id, ())) < overlap)


def next_comment(state: ThreadState, user: str, overlap: int, *, after: str | None = None,
                 skipped: frozenset[str] = frozenset()) -> Comment | None:
    """The next comment (after `after`, wrapping round) the annotator should label, or None when done."""
    n = len(state.comments)
    start = state.index(after) + 1 if after else 0
    for k in range(n):
        c = state.comments[(start + k) % n]
        if c.id not in skipped and needs_me(state, user, c.id, overlap):
            return c
    return None


def neighbour(state: ThreadState, comment_id: str, step: int) -> Comment | None:
    """The comment before (-1) or after (+1) this one in the order, None at either end."""
    i = state.index(comment_id) + step
    return state.comments[i] if 0 <= i < len(state.comments) else None


def progress(state: ThreadState, user: str, overlap: int) -> dict[str, int]:
    """How far I and the team are: mine labelled, comments with enough annotators, gold, total."""
    ids = [c.id for c in state.comments]
    return {"total": len(ids), "mine": sum(i in state.mine for i in ids),
            "team": sum(len(state.annotators.get(i, ())) >= overlap or i in state.gold for i in ids),
            "gold": sum(i in state.gold for i in ids)}


def parse_label(form: dict[str, str], state: ThreadState) -> dict[str, Any]:
    """A label from the form: stance (favor/against/none), off_topic (an off-topic comment is stance none)."""
    off_topic = form.get("off_topic", "") in ("1", "true", "on")
    stance = "none" if off_topic and not form.get("stance") else form.get("stance", "")
    if stance not in STANCES:
        raise InputError(f"stance must be one of {', '.join(STANCES)}", field="stance")
    dup = form.get("duplicate_of") or None
    if dup is not None:
        state.index(dup)
        if dup == form.get("comment_id"):
            raise InputError("a comment cannot duplicate itself", field="duplicate_of")
    return {"stance": stance, "off_topic": off_topic, "duplicate_of": dup}


def save(store: Store, state: ThreadState, user: str, form: dict[str, str]) -> str:
    """Record the annotator's label of form['comment_id']; returns that id."""
    comment_id = form.get("comment_id", "")
    state.index(comment_id)
    label = parse_label(form, state)
    store.add_label(comment_id, annotator=user, source="form", **label)
    state.mine[comment_id] = label
    state.annotators.setdefault(comment_id, set()).add(user)
    return comment_id


def undo(store: Store, thread_id: str, user: str) -> str | None:
    """Remove the annotator's last label in the thread; returns its comment id (None: nothing to undo)."""
    last = store.last_form_label(thread_id, user)
    if last is None or not store.delete_form_label(last["seq"], user):
        return None
    return last["comment_id"]
