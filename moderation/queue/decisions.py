"""A moderator's decision: close the comment's queue item, keep it in the audit log, teach the next training run."""

from __future__ import annotations

from typing import Any

from moderation.errors import InputError
from moderation.verdict import Label, Scores

ACTIONS = ("approve", "reject", "relabel")
REJECT_REASONS = ("off_topic", "duplicate", "spam", "abuse", "personal_attack", "misinformation", "other")


def decision_label(action: str, reason_code: str | None, label: Label | None, scores: Scores) -> Label | None:
    """What a decision teaches the next training run (None: the audit log keeps it, no label)."""
    if action == "relabel":
        return label
    said = label or Label()
    if action == "approve":
        return said.over(Label(off_topic=False, duplicate_of=None, says=("off_topic", "duplicate_of")))
    if reason_code == "off_topic":
        return said.over(Label(off_topic=True, says=("off_topic",)))
    if reason_code == "duplicate" and scores.duplicate_of:
        return said.over(Label(duplicate_of=scores.duplicate_of, says=("duplicate_of",)))
    return label


def decide(store: Any, comment_id: str, *, action: str, actor: str, reason_code: str | None = None,
           label: Label | None = None) -> dict[str, Any]:
    """Close the comment's open item (ConflictError when already closed), log the decision, record its label."""
    if action not in ACTIONS:
        raise InputError(f"action must be one of {', '.join(ACTIONS)}", field="action")
    if action == "reject" and reason_code not in REJECT_REASONS:
        raise InputError(f"reject needs reason_code, one of {', '.join(REJECT_REASONS)}", field="reason_code")
    item = store.queue_item_of(comment_id)
    taught = decision_label(action, reason_code, label, Scores.from_json(item["scores"]))
    return store.close_item(item["id"], comment_id, action=action, actor=actor, reason_code=reason_code,
                            label=taught.to_json() if taught else None)
