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
