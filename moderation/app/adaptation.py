"""The per-thread adaptation in the service: each thread's adapter, fitted from the labels in the store.

Every worker computes the same adapter from the same labels (moderation.model.adapt is deterministic), and
refits it as soon as the thread's label key (count, newest row id) changes, so a label saved by any worker
changes every worker's suggestions on the next request that reads the key.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from moderation.dataset import Thread
from moderation.labelling.owntext import thread_own_texts
from moderation.model.adapt import BALANCED, PRIOR_STRENGTH, SEMANTIC_STRENGTH, WORD_STRENGTH, ThreadAdapter
from moderation.store import Store
from moderation.store.stance_labels import stance_label_key, thread_stances
from moderation.verdict import Stance, Verdict

MAX_THREADS = 1000  # adapters kept per process (a cleared one is refitted from the store on its next use)


@dataclass
class _Entry:
    key: tuple[int, int]
    adapter: ThreadAdapter | None
    checked: float
    seen: dict[str, tuple[str, np.ndarray]] = field(default_factory=dict)  # comment id -> own text, global probs


class ThreadAdaptations:
    """One store's and one global model's adapters, per thread, refitted when the thread's labels change."""

    def __init__(self, store: Store, model: Any, *, prior_strength: float = PRIOR_STRENGTH,
                 word_strength: float = WORD_STRENGTH, balanced: bool = BALANCED,
                 semantic_strength: float | None = SEMANTIC_STRENGTH) -> None:
        self.store = store
        self.model = model
        self.strengths = (prior_strength, word_strength, balanced, semantic_strength)
        self.classes = [str(c) for c in model.classes]
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def for_thread(self, thread: Thread, *, max_age: float = 0.0) -> ThreadAdapter | None:
        """The thread's adapter (None while it has no stance labels); the key is re-read after max_age s."""
        entry = self._entries.get(thread.id)
        now = time.monotonic()
        if entry is not None and now - entry.checked < max_age:
            return entry.adapter
        key = stance_label_key(self.store, thread.id)
        if entry is not None and entry.key == key:
            entry.checked = now
            return entry.adapter
        with self._lock:  # one fit at a time per process: fits take milliseconds
            entry = self._entries.get(thread.id)
            if entry is None or entry.key != key:
                if len(self._entries) >= MAX_THREADS:
                    self._entries.clear()
                seen = entry.seen if entry is not None else {}
                entry = _Entry(key, self._fit(thread, seen) if key[0] else None, now, seen)
                self._entries[thread.id] = entry
            entry.checked = now
            return entry.adapter

    def _fit(self, thread: Thread, seen: dict[str, tuple[str, np.ndarray]]) -> ThreadAdapter:
        stances = thread_stances(self.store, thread.id)
        comments = self.store.thread_comments(thread.id)
        labelled = [c for c in comments if c.id in stances]  # thread order: the same rows in the same order
        missing = [c for c in labelled if c.id not in seen]
        if missing:
            own = thread_own_texts(thread, comments)
            for c in missing:
                rec = {"text": own[c.id], "target": thread.target, "title": thread.title, "body": thread.body}
                seen[c.id] = (rec["text"], self._global(rec))
        probs = np.array([seen[c.id][1] for c in labelled]).reshape(len(labelled), len(self.classes))
        return ThreadAdapter(self.classes, *self.strengths).fit(probs, [seen[c.id][0] for c in labelled],
                                               [stances[c.id] for c in labelled])


    def _global(self, record: dict[str, str]) -> np.ndarray:
        # One record at a time, as the tagger scores it: a batch's matrix products may round the last bit
        # differently with its size, and every worker must fit on the same numbers.
        if hasattr(self.model, "proba_one"):
            probs = self.model.proba_one(record)
            return np.array([probs[c] for c in self.classes], dtype=np.float64)
        return np.asarray(self.model.predict_proba([record])[0], dtype=np.float64)


def adapted_stance(adapter: ThreadAdapter, own_text: str, stance: Stance) -> Stance:
    """The global stance with the thread's adapted probabilities (the global ones kept beside them)."""
    probs = dict(stance.probabilities)
    if adapter.n_labels_ == 0 or set(probs) != set(adapter.classes):
        return stance
    p = adapter.adjust([float(probs[c]) for c in adapter.classes], own_text)
    best = int(np.argmax(p))
    label = adapter.classes[best]
    words = stance.reasons if label == stance.label else ()
    n = adapter.n_labels_
    reason = (f"{label} at {p[best]:.2f}, adapted to this thread's {n} label{'s' if n != 1 else ''}"
              + (f": {', '.join(repr(w) for w in words)}" if words else ""))
    return replace(stance, label=label, probabilities=dict(zip(adapter.classes, p.tolist(), strict=True)),
                   reasons=words, reason=reason, adapted_labels=n, global_probabilities=probs)


_registry: weakref.WeakKeyDictionary[Any, ThreadAdaptations] = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


def adaptations_for(tagger: Any) -> ThreadAdaptations | None:
    """The adaptations of a tagger's store and model (one per tagger, so a new model starts afresh)."""
    model = getattr(tagger, "model", None)
    if model is None or not hasattr(model, "predict_proba") or not hasattr(model, "classes"):
        return None
    with _registry_lock:
        found = _registry.get(tagger)
        if found is None:
            found = _registry[tagger] = ThreadAdaptations(tagger.store, model)
        return found


def thread_adapter(tagger: Any, thread: Thread, *, max_age: float = 0.0) -> ThreadAdapter | None:
    """The thread's adapter for this tagger's model (None: no model, or no stance labels in the thread yet)."""
    adaptations = adaptations_for(tagger)
    return adaptations.for_thread(thread, max_age=max_age) if adaptations is not None else None


def adapt_verdict(adapter: ThreadAdapter | None, verdict: Verdict) -> Verdict:
    """The verdict with its stance adapted (the same verdict when there is nothing to adapt)."""
    if adapter is None or verdict.stance is None:
        return verdict
    stance = adapted_stance(adapter, verdict.own_text, verdict.stance)
    if stance is verdict.stance:
        return verdict
    reasons = tuple(stance.reason if r == verdict.stance.reason else r for r in verdict.reasons)
    return replace(verdict, stance=stance, reasons=reasons)
