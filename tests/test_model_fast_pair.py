"""The fast path of pair models (FNC-1's TwoStage on hashed pair features) equals the pipeline, call by call."""

from __future__ import annotations

import pickle
import random

import numpy as np
import pytest
from sklearn.feature_extraction import FeatureHasher
from sklearn.pipeline import Pipeline

from moderation.model.fast import FastPath
from moderation.model.fast_pair import PairPart, hashed_column
from moderation.model.features import build_features
from moderation.model.linear import CalibratedLinear
from moderation.model.scorer import Scorer
from moderation.model.twostage import LABELS, UNRELATED, TwoStage

TOPICS = [
    ["apple", "iphone", "launch", "cupertino", "phone"],
    ["shark", "beach", "florida", "swimmer", "attack"],
    ["volcano", "iceland", "eruption", "ash", "flights"],
    ["senator", "election", "ballots", "recount", "county"],
    ["museum", "painting", "theft", "louvre", "guards"],
    ["comet", "probe", "landing", "scientists", "orbit"],
]
CUES = {0: ["confirmed", "official", "announced"], 1: ["hoax", "fake", "denied", "not"],
        2: ["reportedly", "allegedly", "rumors", "may"]}
FILLER = ["the", "a", "report", "said", "on", "monday", "people", "local", "news", "week", "city", "über-café"]


def fnc_like(n_bodies: int = 12, per_body: int = 8, seed: int = 0) -> tuple[list[dict[str, str]], np.ndarray]:
    """Bodies of a few sentences about a topic; headlines on the same topic with a stance cue, or off it."""
    rng = random.Random(seed)
    records, labels = [], []
    for b in range(n_bodies):
        topic = TOPICS[b % len(TOPICS)]
        sentences = [" ".join(rng.sample(topic, 3) + rng.sample(FILLER, 4) + rng.sample(CUES[rng.randrange(3)], 1))
                     .capitalize() + rng.choice([".", "!", "?"]) for _ in range(rng.randint(2, 6))]
        body = " ".join(sentences) if b % 5 else "\n".join(sentences)
        for h in range(per_body):
            label = (b + h) % 4
            words = rng.sample(TOPICS[(b + 1 + h) % len(TOPICS)] if label == UNRELATED else topic, 3)
            words += rng.sample(CUES[label], 1) if label != UNRELATED else rng.sample(FILLER, 2)
            rng.shuffle(words)
            records.append({"text": body, "target": " ".join(words).title(), "title": "", "body": ""})
            labels.append(label)
    return records, np.array(labels)


def two_stage(features: dict, recs: list[dict[str, str]], y: np.ndarray) -> Pipeline:
    feats = build_features(**features)
    X = feats.fit_transform(recs)
    n_dense = feats.features_.transformer_list[-1][1].named_steps["features"].n_dense_
    clf = TwoStage(n_dense if not features.get("word", True) else None, C_related=1.0, C_stance=1.0).fit(X, y)
    return Pipeline([("features", feats), ("clf", clf)])


FNC = {"word": False, "char": False, "pair": True, "per_target_min": 10**9, "pair_article": False,
       "pair_params": {"terms": ("x", "c", "t"), "hash_bits": 8}}
CONFIGS = [FNC, {**FNC, "pair_params": {}}, {**FNC, "pair_article": True, "per_target_min": 8},
           {"char": False, "pair": True, "pair_params": {"terms": ("x", "t"), "hash_bits": 6}}]


def probes(recs: list[dict[str, str]]) -> list[dict[str, str]]:
    """The training pairs, a body never seen, an unseen headline, empty fields, and an article."""
    unseen = "Nothing in this text was seen. Zebras quietly debunked it? No!"
    return recs + [dict(recs[0], text=unseen), dict(recs[3], target="Unseen zebra headline denied"),
                   {"text": "", "target": "", "title": "", "body": ""},
                   dict(recs[5], title="Shark attack in Florida", body="A swimmer was bitten. Officials confirmed.")]


@pytest.mark.parametrize("features", CONFIGS, ids=["fnc", "no-terms", "article+blocks", "word+pair"])
def test_fast_path_equals_two_stage_pipeline(features: dict) -> None:
    recs, y = fnc_like()
    if features.get("per_target_min", 30) < len(recs):  # a claim with enough pairs gets its own block
        recs = [dict(r, target="One shared claim") if i % 3 == 0 else r for i, r in enumerate(recs)]
    pipe = two_stage(features, recs, y)
    assert bool(pipe.named_steps["features"].targets_) == (features.get("per_target_min", 30) < len(recs))
    fast = FastPath(pipe)
    probe = probes(recs)
    batch = pipe.predict_proba(probe)
    for _ in range(2):  # the second pass answers from the analysed-text caches
        one = np.array([fast.proba(r)[0] for r in probe])
        assert np.abs(batch - one).max() < 1e-9
    assert np.allclose(one.sum(axis=1), 1.0)
    assert fast.classes == [str(i) for i in range(len(LABELS))]


def test_bodies_are_analysed_once_across_calls() -> None:
    recs, y = fnc_like(n_bodies=4, per_body=8)
    fast = FastPath(two_stage(FNC, recs, y), text_cache=2)
    part = next(p for p in fast.parts if isinstance(p, PairPart))
    for r in recs:  # grouped by body: one miss per body
        fast.proba(r)
    assert part._texts.cache_info().misses == 4
    assert part._texts.cache_info().currsize == 2  # bounded
    fast.cache_clear()
    assert part._texts.cache_info().currsize == 0


def test_fast_path_equals_a_calibrated_pair_pipeline_with_hashed_terms() -> None:
    recs, y = fnc_like()
    feats = build_features(**FNC)
    pipe = Pipeline([("features", feats), ("clf", CalibratedLinear(C=1.0, cv=3))]).fit(recs, y)
    scorer = Scorer(pipe)
    probe = probes(recs)
    one = np.array([[scorer.proba_one(r)[c] for c in scorer.classes] for r in probe])
    assert np.abs(pipe.predict_proba(probe) - one).max() < 1e-9


@pytest.mark.parametrize("bits", [1, 4, 12, 18])
def test_hashed_columns_are_feature_hashers(bits: int) -> None:
    terms = ["x:nato|deni", "t:über", "c:fake|hoax", "", "t:日本", *(f"t:{i}" for i in range(200))]
    X = FeatureHasher(2**bits, input_type="string", alternate_sign=False).transform([[t] for t in terms])
    assert [int(X[i].indices[0]) for i in range(len(terms))] == [hashed_column(t, 2**bits) for t in terms]


def test_two_stage_pipeline_pickles_by_name_and_decides_by_its_rule() -> None:
    recs, y = fnc_like()
    pipe = two_stage(FNC, recs, y)
    blob = pickle.dumps(pipe)
    assert b"moderation.model.twostage" in blob and b"TwoStage" in blob
    again = pickle.loads(blob)
    assert np.array_equal(again.predict_proba(recs), pipe.predict_proba(recs))
    strict = again.set_params(clf__threshold=1.1).predict(recs[:5])
    assert (strict == UNRELATED).all()


def test_scorer_scores_a_two_stage_model_with_reason_words() -> None:
    recs, y = fnc_like()
    out = Scorer(two_stage(CONFIGS[3], recs, y)).score(recs[1])
    assert out["label"] in {str(i) for i in range(len(LABELS))}
    assert abs(sum(out["probabilities"].values()) - 1.0) < 1e-12
    assert out["reasons"] and all(isinstance(w, str) for w in out["reasons"])


def test_a_two_stage_model_that_never_saw_a_stance_is_refused() -> None:
    recs, y = fnc_like()
    keep = [i for i, label in enumerate(y) if label != 1]
    with pytest.raises(ValueError, match="all three stances"):
        FastPath(two_stage(FNC, [recs[i] for i in keep], y[keep]))
