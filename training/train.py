"""The trainer: choose the stance settings by cross-validation, fit stance (and off-topic), write the model folder.

The cross-validation protocol that chooses is said in the manifest and the report with its reason: across
threads when most labelled comments are in threads too small for weights of their own (the model judges them,
as it will a new article's, by the shared weights), within threads otherwise; the other protocol is reported at
the chosen setting. A chosen setting no better than predicting the majority class is a loud warning, written to
the manifest, and ``--promote`` refuses such a model.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from moderation.dataset import Dataset, load_dataset
from moderation.errors import UnprocessableError
from moderation.model.artifact import save_model
from moderation.model.linear import build_pipeline
from training import offsets
from training.cv import C_GRID, CLASS_WEIGHTS, cross_validate, majority_score, setting_name
from training.data import (
    Examples,
    check_labels,
    data_hash,
    examples_from,
    near_duplicate_groups,
    record_key,
    thread_groups,
)
from training.evaluate import f_avg, stance_metrics
from training.off_topic import skip_reason
from training.offtopic_model import site_off_topic
from training.report import write_report

# Word and character n-grams of the comment (the words shared by every claim, plus per-target copies of the
# word n-grams for claims with enough labels), the comment against its claim (similarity, cue words near the
# claim's terms, hashed claim x cue cross terms) and the sentence vectors of comment and claim combined.
DEFAULT_FEATURES: dict[str, Any] = {
    "word_ngrams": (1, 2), "word_min_df": 2, "char_ngrams": (2, 5), "char_limit": 600, "pair": True,
    "pair_article": False, "pair_params": {"terms": ("x", "c", "t"), "hash_bits": 18}, "claim_semantic": 1.0,
    "blocks": ("word",), "per_target_min": 30, "target_prior": True,
}
MIN_THREADS = 3  # labelled threads needed for the across-thread protocol
TRAINED_IDS = "trained_ids.json"  # in the model folder: the comments the stance model was trained on


class Phases:
    """Progress of a training run: a phase with a length, its steps, and one line per skipped part."""

    def start(self, label: str, total: int) -> None:
        """A new phase of ``total`` steps."""

    def tick(self) -> None:
        """One step of the current phase done."""

    def note(self, line: str) -> None:
        """A line to show the user (a skipped part, a warning)."""


def choose_protocol(ex: Examples, rows: list[int], per_target_min: int) -> tuple[str, str]:
    """'across_threads' or 'within_threads', and why."""
    counts = Counter(ex.threads[i] for i in rows)
    in_blocks = sum(n for n in counts.values() if n >= per_target_min) / len(rows)
    if len(counts) < MIN_THREADS:
        return "within_threads", f"only {len(counts)} labelled thread(s): across-thread folds need {MIN_THREADS}"
    if in_blocks < 0.5:
        return "across_threads", (f"{len(counts)} labelled threads and {100 * (1 - in_blocks):.0f}% of the labels "
                                  f"in threads with fewer than {per_target_min}: the model judges those, as it "
                                  f"will judge a new thread, by its shared weights")
    return "within_threads", (f"{100 * in_blocks:.0f}% of the labels are in threads with {per_target_min} or more, "
                              f"which get weights of their own: the model mostly judges threads it knows")


def fit_stance(ex: Examples, *, features: dict, grid: Sequence[float], seed: int, n_splits: int,
               phases: Phases) -> dict[str, Any]:
    """Both CV protocols, the chosen settings, the majority-class check, and the model fitted on every label."""
    rows = [i for i, v in enumerate(ex.stance) if v is not None]
    records = [ex.records[i] for i in rows]
    y = np.asarray([ex.stance[i] for i in rows])
    where = {ex.ids[i]: k for k, i in enumerate(rows)}
    links = [(k, where[ex.duplicate_of[i]]) for k, i in enumerate(rows) if ex.duplicate_of[i] in where]
    groups = {"across_threads": thread_groups([ex.threads[i] for i in rows], [ex.texts[i] for i in rows]),
              "within_threads": near_duplicate_groups([r["text"] for r in records], links)}
    chosen, why = choose_protocol(ex, rows, int(features.get("per_target_min", 30)))
    settings = [(c, w) for c in grid for w in CLASS_WEIGHTS]
    label = f"stance: cross-validating {len(settings)} settings ({chosen.replace('_', ' ')})"

    def judge(y_cv: np.ndarray, oof: np.ndarray, classes: np.ndarray) -> float:
        # a setting as it would ship: after the class offsets chosen on its own out-of-fold probabilities
        # (FNC-1 by story: the settings' plain F_avg all within 27.6-28.3; with offsets 31.3-36.7)
        return float(offsets.choose(y_cv, oof, classes, f_avg)["score"])

    cv = cross_validate(records, y, groups[chosen], features=features, settings=settings, seed=seed,
                        n_splits=n_splits, score=f_avg, start=lambda n: phases.start(label, n), tick=phases.tick,
                        judge=judge)
    joined = len(set(groups["across_threads"].tolist()))
    report = {"chosen_by": chosen, "why": chosen.replace("_", " ") + ": " + why, "setting": setting_name(cv["best"]),
              "across_thread_groups": f"{joined} groups of {len(set(ex.threads[i] for i in rows))} threads "
                                      f"(threads sharing a comment text are one group)",
              "f_avg_by_setting": cv["scores"], "f_avg_by_setting_without_offsets": cv["raw_scores"],
              chosen: {"f_avg": cv["scores"][setting_name(cv["best"])], "folds": cv["folds"], "rows": len(cv["rows"])}}
    other = "within_threads" if chosen == "across_threads" else "across_threads"
    shifts: dict[str, dict[str, Any]] = {}
    if other == "within_threads" or len(set(groups[other])) >= MIN_THREADS:
        label = f"stance: cross-validating the chosen setting {other.replace('_', ' ')}"
        alt = cross_validate(records, y, groups[other], features=features, settings=[cv["best"]], seed=seed,
                             n_splits=n_splits, score=f_avg, start=lambda n: phases.start(label, n),
                             tick=phases.tick, judge=judge)
        report[other] = {"f_avg": alt["scores"][setting_name(cv["best"])], "folds": alt["folds"],
                         "rows": len(alt["rows"])}
        shifts[other] = offsets.choose(alt["y"], alt["oof"], alt["classes"], f_avg)
    else:
        report[other] = {"skipped": f"only {len(set(groups[other]))} labelled thread(s), need {MIN_THREADS}"}
        phases.note(f"stance cross-validation across threads: skipped, {report[other]['skipped']}")
    shift = shifts[chosen] = offsets.choose(cv["y"], cv["oof"], cv["classes"], f_avg)
    cv["oof"] = offsets.shifted(cv["oof"], shift["vector"])  # what the shipped model would have said
    report["offsets"] = {"by_class": shift["offsets"], "f_avg": shift["score"], "f_avg_without": shift["score_without"],
                         "chosen_on": f"the out-of-fold probabilities of {setting_name(cv['best'])} ({chosen})"}
    # A new thread is judged by the shared weights, as the across-thread folds judged theirs; a thread with weights
    # of its own as the within-thread folds did: each gets the offsets chosen on its own kind of folds.
    new, known = (shifts.get(p, shift) for p in ("across_threads", "within_threads"))
    report["offsets"]["new_threads"] = {"by_class": new["offsets"], "f_avg": new["score"],
                                        "chosen_on": "across-thread folds" if "across_threads" in shifts
                                        else f"{chosen} folds (across threads skipped)"}
    report["offsets"]["known_threads"] = {"by_class": known["offsets"], "f_avg": known["score"],
                                          "chosen_on": "within-thread folds"}
    label, majority = majority_score(cv["y"], f_avg)
    best = shift["score"]
    report["majority"] = {"label": label, "f_avg": round(majority, 2)}
    report["no_better_than_majority"] = bool(best <= round(majority, 2))  # both as reported, to 0.01
    phases.start("stance: fitting on every label", 1)
    model = build_pipeline(features, C=cv["best"][0], class_weight=cv["best"][1], seed=seed).fit(records, y)
    conditioned = model.named_steps["features"]
    offsets.apply(model.named_steps["clf"], new["vector"])
    offsets.apply_known(model.named_steps["clf"], conditioned.prior_start_, len(conditioned.targets_),
                        known["vector"] - new["vector"])
    phases.tick()
    return {"model": model, "cv": cv, "report": report, "rows": rows, "y": y}


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
          features: dict | None = None, grid: Sequence[float] = C_GRID, n_splits: int = 5,
          phases: Phases | None = None) -> dict[str, Any]:
    """Train stance (+ off-topic) models from datasets/store, write the model folder and its report.

    BLAS runs on one thread: L-BFGS's many small vector operations are 30x slower when its threads contend
    with other processes for the cores (measured on this 2-core machine under load).
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _train(data, out, seed=seed, store=store, features=features, grid=grid, n_splits=n_splits,
                      phases=phases or Phases())


def _train(data: Sequence[str | Path], out: str | Path, *, seed: int, store: Any, features: dict | None,
           grid: Sequence[float], n_splits: int, phases: Phases) -> dict[str, Any]:
    phases.start("reading the data", 1)
    ex, sources = load_examples(data, store)
    phases.tick()
    check_labels([s for s in ex.stance if s is not None], "stance")
    features = {**DEFAULT_FEATURES, **(features or {})}
    st = fit_stance(ex, features=features, grid=grid, seed=seed, n_splits=n_splits, phases=phases)
    cv, classes = st["cv"], [str(c) for c in st["cv"]["classes"]]
    y_cv = [str(v) for v in cv["y"]]
    oof_pred = [classes[k] for k in cv["oof"].argmax(axis=1)]
    metrics: dict[str, Any] = {"stance": stance_metrics(y_cv, oof_pred, cv["oof"], classes)}
    if st["report"]["no_better_than_majority"]:
        phases.note(f"WARNING: the chosen stance model is no better than the majority class: cross-validated "
                    f"F_avg {st['report']['offsets']['f_avg']:.2f} vs "
                    f"{st['report']['majority']['f_avg']:.2f} for always '{st['report']['majority']['label']}'"
                    f" ({st['report']['chosen_by'].replace('_', ' ')}); --promote will refuse it")
    off_skip = skip_reason(ex)
    dhash = data_hash(ex)
    params = {"features": features, "seed": seed, "grid": list(grid), "n_splits": n_splits,
              "stance_C": cv["best"][0], "stance_class_weight": cv["best"][1]}
    phash = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()
    ids = [ex.ids[st["rows"][i]] for i in cv["rows"]]
    records = [ex.records[st["rows"][i]] for i in cv["rows"]]
    trained_ids = trained_ids_payload([ex.ids[i] for i in st["rows"]], [ex.records[i] for i in st["rows"]])
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    warnings = ["stance: no better than the majority class"] if st["report"]["no_better_than_majority"] else []
    manifest = {
        "version": f"{created:%Y%m%dT%H%M%SZ}-{dhash[:8]}-{phash[:6]}",
        "created": created.isoformat(), "training_data_hash": dhash, "sources": sources,
        "label_counts": {"stance": dict(sorted(Counter(str(v) for v in st["y"]).items())),
                         "off_topic": {str(k): v for k, v in sorted(Counter(o for o in ex.off_topic
                                                                            if o is not None).items())}},
        "parameters": params, "warnings": warnings,
        "cv": {"stance": st["report"], "off_topic": {"skipped": off_skip}},
        "metrics": {"stance": {k: metrics["stance"][k] for k in ("f_avg", "macro_f1", "accuracy")}},
        "stance_trained_ids": {"file": TRAINED_IDS, "count": len(st["rows"]),
                               "sha256": hashlib.sha256(trained_ids).hexdigest()},
    }
    if off_skip is None:  # the off-topic model the tagger uses: the default refined on these labels (issue 13)
        phases.start("off-topic: cross-validating and fitting the relevance model", 1)
        ot = site_off_topic(ex.datasets, ex.own_texts, manifest["version"])
        phases.tick()
        manifest.update(ot["manifest"])
        manifest["cv"]["off_topic"] = ot["cv"]
        manifest["metrics"]["off_topic"] = metrics["off_topic"] = ot["metrics"]
        params["off_topic_C"] = ot["cv"]["C"]
    else:
        phases.note(f"off-topic model: skipped, {off_skip}")
    phases.start("writing the model", 1)
    _write_trained_ids(Path(out), trained_ids)
    manifest = save_model(out, st["model"], None, manifest)
    write_report(out, manifest, metrics)
    phases.tick()
    # The comments and their out-of-fold stance predictions: what --promote compares models on.
    return {"manifest": manifest, "metrics": metrics, "path": str(Path(out)),
            "heldout": {"ids": ids, "records": records, "y": y_cv, "oof_pred": oof_pred}}
