"""The trainer: pick C by grouped cross-validation, fit stance and off-topic models, write the model folder."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedGroupKFold

from moderation.dataset import Dataset, load_dataset
from moderation.errors import UnprocessableError
from moderation.model.artifact import save_model
from moderation.model.linear import build_pipeline
from training.data import Examples, check_labels, cv_groups, data_hash, examples_from, record_key
from training.evaluate import f_avg, off_topic_metrics, stance_metrics
from training.offtopic_model import site_off_topic
from training.report import write_report

C_GRID = (0.1, 0.3, 1.0)
SEMANTIC_GRID = (0.0, 0.5, 1.0)  # weights of the static sentence vectors (0: n-grams only), chosen with C
MIN_OFF_TOPIC = 5  # fewer off-topic examples than this: no off-topic model (said in the report)
TRAINED_IDS = "trained_ids.json"  # in the model folder: the comments the stance model was trained on
Progress = Callable[[int, int], None]


def _folds(y: np.ndarray, groups: np.ndarray, n_splits: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    smallest = int(np.unique(y, return_counts=True)[1].min())
    k = max(2, min(n_splits, smallest, len(np.unique(groups))))
    return list(StratifiedGroupKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y, groups))


def cross_validate(records: list[dict], y: np.ndarray, groups: np.ndarray, *, features: dict, grid: Sequence[float],
                   seed: int, n_splits: int = 5, score: Callable[[Any, Any], float],
                   tick: Callable[[], None] = lambda: None) -> dict[str, Any]:
    """Out-of-fold probabilities for every C (features fitted once per fold); the best C by `score`."""
    base = build_pipeline(features, C=grid[0], seed=seed)
    folds = _folds(y, groups, n_splits, seed)
    classes = np.unique(y)
    oof = {c: np.zeros((len(y), len(classes))) for c in grid}
    for train, test in folds:
        feats = clone(base.named_steps["features"]).fit([records[i] for i in train])
        Xa, Xb = feats.transform([records[i] for i in train]), feats.transform([records[i] for i in test])
        for c in grid:
            clf = clone(base.named_steps["clf"]).set_params(C=c)
            clf.fit(Xa, y[train], groups=groups[train])
            cols = np.searchsorted(classes, clf.classes_)  # a fold may lack a class: its column stays 0
            oof[c][np.ix_(test, cols)] = clf.predict_proba(Xb)
            tick()
    scores = {c: score(y, classes[oof[c].argmax(axis=1)]) for c in grid}
    best = max(grid, key=lambda c: (scores[c], -c))  # ties: the stronger regularisation
    return {"best_C": best, "scores": {str(c): round(s, 4) for c, s in scores.items()}, "folds": len(folds),
            "oof": oof[best], "classes": classes}


def _rows(labels: list[Any]) -> list[int]:
    return [i for i, v in enumerate(labels) if v is not None]


def fit_task(ex: Examples, labels: list[Any], *, features: dict, grid: Sequence[float], seed: int, group_by: str,
             n_splits: int, score: Callable[[Any, Any], float], tick: Callable[[], None]) -> dict[str, Any]:
    """Cross-validate C and the semantic weight (unless ``features`` fixes it), then fit on all the task's rows."""
    rows = _rows(labels)
    records = [ex.records[i] for i in rows]
    y = np.asarray([labels[i] for i in rows])
    groups, grouped_by = cv_groups(ex, rows, group_by, n_splits)
    weights = semantic_weights(features)
    runs = {w: cross_validate(records, y, groups, features={**features, "semantic": w}, grid=grid, seed=seed,
                              n_splits=n_splits, score=score, tick=tick) for w in weights}
    weight = max(weights, key=lambda w: (max(runs[w]["scores"].values()), -w))  # ties: fewer features
    cv = {**runs[weight], "semantic": weight, "scores_by_semantic": {str(w): runs[w]["scores"] for w in weights}}
    model = build_pipeline({**features, "semantic": weight}, C=cv["best_C"], seed=seed)
    model.fit(records, y, clf__groups=groups)
    return {"model": model, "cv": cv, "rows": rows, "y": y, "grouped_by": grouped_by}


def semantic_weights(features: dict) -> list[float]:
    """The sentence-vector weights to cross-validate: the one ``features`` fixes, else SEMANTIC_GRID."""
    return [features["semantic"]] if "semantic" in features else list(SEMANTIC_GRID)


def trained_ids_payload(ids: list[str], records: list[dict[str, str]]) -> bytes:
    """The bytes of ``trained_ids.json``: the stance rows' comment ids and their record keys, in training order."""
    body = {"ids": ids, "record_keys": [record_key(r) for r in records]}
    return (json.dumps(body, ensure_ascii=False) + "\n").encode()


def _write_trained_ids(folder: Path, payload: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / (TRAINED_IDS + ".tmp")
    tmp.write_bytes(payload)
    os.replace(tmp, folder / TRAINED_IDS)


def load_examples(data: Sequence[str | Path], store: Any = None) -> tuple[Examples, list[str]]:
    """Labelled examples from dataset folders and/or a store's export."""
    datasets: list[Dataset] = [load_dataset(d) for d in data]
    sources = [str(d) for d in data]
    if store is not None:
        datasets.append(store.export_dataset())
        sources.append("store")
    if not datasets:
        raise UnprocessableError("nothing to train on: give --data DIR or train from the store")
    return examples_from(datasets), sources


def train(data: Sequence[str | Path], out: str | Path, *, seed: int = 0, store: Any = None,
          features: dict | None = None, grid: Sequence[float] = C_GRID, group_by: str = "thread",
          n_splits: int = 5, progress: Progress | None = None) -> dict[str, Any]:
    """Train stance (+ off-topic) models from datasets/store, write the model folder and its report."""
    ex, sources = load_examples(data, store)
    stance = [s for s in ex.stance if s is not None]
    check_labels(stance, "stance")
    off = [o for o in ex.off_topic if o is not None]
    with_off = len(set(off)) == 2 and min(Counter(off).values()) >= MIN_OFF_TOPIC
    features = dict(features or {})
    total = len(grid) * n_splits * len(semantic_weights(features)) * (2 if with_off else 1)
    done = [0]

    def tick() -> None:
        done[0] += 1
        if progress:
            progress(min(done[0], total), total)

    st = fit_task(ex, ex.stance, features=features, grid=grid, seed=seed, group_by=group_by, n_splits=n_splits,
                  score=f_avg, tick=tick)
    classes = [str(c) for c in st["cv"]["classes"]]
    y_st = [str(v) for v in st["y"]]
    metrics: dict[str, Any] = {"stance": stance_metrics(y_st, [classes[k] for k in st["cv"]["oof"].argmax(axis=1)],
                                                        st["cv"]["oof"], classes)}
    ot = None
    if with_off:
        ot = fit_task(ex, ex.off_topic, features=features, grid=grid, seed=seed, group_by=group_by,
                      n_splits=n_splits, score=lambda a, b: float(np.mean(a == b)), tick=tick)
        p_off = ot["cv"]["oof"][:, 1]
        metrics["off_topic"] = off_topic_metrics([bool(v) for v in ot["y"]], [bool(p >= 0.5) for p in p_off], p_off)
    if progress:
        progress(total, total)
    dhash = data_hash(ex)
    params = {"features": features, "seed": seed, "grid": list(grid), "group_by": group_by, "n_splits": n_splits,
              "stance_C": st["cv"]["best_C"], "off_topic_C": ot["cv"]["best_C"] if ot else None,
              "stance_semantic": st["cv"]["semantic"], "off_topic_semantic": ot["cv"]["semantic"] if ot else None}
    phash = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
    ids = [ex.ids[i] for i in st["rows"]]
    records = [ex.records[i] for i in st["rows"]]
    trained_ids = trained_ids_payload(ids, records)
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    manifest = {
        "version": f"{created:%Y%m%dT%H%M%SZ}-{dhash[:8]}-{phash[:6]}",
        "created": created.isoformat(), "training_data_hash": dhash, "sources": sources,
        "label_counts": {"stance": dict(sorted(Counter(y_st).items())),
                         "off_topic": {str(k): v for k, v in sorted(Counter(off).items())}},
        "parameters": params,
        "cv": {"stance": {"grouped_by": st["grouped_by"], "folds": st["cv"]["folds"], "f_avg_by_C": st["cv"]["scores"],
                          "f_avg_by_semantic_and_C": st["cv"]["scores_by_semantic"]},
               "off_topic": ({"grouped_by": ot["grouped_by"], "folds": ot["cv"]["folds"],
                              "accuracy_by_C": ot["cv"]["scores"],
                              "accuracy_by_semantic_and_C": ot["cv"]["scores_by_semantic"]} if ot else
                             {"skipped": f"needs both kinds with >= {MIN_OFF_TOPIC} each; got {dict(Counter(off))}"})},
        "metrics": {"stance": {k: metrics["stance"][k] for k in ("f_avg", "macro_f1", "accuracy")},
                    **({"off_topic": metrics["off_topic"]} if ot else {})},
        "stance_trained_ids": {"file": TRAINED_IDS, "count": len(ids),
                               "sha256": hashlib.sha256(trained_ids).hexdigest()},
    }
    if with_off:  # the off-topic model the tagger uses: the default refined on these labels (issue 13)
        manifest.update(site_off_topic(data, store, manifest["version"]))
    _write_trained_ids(Path(out), trained_ids)
    manifest = save_model(out, st["model"], ot["model"] if ot else None, manifest)
    write_report(out, manifest, metrics)
    # The comments and their out-of-fold stance predictions: what --promote compares models on.
    return {"manifest": manifest, "metrics": metrics, "path": str(Path(out)),
            "heldout": {"ids": ids, "records": records, "y": y_st,
                        "oof_pred": [classes[k] for k in st["cv"]["oof"].argmax(axis=1)]}}
