"""The moderation pages' logic: queue items grouped by near-copies, each with why it is there, and one
decision for a group through the queue package's decide (the API's: same audit log, same 409)."""

from __future__ import annotations

from typing import Any

from moderation.dataset import STANCES, Comment
from moderation.errors import ConflictError, InputError, NotFoundError
from moderation.pages import highlight, tags
from moderation.queue import QUEUE_REASONS, QUEUES, REJECT_REASONS, decide_item
from moderation.store import Store
from moderation.verdict import Label, Scores

PAGE = 100
RELABELS = (("1", "favor"), ("2", "against"), ("3", "none"), ("o", "off_topic"))


def counts(store: Store) -> dict[str, int]:
    """Open items per queue, every known queue listed."""
    return {**dict.fromkeys(QUEUES, 0), **store.queue_counts()}


def check_queue(name: str) -> str:
    """The queue's name (NotFoundError for an unknown one)."""
    if name not in QUEUES:
        raise NotFoundError(f"unknown queue {name!r} (one of {', '.join(QUEUES)})", field="name")
    return name


# The queues whose reason is the stance model's: only there are its reason words marked in the text.
STANCE_QUEUES = ("needs-review", "auto-approved")


def _groups(items: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Items joined when one duplicates another or both duplicate the same comment (highest priority first)."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for item in items:
        dup = Scores.from_json(item["scores"]).duplicate_of
        if dup:
            parent[root(item["comment_id"])] = root(dup)
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        groups.setdefault(root(item["comment_id"]), []).append(item)
    return list(groups.values())


def _comment(store: Store, comment_id: str | None) -> Comment | None:
    if not comment_id:
        return None
    try:
        return store.get_comment(comment_id)
    except NotFoundError:
        return None


def cards(store: Store, name: str, limit: int = PAGE) -> list[dict[str, Any]]:
    """The queue's open items as cards: the stored verdict's quotes, reason words and suggestion, the group."""
    items = store.queue_items(check_queue(name), limit=limit)
    threads: dict[str, Any] = {}
    out = []
    for group in _groups(items):
        lead = group[0]
        tid = lead["thread_id"]
        if tid not in threads:
            threads[tid] = store.get_thread(tid)
        scores = Scores.from_json(lead["scores"])
        verdict = scores.verdict
        if verdict is None:  # queued before the verdict was kept with its item
            verdict = tags.thread_verdicts(threads[tid], store.thread_comments(tid)).get(lead["comment_id"])
        stance = verdict.stance if verdict else None
        words = highlight.reason_words(stance) if lead["queue"] in STANCE_QUEUES else []
        out.append({
            "item": lead, "thread": threads[tid], "members": group[1:], "ids": [i["comment_id"] for i in group],
            "segments": highlight.segments(lead["text"], verdict.quotes if verdict else (), words),
            "duplicate": _comment(store, scores.duplicate_of), "scores": scores,
            "suggestion": tags.suggestion(verdict),
        })
    return out


def default_reason(name: str) -> str:
    """The reject reason a queue's picker starts on: the queue's own reason."""
    return QUEUE_REASONS[check_queue(name)]


def decide_group(store: Store, comment_ids: list[str], form: dict[str, str], actor: str) -> dict[str, Any]:
    """One decision for every comment of a group, each through the queue's decide; conflicts are counted."""
    if not comment_ids:
        raise InputError("no comment to decide", field="comment_ids")
    action = form.get("action", "")
    label = None
    if action == "relabel":
        stance = form.get("stance", "")
        if stance not in (*STANCES, "off_topic"):
            raise InputError(f"stance must be one of {', '.join(STANCES)} or off_topic", field="stance")
        label = Label.from_json({"off_topic": True, "stance": "none"} if stance == "off_topic" else {"stance": stance})
    decided, conflicts = [], []
    for cid in comment_ids:
        try:
            decided.append(decide_item(store, cid, action=action, actor=actor,
                                       reason_code=form.get("reason_code") or None, label=label))
        except ConflictError:
            if len(comment_ids) == 1:
                raise
            conflicts.append(cid)
    return {"decided": [d["comment_id"] for d in decided], "conflicts": conflicts, "action": action}


REASONS = tuple((str(i + 1), r) for i, r in enumerate(REJECT_REASONS))
