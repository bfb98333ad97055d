"""The queue policy: small named rules, each routing a verdict or abstaining, tried in the order of RULES.

Thresholds come from the settings, else from the loaded model's manifest (``thresholds.off_topic``, written by
the trainer at ``thresholds.off_topic_precision``), else the defaults below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from moderation.labelling.offtopic import FORMAT as OFF_TOPIC_FORMAT
from moderation.labelling.offtopic import default_model
from moderation.verdict import Route, Verdict

QUEUES = ("duplicate", "off-topic", "needs-review", "auto-approved")
DEFAULT_OFF_TOPIC = 0.5  # when the off-topic model names no threshold of its own
DEFAULT_PRECISION = 0.9
# The reject reason a queue's reviewer most often gives: what its picker starts on.
QUEUE_REASONS = {"duplicate": "duplicate", "off-topic": "off_topic", "needs-review": "other",
                 "auto-approved": "other"}


@dataclass(frozen=True)
class Policy:
    """Thresholds: off-topic probability, duplicate similarity, stance confidence."""

    off_topic: float
    duplicate_similarity: float
    review_confidence: float


def manifest_off_topic_threshold(manifest: Mapping[str, Any]) -> float | None:
    """The trained model's off-topic threshold (``manifest["thresholds"]["off_topic"]``), when it has one and
    its off-topic model is of the current format (an older one is not served: the default's threshold holds)."""
    site = manifest.get("off_topic_relevance")
    if isinstance(site, Mapping) and site.get("format") != OFF_TOPIC_FORMAT:
        return None
    thresholds = manifest.get("thresholds")
    value = thresholds.get("off_topic") if isinstance(thresholds, Mapping) else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def default_off_topic_threshold() -> float:
    """The shipped off-topic model's flagging threshold (its best F1 on its training comment sets, out of fold),
    else DEFAULT_OFF_TOPIC: the queue's threshold while no site-trained model names one."""
    value = default_model().info.get("flag_threshold")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else DEFAULT_OFF_TOPIC


def make_policy(config: Mapping[str, Any], manifest: Mapping[str, Any]) -> Policy:
    """The policy for these settings and this model's manifest."""
    off_topic = config.get("queue_off_topic_threshold")
    if off_topic is None:
        found = manifest_off_topic_threshold(manifest)
        off_topic = default_off_topic_threshold() if found is None else found
    return Policy(float(off_topic), float(config["queue_duplicate_similarity"]),
                  float(config["queue_review_confidence"]))


Rule = Callable[[Verdict, Policy], Route | None]


def duplicate(v: Verdict, p: Policy) -> Route | None:
    """A copy, repost or near copy at or above the duplicate similarity goes to the duplicate queue."""
    d = v.duplicate
    # A copy decided on evidence (what of the source it reproduces) is a duplicate whatever its shingle similarity.
    if d is None or (d.similarity < p.duplicate_similarity and not d.evidence):
        return None
    return Route("duplicate", d.similarity, (f"duplicate of {d.of} ({d.kind}, similarity {d.similarity:.2f})"
                                             + (f": {d.reason}" if d.reason else ""),), "duplicate")


def off_topic(v: Verdict, p: Policy) -> Route | None:
    """An off-topic probability at or above the threshold goes to the off-topic queue."""
    o = v.off_topic
    if o.probability < p.off_topic:
        return None
    return Route("off-topic", o.probability, (f"off-topic probability {o.probability:.2f} >= {p.off_topic:.2f} "
                                              f"({o.source})" + (f": {o.reason}" if o.reason else ""),),
                 "off_topic")


def no_stance_model(v: Verdict, _p: Policy) -> Route | None:
    """Without a stance model a person reads every comment."""
    if v.stance is not None:
        return None
    return Route("needs-review", 0.5, ("no stance model loaded: a person reads it",), "no_stance_model")


def uncertain_stance(v: Verdict, p: Policy) -> Route | None:
    """A stance below the review confidence goes to needs-review, the least confident first."""
    s = v.stance
    if s is None or s.confidence >= p.review_confidence:
        return None
    return Route("needs-review", 1.0 - s.confidence, (f"stance {s.label} at {s.confidence:.2f} < "
                                                      f"{p.review_confidence:.2f} confidence",), "uncertain_stance")


def confident(v: Verdict, _p: Policy) -> Route:
    """What no rule routes is approved: no duplicate, on topic, a confident stance."""
    label = v.stance.label if v.stance else None
    return Route("auto-approved", 0.0, (f"no duplicate, on topic, stance {label} with confidence",), "confident")


RULES: tuple[Rule, ...] = (duplicate, off_topic, no_stance_model, uncertain_stance)  # first match wins
FALLBACK = confident


def fired(verdict: Verdict, policy: Policy) -> list[Route]:
    """The route of every rule that does not abstain, in RULES order."""
    return [r for rule in RULES if (r := rule(verdict, policy)) is not None]


def route(verdict: Verdict, policy: Policy) -> Route:
    """The first rule's route, with the reasons of every rule that fired (else the fallback's)."""
    found = fired(verdict, policy)
    if not found:
        return FALLBACK(verdict, policy)
    first = found[0]
    return Route(first.queue, round(first.priority, 6), tuple(r for f in found for r in f.reasons), first.rule)
