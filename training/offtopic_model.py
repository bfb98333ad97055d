"""Fitting the off-topic model (moderation.labelling.offtopic.LinearModel): the default's and a site's.

Both are an L2-regularised logistic regression over the standardised relevance features, fitted by Newton's
method from zero to its optimum (deterministic: the same rows give the same bytes, and rows that differ in their
last bits, as another machine's do, give the same published digits). A site's model *refines* the default: it learns
a correction ``d`` to the default's weights, penalised toward zero, so a few labels move it a little and many
labels move it far. C is chosen by cross-validated log loss with folds grouped by thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold

from moderation.dataset import Dataset
from moderation.labelling.offtopic import FEATURES, QUOTE_CAP, LinearModel, default_model, row
from moderation.labelling.relevance import Relevance

C_GRID = (0.01, 0.1, 1.0, 10.0)
SIGNIFICANT = 7  # digits kept of a published number: a fit run to its optimum agrees far beyond them on any
# machine, while its last bits (summation order, SIMD width) do not
QUOTE_CAPS = (QUOTE_CAP, 1.0)  # a site model's quote caps: the product's, or none (its labels say quoting an
# earlier comment is no sign of topic: FNC-1's unrelated bodies quote the earlier unrelated ones they share text with)
PRECISION = 0.9  # the queue threshold is the lowest probability whose out-of-fold precision reaches this


def fit_logistic(Z: np.ndarray, y: np.ndarray, w: np.ndarray, C: float,
                 offset: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Weights and intercept minimising weighted log loss + |coef|^2 / (2C), logits offset by ``offset``.

    Newton's method with a backtracking line search, run until the step is below 1e-13: the loss is strictly
    convex (one minimum) and a second-order method reaches it to the last digits, where a first-order one stops
    wherever the rows' rounding (summation order, SIMD width: it differs between machines) steered its steps.
    """
    off = np.zeros(len(y)) if offset is None else offset
    A = np.hstack([Z, np.ones((len(y), 1))])
    w = w / w.sum() * len(y)
    ridge = np.full(A.shape[1], 1.0 / C)
    ridge[-1] = 0.0  # the intercept is not penalised

    def loss(theta: np.ndarray) -> float:
        z = off + A @ theta
        return float(np.sum(w * (np.logaddexp(0.0, z) - y * z)) + 0.5 * ridge @ (theta * theta))

    theta = np.zeros(A.shape[1])
    value = loss(theta)
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(off + A @ theta)))
        grad = A.T @ (w * (p - y)) + ridge * theta
        hess = (A * (w * p * (1.0 - p))[:, None]).T @ A + np.diag(ridge) + 1e-12 * np.eye(A.shape[1])
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while t > 1e-10:
            new = loss(theta - t * step)
            # Armijo's decrease, or a change the loss's own rounding cannot tell (at the optimum: take it)
            if new <= value - 1e-4 * t * (grad @ step) or new - value <= 1e-13 * abs(value):
                break
            t *= 0.5
        theta, value = theta - t * step, new
        if np.max(np.abs(t * step)) < 1e-13:
            break
    return theta[:-1], float(theta[-1])


def significant(x: float, digits: int = SIGNIFICANT) -> float:
    """``x`` to ``digits`` significant digits: what a published model keeps of a fitted number."""
    return float(f"{x:.{digits}g}")


def _logloss(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> float:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(np.sum(w * -(y * np.log(p) + (1 - y) * np.log(1 - p))) / w.sum())


def choose_c(Z: np.ndarray, y: np.ndarray, w: np.ndarray, groups: np.ndarray, offset: np.ndarray | None = None,
             grid: Sequence[float] = C_GRID, n_splits: int = 5) -> dict[str, Any]:
    """The C of the grid with the lowest out-of-fold weighted log loss, and that C's out-of-fold probabilities."""
    folds = list(GroupKFold(min(n_splits, len(set(groups.tolist())))).split(Z, y, groups))
    off = np.zeros(len(y)) if offset is None else offset
    losses, oofs = {}, {}
    for c in grid:
        oof = np.zeros(len(y))
        for tr, te in folds:
            coef, b = fit_logistic(Z[tr], y[tr], w[tr], c, off[tr])
            oof[te] = 1.0 / (1.0 + np.exp(-(off[te] + Z[te] @ coef + b)))
        losses[c], oofs[c] = _logloss(y, oof, w), oof
    best = min(grid, key=lambda c: (losses[c], c))
    return {"C": best, "log_loss_by_C": {str(c): round(v, 6) for c, v in losses.items()}, "oof": oofs[best],
            "folds": len(folds)}


def threshold_at(y: np.ndarray, p: np.ndarray, precision: float = PRECISION) -> tuple[float | None, float]:
    """The lowest probability at which flagging p >= it has at least ``precision``; else the most precise one."""
    order = np.argsort(-p, kind="stable")
    hits = np.cumsum(y[order])
    prec = hits / np.arange(1, len(y) + 1)
    ok = [i for i in range(len(y)) if prec[i] >= precision and (i + 1 == len(y) or p[order[i + 1]] < p[order[i]])]
    if ok:
        return float(p[order[ok[-1]]]), float(prec[ok[-1]])
    if not len(y):
        return None, 0.0
    i = int(np.argmax(prec))
    return float(p[order[i]]), float(prec[i])


def standardise(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and scales (1 for a constant column)."""
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    return np.vectorize(significant)(mean), np.vectorize(significant)(scale)


def dataset_rows(datasets: Sequence[Dataset], own_texts: Sequence[dict[str, str]] | None = None,
                 max_rows: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Features, off-topic labels, thread groups and ids of every comment with an off-topic label.

    Each comment is judged as the tagger judges it: its own text after the own texts of the thread's comments
    before it, with idf and the other threads from the datasets it came with. ``own_texts`` (one map of comment
    id to own text per dataset, as :func:`training.data.examples_from` keeps them) saves computing them again.
    With ``max_rows``, whole threads in a seeded random order until about that many labelled comments (a model of
    a few dozen weights needs no more; FNC-1's 50k pairs took minutes).
    """
    X, y, groups, ids, _ = labelled_rows(datasets, own_texts, max_rows)
    return X, y, groups, ids


def labelled_rows(datasets: Sequence[Dataset], own_texts: Sequence[dict[str, str]] | None = None,
                  max_rows: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], np.ndarray]:
    """:func:`dataset_rows` and, per row, whether the comment quotes the article or an earlier comment (the
    tagger then scales its probability by the model's quote cap)."""
    from moderation.labelling.owntext import map_threads

    X, y, groups, ids, quoted = [], [], [], [], []
    for k, ds in enumerate(datasets):
        rel = Relevance.fit([f"{t.title}\n{t.target}\n{t.body}" for t in ds.threads] + [c.text for c in ds.comments],
                            threads=ds.threads, discussions=[(c.thread_id, c.text) for c in ds.comments])
        by_thread: dict[str, list] = {t.id: [] for t in ds.threads}
        for c in ds.comments:
            by_thread[c.thread_id].append(c)
        own = own_texts[k] if own_texts is not None else None
        keep = _threads_kept(ds, by_thread, max_rows)
        jobs = [(t, by_thread[t.id], None if own is None else {c.id: own.get(c.id, "") for c in by_thread[t.id]})
                for t in ds.threads if t.id in keep]
        _WORK["relevance"] = rel  # read by the (forked) workers
        try:
            parts = map_threads(_thread_rows, jobs, len(ds.comments))
        finally:
            _WORK.clear()
        for (t, _, _), (rows, labels, cids, quotes) in zip(jobs, parts, strict=True):
            X += rows
            y += labels
            groups += [t.id] * len(rows)
            ids += cids
            quoted += quotes
    return (np.asarray(X).reshape(-1, len(FEATURES)), np.asarray(y), np.asarray(groups), ids,
            np.asarray(quoted, dtype=bool))


_WORK: dict[str, Any] = {}
MAX_ROWS = 10_000  # labelled comments the site model is fitted on, at most (whole threads)


def _threads_kept(ds: Dataset, by_thread: dict[str, list], max_rows: int | None) -> set[str]:
    labelled = {t.id: sum(c.off_topic is not None for c in by_thread[t.id]) for t in ds.threads}
    if max_rows is None or sum(labelled.values()) <= max_rows:
        return set(labelled)
    keep: set[str] = set()
    total = 0
    for k in np.random.default_rng(0).permutation(len(ds.threads)):
        if total >= max_rows:
            break
        tid = ds.threads[int(k)].id
        keep.add(tid)
        total += labelled[tid]
    return keep


def _thread_rows(job: tuple[Any, list, dict[str, str] | None]
                 ) -> tuple[list[list[float]], list[float], list[str], list[bool]]:
    """The labelled rows of one thread, its comments judged in order (``_WORK["relevance"]`` holds the idf), and
    whether each quotes something."""
    from moderation.labelling.owntext import thread_own_texts

    thread, comments, own = job
    rel = _WORK["relevance"]
    own = own if own is not None else thread_own_texts(thread, comments)
    topic = rel.topic(thread)
    X, y, ids, quoted = [], [], [], []
    for c in comments:
        text = own.get(c.id) or c.text.strip()
        if c.off_topic is not None:
            X.append(row(rel.topic_features(topic, text), text))
            y.append(float(c.off_topic))
            ids.append(c.id)
            # The own text is the whole text, stripped, exactly when the reading kept no quote
            # (moderation.labelling.copies.read): the tagger's ``quotes`` are then empty
            quoted.append(text != c.text.strip())
        topic.add(c.id, text)
    return X, y, ids, quoted


def choose_quote_cap(y: np.ndarray, oof: np.ndarray, quoted: np.ndarray, w: np.ndarray | None = None
                     ) -> dict[str, Any]:
    """The quote cap of QUOTE_CAPS whose capped out-of-fold probabilities have the lowest weighted log loss
    (ties: the product's QUOTE_CAP), and those probabilities: what the tagger will serve."""
    w = np.ones(len(y)) if w is None else w
    served = {cap: np.where(quoted, oof * cap, oof) for cap in QUOTE_CAPS}
    losses = {cap: _logloss(y, p, w) for cap, p in served.items()}
    best = min(QUOTE_CAPS, key=lambda cap: (round(losses[cap], 9), cap != QUOTE_CAP))
    return {"quote_cap": best, "log_loss_by_quote_cap": {str(c): round(v, 6) for c, v in losses.items()},
            "oof": served[best]}


def fit_site_model(datasets: Sequence[Dataset], name: str, own_texts: Sequence[dict[str, str]] | None = None
                   ) -> dict[str, Any]:
    """A site's model refining the default on its off-topic labels, its CV figures, its 90%-precision threshold,
    and the labels with their out-of-fold probabilities (``y``, ``oof``)."""
    base = default_model()
    X, y, groups, _, quoted = labelled_rows(datasets, own_texts, MAX_ROWS)
    mean, scale = np.asarray(base.mean), np.asarray(base.scale)
    Z = (X - mean) / scale
    offset = Z @ np.asarray(base.coef) + base.intercept
    w = np.ones(len(y))  # calibrated to the site's own labels
    cv = choose_c(Z, y, w, groups, offset)
    coef, b = fit_logistic(Z, y, w, cv["C"], offset)
    # The tagger scales a quote-reply's probability by the model's cap: choose it on the same out-of-fold
    # probabilities, and judge the model (threshold, figures) by what it will serve.
    cap = choose_quote_cap(y, cv["oof"], quoted, w)
    cv["oof"] = cap["oof"]
    threshold, precision = threshold_at(y, cv["oof"])
    default_auc = roc_auc_score(y, 1 / (1 + np.exp(-offset))) if 0 < y.sum() < len(y) else None
    figures = {"rows": len(y), "off_topic": int(y.sum()), "C": cv["C"], "log_loss_by_C": cv["log_loss_by_C"],
               "grouped_by": "thread", "folds": cv["folds"],
               "roc_auc": float(roc_auc_score(y, cv["oof"])) if 0 < y.sum() < len(y) else None,
               "default_roc_auc": default_auc, "threshold": threshold, "threshold_precision": precision,
               "quoting_rows": int(quoted.sum()), "quote_cap": cap["quote_cap"],
               "log_loss_by_quote_cap": cap["log_loss_by_quote_cap"]}
    model = LinearModel(name, FEATURES, base.mean, base.scale, tuple(float(v) for v in np.asarray(base.coef) + coef),
                        float(base.intercept + b), {"refines": base.name, "cv": figures,
                                                    "quote_cap": cap["quote_cap"]})
    return {"model": model.to_dict(), "cv": figures, "threshold": threshold, "precision": precision, "y": y,
            "oof": cv["oof"]}


def site_off_topic(datasets: Sequence[Dataset], own_texts: Sequence[dict[str, str]] | None, version: str
                   ) -> dict[str, Any]:
    """A site's off-topic model: its manifest entries (the model and the queue threshold), its CV figures and
    its out-of-fold metrics."""
    from training.evaluate import off_topic_metrics

    fitted = fit_site_model(datasets, f"site model {version}", own_texts)
    thresholds = {"off_topic": fitted["threshold"],
                  "off_topic_precision": PRECISION if fitted["precision"] >= PRECISION else fitted["precision"]}
    y, p = [bool(v) for v in fitted["y"]], fitted["oof"]
    return {"manifest": {"off_topic_relevance": fitted["model"], "thresholds": thresholds}, "cv": fitted["cv"],
            "metrics": off_topic_metrics(y, [bool(v >= 0.5) for v in p], p)}
