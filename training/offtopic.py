"""Rebuild the shipped default off-topic model: ``python -m training.offtopic DATA_DIR [--out FILE]``.

Trained on the *train* splits of FNC-1 (each headline under its body, after the body's related headlines;
unrelated = off-topic), SemEval-2016 6A (tweets under their target and under another one) and Perspectrum
(perspectives under their claim and under another one): never on SFU (non-commercial) nor the seed thread.
Features are computed by the product's own code (moderation.labelling.relevance); each set weighs the same and,
within it, both classes; every other thread of a set has its discussion (its own comments, the one judged left
out); in a third of the rows the store is taken to hold this thread alone (no other thread or discussion
to compare with), and 30% of the cases are a thread's first few comments. C is chosen by log loss with folds
grouped by thread; one log-odds shift then calibrates the probabilities to the comment sets' real off-topic
rate, and a second one, for the comments with nothing earlier in their thread only, makes a thread's first
comments no more often flagged at the published threshold than the later ones, each comment set weighing the
same (see build). Every fit runs to its optimum and the published numbers keep 7 significant digits, so the
output is bit-identical for the same data on any machine: print its sha256 and set DEFAULT_SHA256.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.metrics import average_precision_score, roc_auc_score

from moderation.labelling.offtopic import DEFAULT_PATH, FEATURES, FORMAT, LinearModel, row, sha256_file
from moderation.labelling.relevance import Relevance
from training.offtopic_model import choose_c, fit_logistic, significant, standardise, threshold_at
from training.offtopic_sets import OffTopicSet, fnc1, perspectrum, semeval

EARLY = 0.3  # share of cases that are among a thread's first comments
ALONE = 1 / 3  # share of rows computed as if the store held no other thread
SEED = 0
TIE = 1e-9  # log-odds closer than this are one value (a text twice, its last bits apart) in flag rates and cuts


def training_sets(data: Path, *, smoke: bool = False) -> list[OffTopicSet]:
    """The three training sets (train splits only)."""
    sets = [fnc1(data / "fnc1", "train", discussion=True, seed=SEED, early=EARLY),
            semeval(data / "semeval2016-task6", "train", seed=SEED, early=EARLY),
            perspectrum(data / "perspectrum", "train", seed=SEED, early=EARLY)]
    if smoke:
        for s in sets:
            keep = {t.id for t in s.threads[:: max(1, len(s.threads) // 20)]}
            s.threads = [t for t in s.threads if t.id in keep]
            s.cases = [c for c in s.cases if c.thread.id in keep][:: max(1, len(s.cases) // 3000)]
            s.docs = [f"{t.title}\n{t.target}\n{t.body}" for t in s.threads] + [c.comment.text for c in s.cases]
    return sets


def set_rows(s: OffTopicSet, rng: random.Random) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Feature rows, labels and thread groups of one set, through Relevance as the tagger calls it."""
    rel = Relevance.fit(s.docs, threads=s.threads, discussions=s.comments)
    X, y, groups = [], [], []
    topic = None
    for case in s.cases:  # thread by thread, fewest earlier comments first: each topic grows, as the tagger's
        text = case.comment.text.strip()
        n = len(topic) if topic is not None else 0
        if topic is None or topic.thread is not case.thread or n > len(case.earlier) or \
                (n and case.earlier[n - 1].id != topic.ids[-1]):
            topic, n = rel.topic(case.thread), 0
        for c in case.earlier[n:]:
            topic.add(c.id, c.text.strip())
        f = rel.topic_features(topic, text)
        if rng.random() < ALONE:
            f = {**f, "has_other": False, "other_lex": 0.0, "other_sem": 0.0, "has_disc": False, "disc_lex": 0.0,
                 "disc_sem": 0.0}
        X.append(row(f, text))
        y.append(float(case.off_topic))
        groups.append(f"{s.name}/{case.thread.id}")
    return np.asarray(X), np.asarray(y), groups


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(np.clip(p, 1e-15, 1.0)) - np.log(np.clip(1.0 - p, 1e-15, 1.0))


def _shifted(p: np.ndarray, shift: float | np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(_logit(p) + shift)))


def calibration_shift(y: np.ndarray, p: np.ndarray) -> float:
    """The log-odds shift minimising the unweighted log loss of probabilities ``p`` for labels ``y`` (0.0 when
    there is nothing to fit)."""
    if not len(y) or y.min() == y.max():
        return 0.0

    def loss(d: float) -> float:
        q = np.clip(_shifted(p, d), 1e-12, 1 - 1e-12)
        return float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))

    return float(minimize_scalar(loss, bounds=(-8.0, 8.0), method="bounded", options={"xatol": 1e-9}).x)


def first_comment_shift(y: np.ndarray, p: np.ndarray, first: np.ndarray, names: np.ndarray,
                        threshold: float) -> float:
    """The log-odds shift of the first comments (``first``: nothing earlier in their thread) closest to 0 at which
    their on-topic flag rate at ``threshold`` is no higher than the later comments', each set weighing the same
    (the mean over sets of the share of on-topic comments with ``p >= threshold``). 0.0 when it already is, or
    when no set has both kinds of on-topic comment.

    The rate is a step function of the shift: candidates are the midpoints between the shifts at which one
    on-topic first comment crosses the threshold (crossings within TIE taken as one), so a few ULPs on ``p``
    choose the same one.
    """
    on = y == 0
    kept = [n for n in sorted(set(names.tolist())) if (on & first & (names == n)).any() and
            (on & ~first & (names == n)).any()]
    if not kept:
        return 0.0
    z = _logit(p)
    cut = float(_logit(np.asarray([threshold]))[0]) - TIE  # a probability at the threshold is flagged, its copies too
    target = float(np.mean([np.mean(z[on & ~first & (names == n)] >= cut) for n in kept]))
    firsts = [z[on & first & (names == n)] for n in kept]

    def rate(d: float) -> float:
        return float(np.mean([np.mean(v + d >= cut) for v in firsts]))

    if rate(0.0) <= target:
        return 0.0
    cross = np.sort(cut - np.concatenate(firsts))  # a first comment is flagged for shifts >= its cross
    # Crossings closer than TIE are one (the same text twice, its last bits apart): no candidate between them.
    gaps = np.flatnonzero(np.diff(cross) > TIE)
    for d in ((cross[gaps] + cross[gaps + 1]) / 2)[::-1]:
        if d < 0.0 and rate(float(d)) <= target:
            return float(d)
    return float(cross[0]) - 1.0


def flag_rates(y: np.ndarray, p: np.ndarray, first: np.ndarray, names: np.ndarray, threshold: float
               ) -> dict[str, dict[str, float]]:
    """Per set, the share of on-topic first and later comments, and of off-topic first and later ones, flagged at
    ``threshold`` (4 decimals; NaN-free: a kind a set lacks is left out)."""
    out: dict[str, dict[str, float]] = {}
    cut = float(_logit(np.asarray([threshold]))[0]) - TIE
    for n in sorted(set(names.tolist())):
        cell = {}
        for label, cls in (("on_topic", 0.0), ("off_topic", 1.0)):
            for kind, mask in (("first", first), ("later", ~first)):
                m = (names == n) & (y == cls) & mask
                if m.any():
                    cell[f"{label}_{kind}"] = round(float(np.mean(_logit(p[m]) >= cut)), 4)
        out[n] = cell
    return out


def first_comments(y: np.ndarray, p: np.ndarray, first: np.ndarray, names: np.ndarray, sections: np.ndarray
                   ) -> tuple[float, np.ndarray, dict[str, dict[str, float]]]:
    """The first comments' shift (7 digits), ``p`` with it, and the flag rates before it.

    The threshold (best F1 on the comment sets) moves with the shift and the shift with the threshold: both are
    taken again until they agree (two or three rounds on the training rows; at most ten).
    """
    ys, fs, ns = y[sections], first[sections], names[sections]
    before = flag_rates(ys, p[sections], fs, ns, best_f1_threshold(ys, p[sections])[0])
    d = 0.0
    for _ in range(10):
        flag = best_f1_threshold(ys, _shifted(p, d * first)[sections])[0]
        new = significant(first_comment_shift(ys, p[sections], fs, ns, flag))
        if new == d:
            break
        d = new
    return d, _shifted(p, d * first), before


def best_f1_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """The probability at or above which flagging gives the best F1 on (y, p), and that F1."""
    order = np.argsort(-p, kind="stable")
    hits = np.cumsum(y[order])
    k = np.arange(1, len(y) + 1)
    f1 = 2 * hits / (k + y.sum())
    z = _logit(p[order])
    last = np.r_[z[1:] < z[:-1] - TIE, True]  # cut only between distinct probabilities (TIE apart)
    i = int(np.argmax(np.where(last, f1, -1.0)))
    return float(p[order][i]), float(f1[i])


def build(data: Path, *, smoke: bool = False, log: object = print) -> dict:
    """The default model's JSON form, fitted on the training sets."""
    rng = random.Random(SEED)
    parts = []
    for s in training_sets(data, smoke=smoke):
        X, y, g = set_rows(s, rng)
        parts.append((s.name, X, y, g))
        log(f"{s.name}: {len(y)} rows, {int(y.sum())} off-topic", file=sys.stderr)  # type: ignore[operator]
    X = np.vstack([p[1] for p in parts])
    y = np.concatenate([p[2] for p in parts])
    groups = np.asarray([g for p in parts for g in p[3]])
    names = np.asarray([p[0] for p in parts for _ in p[2]])
    w = np.zeros(len(y))
    for name, *_ in parts:
        for cls in (0.0, 1.0):
            cell = (names == name) & (y == cls)
            w[cell] = 1.0 / (2 * len(parts) * max(1, cell.sum()))
    mean, scale = standardise(X)
    Z = (X - mean) / scale
    cv = choose_c(Z, y, w, groups)
    coef, b = fit_logistic(Z, y, w, cv["C"])
    # The fit weighs both classes alike (its probabilities answer "off-topic or not" at even odds); a comment
    # section is mostly on topic. One shift of the log-odds, fitted by unweighted log loss on the out-of-fold
    # predictions of the comment sets (comments moved under another thread at their real rate; FNC-1's pairs
    # are not a comment section), calibrates the probabilities to such a section. The order is unchanged.
    sections = names != "FNC-1 train"
    shift = significant(calibration_shift(y[sections], cv["oof"][sections]))
    cv["oof"] = _shifted(cv["oof"], shift)
    # A thread's first comments (nothing earlier to match) are judged on less: at the flagging threshold the
    # model flags more of the on-topic ones than of the later ones. A second shift, for them only, brings their
    # out-of-fold on-topic flag rate on the comment sets down to the later comments' (see first_comment_shift).
    first = X[:, FEATURES.index("no_context")] > 0.5  # 0 or 1 (another machine: 1 to its last bits)
    first_shift, cv["oof"], before = first_comments(y, cv["oof"], first, names, sections)
    j = FEATURES.index("no_context")  # the shift as the no_context weight: + first_shift when it is 1, else 0
    coef[j] += first_shift * scale[j]
    coef, b = np.vectorize(significant)(coef), significant(b + shift + first_shift * mean[j])
    per_set = {}
    for name, *_ in parts:
        m = names == name
        per_set[name] = {"roc_auc": round(float(roc_auc_score(y[m], cv["oof"][m])), 4),
                         "average_precision": round(float(average_precision_score(y[m], cv["oof"][m])), 4)}
    threshold, precision = threshold_at(y, cv["oof"])
    flag, flag_f1 = best_f1_threshold(y[sections], cv["oof"][sections])
    threshold = None if threshold is None else significant(threshold)
    flag, precision, flag_f1 = significant(flag), significant(precision), significant(flag_f1)
    info = {"format": FORMAT, "trained_on": [p[0] for p in parts], "rows": len(y), "C": cv["C"],
            "cv": {"grouped_by": "thread", "folds": cv["folds"], "log_loss_by_C": cv["log_loss_by_C"],
                   "out_of_fold": per_set, "threshold_p90": threshold, "threshold_precision": precision},
            "flag_threshold": flag, "flag_threshold_f1": flag_f1,
            "calibration": {"log_odds_shift": shift, "fitted_on": sorted({str(n) for n in names[sections]}),
                            "off_topic_rate": float(y[sections].mean()) if sections.any() else None},
            "first_comments": {"log_odds_shift": first_shift, "chosen_on": sorted({str(n) for n in names[sections]}),
                               "flagged_before": before,
                               "flagged_after": flag_rates(y[sections], cv["oof"][sections], first[sections],
                                                           names[sections], flag)},
            "smoke": smoke}
    model = LinearModel("default model (FNC-1, SemEval, Perspectrum)", FEATURES, tuple(map(float, mean)),
                        tuple(map(float, scale)), tuple(map(float, coef)), b, info)
    return model.to_dict()


def main(argv: list[str] | None = None) -> int:
    """Rebuild the default model file and print its sha256."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="the benchmark data folder (../shared/data)")
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--smoke", action="store_true", help="a few threads of each set (for the tests)")
    args = parser.parse_args(argv)
    spec = build(args.data, smoke=args.smoke)
    args.out.write_text(json.dumps(spec, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps(spec["cv"], indent=1))
    print(f"{args.out}: sha256 {sha256_file(args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
