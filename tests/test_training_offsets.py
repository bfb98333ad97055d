"""Class offsets chosen on out-of-fold probabilities and carried by the shipped model."""

from __future__ import annotations

import numpy as np

from moderation.model.linear import logistic
from training.evaluate import f_avg
from training.offsets import apply, apply_known, choose, shifted


def test_offsets_raise_f_avg_where_the_model_under_calls_the_stances() -> None:
    rng = np.random.default_rng(0)
    classes = ["against", "favor", "none"]
    y = np.asarray(rng.choice(classes, size=600, p=[0.2, 0.2, 0.6]))
    # Probabilities that rank well but lean to none: every stance is called none unless very sure.
    proba = np.full((600, 3), 0.1)
    for k, c in enumerate(classes):
        proba[y == c, k] += rng.uniform(0.1, 0.5, size=int((y == c).sum()))
    proba[:, 2] += 0.35
    proba /= proba.sum(axis=1, keepdims=True)
    out = choose(y, proba, classes, f_avg)
    assert out["offsets"]["none"] == 0.0 and out["offsets"]["favor"] > 0 and out["offsets"]["against"] > 0
    assert out["score"] > out["score_without"] + 10
    again = f_avg(y, np.asarray(classes)[shifted(proba, out["vector"]).argmax(axis=1)])
    assert round(again, 2) == out["score"]


def test_no_gain_means_no_shift() -> None:
    y = np.asarray(["against", "favor", "none"] * 20)
    proba = np.eye(3)[[0, 1, 2] * 20] * 0.9 + 0.1 / 3
    assert choose(y, proba, ["against", "favor", "none"], f_avg)["offsets"] == {"against": 0.0, "favor": 0.0,
                                                                              "none": 0.0}


def test_applied_offsets_give_the_shifted_probabilities() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(90, 5))
    for labels in (np.asarray(["against", "favor", "none"] * 30), np.asarray(["favor", "none"] * 45)):
        clf = logistic(1.0).fit(X, labels)
        before = clf.predict_proba(X)
        off = np.zeros(len(clf.classes_))
        off[0] = 0.75
        apply(clf, off)
        assert np.allclose(clf.predict_proba(X), shifted(before, off))


def test_known_target_offsets_move_only_the_rows_of_known_targets() -> None:
    from moderation.model.linear import build_pipeline
    from tests.test_model_data import make_dataset, records_and_labels

    recs, y = records_and_labels(make_dataset(60))
    pipe = build_pipeline({"char": False, "per_target_min": 10, "target_prior": True}, C=1.0).fit(recs, y)
    feats, clf = pipe.named_steps["features"], pipe.named_steps["clf"]
    probe = [recs[0], dict(recs[0], target="a claim nobody labelled")]
    before = pipe.predict_proba(probe)
    new, known = np.zeros(3), np.array([0.0, 1.0, 0.0])
    apply(clf, new)
    apply_known(clf, feats.prior_start_, len(feats.targets_), known - new)
    after = pipe.predict_proba(probe)
    assert np.allclose(after[0], shifted(before[:1], known)[0])
    assert np.allclose(after[1], before[1])
