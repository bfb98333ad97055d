"""The queue policy: thresholds from the settings (or the model's report) turn tags into a queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

QUEUES = ("duplicate", "off-topic", "needs-review", "auto-approved")
DEFAULT_OFF_TOPIC = 0.5


@dataclass(frozen=True)
class Policy:
    """Thresholds: off-topic probability, duplicate similarity, stance confidence."""

    off_topic: float
    duplicate_similarity: float
    review_confidence: float


def manifest_off_topic_threshold(manifest: dict[str, Any]) -> float | None:
    """The trained model's off-topic threshold at 90% precision, when its report has one."""
    for holder in (manifest.get("thresholds") or {}, manifest):
        value = holder.get("off_topic_p90") or holder.get("off_topic")
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def make_policy(config: dict[str, Any], manifest: dict[str, Any]) -> Policy:
    """The policy for these settings and this model."""
    off_topic = config.get("queue_off_topic_threshold")
    if off_topic is None:
        off_topic = manifest_off_topic_threshold(manifest) or DEFAULT_OFF_TOPIC
    return Policy(float(off_topic), float(config["queue_duplicate_similarity"]),
                  float(config["queue_review_confidence"]))


def scores_of(tags: dict[str, Any]) -> dict[str, Any]:
    """The numbers kept with a queue item and its decision (the audit log's 'scores at that moment')."""
    stance = tags.get("stance") or {}
    dup = tags.get("duplicate") or {}
    return {"stance": stance.get("label"), "stance_probabilities": stance.get("probabilities"),
            "off_topic": (tags.get("off_topic") or {}).get("probability"),
            "duplicate_of": dup.get("of"), "duplicate_kind": dup.get("kind"),
            "duplicate_similarity": dup.get("similarity")}


def route(tags: dict[str, Any], policy: Policy) -> dict[str, Any]:
    """The first matching queue (duplicate, off-topic, needs-review, auto-approved), its priority and why."""
    found: list[tuple[str, float, str]] = []
    dup = tags.get("duplicate")
    # A copy decided on evidence (what of the source it reproduces) is a duplicate whatever its shingle similarity.
    if dup and (dup.get("similarity", 1.0) >= policy.duplicate_similarity or dup.get("evidence")):
        found.append(("duplicate", float(dup.get("similarity", 1.0)),
                      f"duplicate of {dup.get('of')} ({dup.get('kind')}, similarity {dup.get('similarity', 1.0):.2f})"
                      + (f": {dup['reason']}" if dup.get("reason") else "")))
    p_off = (tags.get("off_topic") or {}).get("probability")
    if p_off is not None and p_off >= policy.off_topic:
        reason = (tags.get("off_topic") or {}).get("reason")
        found.append(("off-topic", float(p_off), f"off-topic probability {p_off:.2f} >= {policy.off_topic:.2f}"
                      + (f": {reason}" if reason else "")))
    stance = tags.get("stance")
    if not stance:
        found.append(("needs-review", 0.5, "no stance model loaded: a person reads it"))
    else:
        probs = stance.get("probabilities") or {}
        confidence = max(probs.values()) if probs else 0.0
        if confidence < policy.review_confidence:
            found.append(("needs-review", 1.0 - confidence,
                          f"stance {stance.get('label')} at {confidence:.2f} < {policy.review_confidence:.2f} "
                          "confidence"))
    if not found:
        return {"name": "auto-approved", "priority": 0.0,
                "reasons": ["no duplicate, on topic, stance "
                            f"{stance.get('label') if stance else None} with confidence"]}
    name, priority, _ = found[0]
    return {"name": name, "priority": round(priority, 6), "reasons": [r for _, _, r in found]}


def decision_label(action: str, reason_code: str | None, label: dict[str, Any] | None,
                   scores: dict[str, Any]) -> dict[str, Any] | None:
    """What a decision teaches the next training run (None: the audit log keeps it, no label)."""
    if action == "relabel":
        return label
    if action == "approve":
        return {"off_topic": False, "duplicate_of": None, **(label or {})}
    if reason_code == "off_topic":
        return {"off_topic": True, **(label or {})}
    if reason_code == "duplicate" and scores.get("duplicate_of"):
        return {"duplicate_of": scores["duplicate_of"], **(label or {})}
    return label
