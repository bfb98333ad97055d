"""The loaded model: stance (and off-topic) probabilities for one record fast, or for many in a batch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from moderation.errors import InputError
from moderation.model.fast import FastPath
from moderation.model.features import readable

RECORD_FIELDS = ("text", "target", "title", "body")


def check_record(record: Any) -> dict[str, str]:
    """A record with its four string fields (missing ones empty); InputError when malformed."""
    if not isinstance(record, Mapping):
        raise InputError("a record must be an object with text, target, title, body")
    out = {}
    for key in RECORD_FIELDS:
        value = record.get(key) or ""
        if not isinstance(value, str):
            raise InputError(f"record field {key} must be a string", field=key)
        out[key] = value
    return out


class Scorer:
    """A stance pipeline, an optional off-topic pipeline and the manifest they were saved with."""

    def __init__(self, stance: Any, off_topic: Any = None, manifest: dict[str, Any] | None = None) -> None:
        self.stance = stance
        self.off_topic = off_topic
        self.manifest = dict(manifest or {})
        self.version = self.manifest.get("version")
        self.classes = [str(c) for c in stance.named_steps["clf"].classes_]
        self._fast = FastPath(stance)
        self._fast_off = FastPath(off_topic) if off_topic is not None else None

    @classmethod
    def load(cls, path: str | Path) -> Scorer:
        """A model folder, checked (hash, scikit-learn version, labels) before anything is unpickled."""
        from moderation.model.artifact import load_model

        return load_model(path)

    def proba_one(self, record: Mapping[str, Any]) -> dict[str, float]:
        """Stance probabilities of one record by the fast path."""
        probs, *_ = self._fast.proba(check_record(record))
        return dict(zip(self.classes, probs.tolist(), strict=True))

    def score(self, record: Mapping[str, Any], *, reasons: int = 5) -> dict[str, Any]:
        """Label, probabilities, the words behind the label and (when trained) the off-topic probability."""
        rec = check_record(record)
        memo: dict[str, Any] = {}  # the text's analysis, shared by the stance and off-topic paths
        probs, cols, vals, weights = self._fast.proba(rec, memo)
        best = int(np.argmax(probs))
        label = self.classes[best]
        words = readable(rec["text"], self._fast.reasons(cols, vals, weights, best, 4 * reasons), reasons)
        out: dict[str, Any] = {
            "label": label,
            "probabilities": dict(zip(self.classes, probs.tolist(), strict=True)),
            "reasons": words,
            "reason": f"{label} at {probs[best]:.2f}" + (f": {', '.join(repr(w) for w in words)}" if words
                                                        else ""),
            "model_version": self.version,
        }
        if self._fast_off is not None:
            off, *_ = self._fast_off.proba(rec, memo)
            out["off_topic"] = float(off[list(self._fast_off.classes).index("True")])
        return out

    __call__ = score

    def predict_proba(self, records: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Stance probabilities of many records through the scikit-learn pipeline (columns: ``classes``)."""
        return self.stance.predict_proba([check_record(r) for r in records])

    def predict(self, records: Sequence[Mapping[str, Any]]) -> list[str]:
        """Stance labels of many records."""
        probs = self.predict_proba(records)
        return [self.classes[i] for i in probs.argmax(axis=1)]

    def off_topic_proba(self, records: Sequence[Mapping[str, Any]]) -> np.ndarray | None:
        """Off-topic probability of many records (None without an off-topic model)."""
        if self.off_topic is None:
            return None
        classes = [str(c) for c in self.off_topic.named_steps["clf"].classes_]
        return self.off_topic.predict_proba([check_record(r) for r in records])[:, classes.index("True")]


def load_scorer(path: str | Path) -> Scorer:
    """The scorer in a model folder (see ``artifact.load_model``)."""
    from moderation.model.artifact import load_model

    return load_model(path)
