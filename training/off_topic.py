"""The off-topic part of the trainer: one function, so it can change without touching the stance trainer."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from moderation.model.linear import build_pipeline
from training.cv import C_GRID, cross_validate
from training.data import Examples, cv_groups
from training.evaluate import off_topic_metrics

MIN_OFF_TOPIC = 5  # fewer off-topic (or on-topic) labels than this: no off-topic model, said in the report


def skip_reason(ex: Examples) -> str | None:
    """Why no off-topic model is trained on these examples (None: one is)."""
    counts = Counter(o for o in ex.off_topic if o is not None)
    if counts[True] < MIN_OFF_TOPIC or counts[False] < MIN_OFF_TOPIC:
        return (f"only {counts[True]} off-topic and {counts[False]} on-topic labels (need {MIN_OFF_TOPIC} of "
                f"each)")
    return None


def fit_off_topic(ex: Examples, *, features: dict, seed: int, n_splits: int, phases: Any) -> dict[str, Any]:
    """Cross-validate C (grouped by thread, else near-duplicates; accuracy), fit on every off-topic label.

    Returns the fitted pipeline, the manifest's ``cv`` and ``metrics`` parts, and the out-of-fold P(off-topic).
    """
    rows = [i for i, v in enumerate(ex.off_topic) if v is not None]
    records = [ex.records[i] for i in rows]
    y = np.asarray([ex.off_topic[i] for i in rows])
    groups, grouped_by = cv_groups(ex, rows, "thread", n_splits)
    cv = cross_validate(records, y, groups, features=features, settings=[(c, None) for c in C_GRID], seed=seed,
                        n_splits=n_splits, score=lambda a, b: float(np.mean(a == b)),
                        start=lambda n: phases.start("off-topic: cross-validating", n), tick=phases.tick)
    phases.start("off-topic: fitting", 1)
    model = build_pipeline(features, C=cv["best"][0], class_weight=None, seed=seed).fit(records, y)
    phases.tick()
    p_off = cv["oof"][:, list(cv["classes"]).index(True)]
    metrics = off_topic_metrics([bool(v) for v in cv["y"]], [bool(p >= 0.5) for p in p_off], p_off)
    return {"model": model, "C": cv["best"][0],
            "cv": {"grouped_by": grouped_by, "folds": cv["folds"], "rows": len(cv["rows"]),
                   "accuracy_by_setting": cv["scores"]},
            "metrics": metrics}
