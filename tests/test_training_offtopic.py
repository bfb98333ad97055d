"""The shipped off-topic model's rebuild: the same published numbers when the rows differ in their last bits."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import training.offtopic as rebuild
from tests.conftest import ROOT

DATA = Path(os.environ.get("MODERATION_DATA", ROOT.parent / "shared" / "data"))


def test_rows_nudged_by_a_few_ulps_rebuild_the_same_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another machine sums the features in another order (SIMD width): the file must not change."""
    plain = rebuild.build(DATA, smoke=True, log=lambda *a, **k: None)
    rows = rebuild.set_rows
    noise = np.random.default_rng(7)

    def nudged(s, rng):  # type: ignore[no-untyped-def]
        X, y, g = rows(s, rng)
        return X * (1 + noise.integers(-4, 5, X.shape) * np.finfo(float).eps), y, g

    monkeypatch.setattr(rebuild, "set_rows", nudged)
    again = rebuild.build(DATA, smoke=True, log=lambda *a, **k: None)
    assert again["coef"] == plain["coef"] and again["intercept"] == plain["intercept"]
    assert again == plain


def _first_comment_rows() -> tuple[np.ndarray, ...]:
    """Two sets; on-topic first comments score higher (less to go on) than later ones."""
    rng = np.random.default_rng(5)
    names, y, first, p = [], [], [], []
    for name, n in (("A", 900), ("B", 300)):
        for k in range(n):
            is_first, off = k % 4 == 0, k % 5 == 0
            z = rng.normal(1.5 if off else (-1.0 if is_first else -2.0), 1.0)
            names.append(name)
            y.append(float(off))
            first.append(is_first)
            p.append(1 / (1 + np.exp(-z)))
    return np.asarray(y), np.asarray(p), np.asarray(first), np.asarray(names)


def _on_topic_rate(y: np.ndarray, p: np.ndarray, mask: np.ndarray, names: np.ndarray, t: float) -> float:
    return float(np.mean([np.mean(p[(y == 0) & mask & (names == n)] >= t) for n in sorted(set(names.tolist()))]))


def test_first_comments_are_shifted_to_the_later_ones_flag_rate_and_no_further() -> None:
    y, p, first, names = _first_comment_rows()
    t = 0.3
    later = _on_topic_rate(y, p, ~first, names, t)
    assert _on_topic_rate(y, p, first, names, t) > 2 * later  # the defect: first comments flagged more often
    d = rebuild.first_comment_shift(y, p, first, names, t)
    assert d < 0.0
    shifted = rebuild._shifted(p, d * first)
    assert _on_topic_rate(y, shifted, first, names, t) <= later
    assert np.array_equal(shifted[~first], rebuild._shifted(p, 0.0)[~first])  # later comments untouched
    # the shift closest to 0 that does it: one first comment fewer unflagged would be above the later rate
    z = np.log(p) - np.log(1 - p)
    cross = np.unique(np.log(t / (1 - t)) - z[(y == 0) & first])
    nearer = cross[cross > d].min() + 1e-9
    assert _on_topic_rate(y, rebuild._shifted(p, nearer * first), first, names, t) > later
    # already no more often flagged: no shift
    assert rebuild.first_comment_shift(y, np.where(first, p * 0.1, p), first, names, t) == 0.0


def test_the_shipped_model_flags_first_comments_no_more_often_on_its_training_sets() -> None:
    from moderation.labelling.offtopic import default_model

    info = default_model().info["first_comments"]
    assert info["log_odds_shift"] < 0.0 and info["chosen_on"] == ["Perspectrum train", "SemEval train"]
    after, before = info["flagged_after"], info["flagged_before"]
    mean = {k: np.mean([cell[k] for cell in after.values()]) for k in ("on_topic_first", "on_topic_later")}
    assert mean["on_topic_first"] <= mean["on_topic_later"]
    assert np.mean([c["on_topic_first"] for c in before.values()]) > mean["on_topic_later"]
