"""Metrics: stance F_avg, macro-F1, per-class P/R/F1, confusion, calibration; off-topic P/R/F1 and ROC AUC."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support, roc_auc_score

from moderation.dataset import STANCES, load_dataset
from moderation.errors import UnprocessableError
from moderation.model.artifact import load_model
from training.data import examples_from


def f_avg(y_true: list[str], y_pred: list[str]) -> float:
    """SemEval's F_avg: the mean of the F1 of favor and of against, pooled over all rows (0..100)."""
    _, _, f1, _ = precision_recall_fscore_support(y_true, y_pred, labels=["favor", "against"], average=None,
                                                  zero_division=0)
    return float(100.0 * f1.mean())


def reliability(y_true: list[str], probs: np.ndarray, classes: list[str], bins: int = 10) -> dict[str, Any]:
    """Multi-class Brier score and a table of confidence bins: mean confidence vs accuracy."""
    onehot = (np.asarray(y_true)[:, None] == np.asarray(classes)[None, :]).astype(float)
    brier = float(((probs - onehot) ** 2).sum(axis=1).mean())
    conf = probs.max(axis=1)
    right = np.asarray(classes)[probs.argmax(axis=1)] == np.asarray(y_true)
    table = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        mask = (conf > lo) & (conf <= hi) if b else (conf >= lo) & (conf <= hi)
        if mask.any():
            table.append({"bin": f"{lo:.1f}-{hi:.1f}", "count": int(mask.sum()),
                          "confidence": round(float(conf[mask].mean()), 4),
                          "accuracy": round(float(right[mask].mean()), 4)})
    return {"brier": round(brier, 6), "reliability": table}


def stance_metrics(y_true: list[str], y_pred: list[str], probs: np.ndarray | None = None,
                   classes: list[str] | None = None) -> dict[str, Any]:
    """Every stance figure `moderation evaluate` prints."""
    labels = [c for c in STANCES if c in set(y_true) | set(y_pred)]
    p, r, f, n = precision_recall_fscore_support(y_true, y_pred, labels=labels, average=None, zero_division=0)
    out: dict[str, Any] = {
        "n": len(y_true),
        "f_avg": round(f_avg(y_true, y_pred), 4),
        "macro_f1": round(float(100.0 * f.mean()), 4),
        "accuracy": round(float(100.0 * np.mean(np.asarray(y_true) == np.asarray(y_pred))), 4),
        "per_class": {c: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                          "f1": round(float(f[i]), 4), "support": int(n[i])} for i, c in enumerate(labels)},
        "confusion": {"labels": labels, "matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist()},
    }
    if probs is not None and classes is not None:
        out["calibration"] = reliability(y_true, probs, classes)
    return out


def off_topic_metrics(y_true: list[bool], y_pred: list[bool], proba: np.ndarray | None) -> dict[str, Any]:
    """Precision, recall and F1 of the off-topic class; ROC AUC when both kinds are present."""
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, labels=[True], average=None, zero_division=0)
    out: dict[str, Any] = {"n": len(y_true), "positives": int(sum(y_true)), "precision": round(float(p[0]), 4),
                           "recall": round(float(r[0]), 4), "f1": round(float(f[0]), 4), "roc_auc": None}
    if proba is not None and 0 < sum(y_true) < len(y_true):
        out["roc_auc"] = round(float(roc_auc_score(y_true, proba)), 4)
    return out


def evaluate(model_dir: str | Path, data_dir: str | Path) -> dict[str, Any]:
    """Score a dataset's labelled comments with a model folder and compute the metrics."""
    scorer = load_model(model_dir)
    ex = examples_from([load_dataset(data_dir)])
    rows = [i for i, s in enumerate(ex.stance) if s is not None]
    if not rows and not any(o is not None for o in ex.off_topic):
        raise UnprocessableError(f"{data_dir}: no labelled comments to evaluate on")
    result: dict[str, Any] = {"model_version": scorer.version, "data": str(data_dir)}
    if rows:
        records = [ex.records[i] for i in rows]
        probs = scorer.predict_proba(records)
        pred = [scorer.classes[k] for k in probs.argmax(axis=1)]
        result["stance"] = stance_metrics([ex.stance[i] for i in rows], pred, probs, scorer.classes)
    if any(o is not None for o in ex.off_topic):
        result["off_topic"] = _off_topic(scorer, ex)
    return result


def _off_topic(scorer: Any, ex: Any) -> dict[str, Any]:
    """The off-topic metrics of the model the tagger serves with this scorer (the site's, else the default),
    each comment judged against its thread as the tagger judges it."""
    from moderation.labelling.offtopic import default_model, site_model
    from training.offtopic_model import labelled_rows

    model = site_model(scorer) or default_model()
    X, y, _, _, quoted = labelled_rows(ex.datasets, ex.own_texts)
    proba = np.asarray([model.probability(x) for x in X])
    proba = np.where(quoted, proba * model.quote_cap, proba)  # a quote-reply, as the tagger scales it
    return {**off_topic_metrics([bool(v) for v in y], [bool(p >= 0.5) for p in proba], proba),
            "model": model.name}
