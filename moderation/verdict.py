"""The words of DESIGN.md as frozen types: a comment's verdict, a route, a label, the scores the audit log keeps.

Every layer passes these objects; each has one ``to_json()`` that the API, the Coral adapter, the pages,
`moderation tag` and the audit log all use, and ``from_json()`` where the store reads one back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DUPLICATE_KINDS = ("exact", "near", "repost", "copy", "near_copy")
LABEL_KEYS = ("stance", "off_topic", "duplicate_of")
RELEVANCE = "relevance"  # OffTopic.source of the unsupervised rule (moderation.labelling.relevance)


def trained_source(version: str | None) -> str:
    """OffTopic.source when the loaded model's off-topic part spoke."""
    return f"trained model {version}"


@dataclass(frozen=True)
class Quote:
    """A quoted span of a comment: character offsets into its text and where the words come from."""

    start: int
    end: int
    source: str
    text: str

    def to_json(self) -> dict[str, Any]:
        """The span as JSON."""
        return {"start": self.start, "end": self.end, "source": self.source, "text": self.text}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Quote:
        """The span from its JSON."""
        return cls(int(d["start"]), int(d["end"]), str(d["source"]), str(d["text"]))


@dataclass(frozen=True)
class Stance:
    """The stance model's verdict on the own text: label, per-class probabilities and the words behind it."""

    label: str
    probabilities: Mapping[str, float]
    reasons: tuple[str, ...] = ()
    reason: str = ""
    model_version: str | None = None
    # Set by the per-thread adaptation (moderation/app/adaptation.py): how many of the thread's labels moved the
    # global model's probabilities, and those global probabilities.
    adapted_labels: int = 0
    global_probabilities: Mapping[str, float] | None = None

    @property
    def confidence(self) -> float:
        """The top class probability."""
        return max(self.probabilities.values()) if self.probabilities else 0.0

    def to_json(self) -> dict[str, Any]:
        """The stance as JSON (with `adapted` when the thread's labels adapted it)."""
        out = {"label": self.label, "probabilities": dict(self.probabilities), "reasons": list(self.reasons),
               "reason": self.reason, "model_version": self.model_version}
        if self.adapted_labels:
            out["adapted"] = {"labels": self.adapted_labels,
                              "global_probabilities": dict(self.global_probabilities or {})}
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Stance:
        """A stance from its JSON (or from a scorer's answer: unknown keys are ignored)."""
        adapted = d.get("adapted") or {}
        return cls(str(d["label"]), {str(k): float(v) for k, v in dict(d["probabilities"]).items()},
                   tuple(str(w) for w in d.get("reasons") or ()), str(d.get("reason") or ""),
                   d.get("model_version"), int(adapted.get("labels") or 0),
                   {str(k): float(v) for k, v in adapted["global_probabilities"].items()} if adapted else None)


@dataclass(frozen=True)
class OffTopic:
    """Whether the own text is off-topic: probability, a one-line reason and which model spoke (``source``)."""

    probability: float
    reason: str
    source: str = RELEVANCE
    score: float | None = None  # the relevance rule's score, when the rule spoke
    features: Mapping[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The off-topic verdict as JSON."""
        return {"probability": self.probability, "reason": self.reason, "source": self.source,
                "score": self.score, "features": dict(self.features)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> OffTopic:
        """An off-topic verdict from its JSON (or from the relevance rule's answer)."""
        return cls(float(d["probability"]), str(d.get("reason") or ""), str(d.get("source") or RELEVANCE),
                   None if d.get("score") is None else float(d["score"]), dict(d.get("features") or {}))


@dataclass(frozen=True)
class Duplicate:
    """The comment copies an earlier one: ``kind`` (DUPLICATE_KINDS), ``of`` whom, how similar and why."""

    of: str
    kind: str
    similarity: float
    reason: str = ""
    # Set when the copy was decided on what the comment reproduces of the source (moderation.labelling.copies):
    # coverage, own_words, own_share, marked, interleaved.
    evidence: Mapping[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The duplicate verdict as JSON (with `evidence` when the copy was decided on it)."""
        out = {"of": self.of, "kind": self.kind, "similarity": self.similarity, "reason": self.reason}
        if self.evidence:
            out["evidence"] = dict(self.evidence)
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Duplicate:
        """A duplicate verdict from its JSON."""
        return cls(str(d["of"]), str(d["kind"]), float(d["similarity"]), str(d.get("reason") or ""),
                   dict(d["evidence"]) if d.get("evidence") else None)


@dataclass(frozen=True)
class Verdict:
    """What the labelling module says of one comment, judged against what came before it in its thread."""

    id: str
    thread_id: str
    own_text: str
    off_topic: OffTopic
    quotes: tuple[Quote, ...] = ()
    stance: Stance | None = None
    duplicate: Duplicate | None = None
    reasons: tuple[str, ...] = ()
    model_version: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The verdict as JSON (the API's attributes, `moderation tag`'s lines, the audit log's copy)."""
        return {"id": self.id, "thread_id": self.thread_id, "own_text": self.own_text,
                "quotes": [q.to_json() for q in self.quotes],
                "duplicate": self.duplicate.to_json() if self.duplicate else None,
                "off_topic": self.off_topic.to_json(),
                "stance": self.stance.to_json() if self.stance else None,
                "reasons": list(self.reasons), "model_version": self.model_version}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Verdict:
        """A verdict from its JSON."""
        return cls(str(d["id"]), str(d["thread_id"]), str(d["own_text"]), OffTopic.from_json(d["off_topic"]),
                   tuple(Quote.from_json(q) for q in d["quotes"]),
                   Stance.from_json(d["stance"]) if d["stance"] else None,
                   Duplicate.from_json(d["duplicate"]) if d["duplicate"] else None,
                   tuple(d["reasons"]), d["model_version"])


@dataclass(frozen=True)
class Route:
    """Where the queue policy sends a verdict: the queue, its priority, every reason found, the rule that won."""

    queue: str
    priority: float
    reasons: tuple[str, ...]
    rule: str

    def to_json(self) -> dict[str, Any]:
        """The route as the API's `queue` attribute."""
        return {"name": self.queue, "priority": self.priority, "reasons": list(self.reasons), "rule": self.rule}


@dataclass(frozen=True)
class Scores:
    """What a queue item and its decision keep (the audit log's 'scores at that moment'), with the verdict."""

    stance: str | None = None
    stance_probabilities: Mapping[str, float] | None = None
    off_topic: float | None = None
    off_topic_source: str | None = None
    duplicate_of: str | None = None
    duplicate_kind: str | None = None
    duplicate_similarity: float | None = None
    verdict: Verdict | None = None

    @classmethod
    def of(cls, verdict: Verdict) -> Scores:
        """The scores of a verdict."""
        st, dup = verdict.stance, verdict.duplicate
        return cls(st.label if st else None, dict(st.probabilities) if st else None,
                   verdict.off_topic.probability, verdict.off_topic.source,
                   dup.of if dup else None, dup.kind if dup else None, dup.similarity if dup else None, verdict)

    def to_json(self) -> dict[str, Any]:
        """The scores as stored."""
        return {"stance": self.stance, "stance_probabilities": self.stance_probabilities,
                "off_topic": self.off_topic, "off_topic_source": self.off_topic_source,
                "duplicate_of": self.duplicate_of, "duplicate_kind": self.duplicate_kind,
                "duplicate_similarity": self.duplicate_similarity,
                "verdict": self.verdict.to_json() if self.verdict else None}

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | None) -> Scores:
        """Stored scores (rows written before a key existed read it as None)."""
        d = d or {}
        return cls(d.get("stance"), d.get("stance_probabilities"), d.get("off_topic"), d.get("off_topic_source"),
                   d.get("duplicate_of"), d.get("duplicate_kind"), d.get("duplicate_similarity"),
                   Verdict.from_json(d["verdict"]) if d.get("verdict") else None)


@dataclass(frozen=True)
class Label:
    """What a person (or a moderator's decision) says of a comment; only the keys in ``says`` are said."""

    stance: str | None = None
    off_topic: bool | None = None
    duplicate_of: str | None = None
    says: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The keys this label says, with their values."""
        return {k: getattr(self, k) for k in LABEL_KEYS if k in self.says}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Label:
        """A label from the keys of LABEL_KEYS that ``d`` has (others are ignored)."""
        said = tuple(k for k in LABEL_KEYS if k in d)
        return cls(**{k: d[k] for k in said}, says=said)

    def over(self, base: Label) -> Label:
        """This label's keys laid over ``base``'s (a decision says one thing; earlier labels keep the rest)."""
        return Label.from_json({**base.to_json(), **self.to_json()})
