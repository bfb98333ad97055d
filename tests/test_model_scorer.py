"""The scorer's fast single-comment path equals the pipeline; reasons and malformed records."""

from __future__ import annotations

import numpy as np
import pytest

from moderation.errors import InputError
from moderation.model.linear import build_pipeline
from moderation.model.scorer import Scorer
from tests.test_model_data import make_dataset, records_and_labels
from training.train import DEFAULT_FEATURES


@pytest.mark.parametrize("features", [{}, {"pair": True}, {"per_target_min": 1000}, {"shared_weight": 0.5},
                                      {"semantic": 0.5}, {"semantic": 1.0, "word": False, "char": False},
                                      DEFAULT_FEATURES, {**DEFAULT_FEATURES, "per_target_min": 10},
                                      {"target_prior": True, "per_target_min": 10}])
def test_fast_path_equals_pipeline(features: dict) -> None:
    recs, y = records_and_labels(make_dataset(90))
    pipe = build_pipeline(features, C=0.5).fit(recs, y)
    scorer = Scorer(pipe)
    probe = recs + [dict(recs[1], target="an unseen claim"), {"text": "", "target": "", "title": "", "body": ""},
                    {"text": "words never seen zzz qqq", "target": recs[0]["target"], "title": "", "body": ""}]
    batch = pipe.predict_proba(probe)
    one = np.array([[scorer.proba_one(r)[c] for c in scorer.classes] for r in probe])
    assert np.abs(batch - one).max() < 1e-9


def test_fast_path_equals_pipeline_for_a_binary_model() -> None:
    ds = make_dataset(90)
    recs, _ = records_and_labels(ds)
    y = np.array([bool(c.off_topic) for c in ds.comments])
    pipe = build_pipeline({}, C=1.0).fit(recs, y)
    scorer = Scorer(build_pipeline({}, C=1.0).fit(recs, [c.stance for c in ds.comments]), off_topic=pipe)
    for r, p in zip(recs, pipe.predict_proba(recs)[:, 1], strict=True):
        assert abs(scorer.score(r)["off_topic"] - p) < 1e-9


def test_score_gives_label_probabilities_and_reason_words() -> None:
    recs, y = records_and_labels(make_dataset(90))
    scorer = Scorer(build_pipeline({}, C=1.0).fit(recs, y), manifest={"version": "v1"})
    out = scorer.score({"text": "terrible mistake, oppose it", "target": recs[0]["target"]})
    assert out["label"] == "against"
    assert set(out["probabilities"]) == {"favor", "against", "none"}
    assert abs(sum(out["probabilities"].values()) - 1.0) < 1e-12
    assert out["reasons"] and all(isinstance(w, str) for w in out["reasons"])
    assert out["model_version"] == "v1"
    assert scorer.predict([recs[0]])[0] in scorer.classes


@pytest.mark.parametrize(("record", "message"), [
    ("just text", "must be an object"),
    ({"text": 3}, "text must be a string"),
    ({"text": "x", "target": ["a"]}, "target must be a string"),
])
def test_malformed_records_are_input_errors(record: object, message: str) -> None:
    recs, y = records_and_labels(make_dataset(30))
    scorer = Scorer(build_pipeline({"char": False}, C=1.0).fit(recs, y))
    with pytest.raises(InputError, match=message):
        scorer.score(record)  # type: ignore[arg-type]


def test_reason_words_are_the_comment_as_written_never_stems() -> None:
    from moderation.model.features import readable

    recs, y = records_and_labels(make_dataset(90))
    scorer = Scorer(build_pipeline({}, C=1.0).fit(recs, y))
    text = "Terrible mistakes, OPPOSING it and the terrible deals"
    out = scorer.score({"text": text, "target": recs[0]["target"]})
    assert out["reasons"] and all(w in text for w in out["reasons"])
    assert readable("Does anyone know the ramen shops?", ["doe", "anyon", "know the", "ramen shop", "?"], 5) == \
        ["anyone", "know the", "ramen shops"]
