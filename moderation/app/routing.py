"""The queue policy: thresholds from the settings (or the model's report) turn tags into a queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moderation.verdict import Route, Verdict

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


def route(verdict: Verdict, policy: Policy) -> Route:
    """The first matching queue (duplicate, off-topic, needs-review, auto-approved), its priority and why."""
    found: list[tuple[str, float, str]] = []
    dup = verdict.duplicate
    # A copy decided on evidence (what of the source it reproduces) is a duplicate whatever its shingle similarity.
    if dup and (dup.similarity >= policy.duplicate_similarity or dup.evidence):
        found.append(("duplicate", dup.similarity,
                      f"duplicate of {dup.of} ({dup.kind}, similarity {dup.similarity:.2f})"
                      + (f": {dup.reason}" if dup.reason else "")))
    off = verdict.off_topic
    if off.probability >= policy.off_topic:
        found.append(("off-topic", off.probability, f"off-topic probability {off.probability:.2f} >= "
                      f"{policy.off_topic:.2f} ({off.source})" + (f": {off.reason}" if off.reason else "")))
    stance = verdict.stance
    if stance is None:
        found.append(("needs-review", 0.5, "no stance model loaded: a person reads it"))
    elif stance.confidence < policy.review_confidence:
        found.append(("needs-review", 1.0 - stance.confidence,
                      f"stance {stance.label} at {stance.confidence:.2f} < {policy.review_confidence:.2f} "
                      "confidence"))
    if not found:
        return Route("auto-approved", 0.0, (f"no duplicate, on topic, stance {stance.label if stance else None} "
                                            "with confidence",), "auto-approved")
    name, priority, _ = found[0]
    return Route(name, round(priority, 6), tuple(r for _, _, r in found), name)


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
