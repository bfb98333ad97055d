"""The fast path of pair models (hashed pair features, FNC-1-like pairs) equals the pipeline, call by call."""

from __future__ import annotations

import pickle
import random

import numpy as np
import pytest
from sklearn.feature_extraction import FeatureHasher
from sklearn.pipeline import Pipeline

from moderation.model.fast import FastPath
from moderation.model.fast_pair import PairPart, hashed_column
from moderation.model.linear import build_pipeline
from moderation.model.scorer import Scorer

TOPICS = [
    ["apple", "iphone", "launch", "cupertino", "phone"],
    ["shark", "beach", "florida", "swimmer", "attack"],
    ["volcano", "iceland", "eruption", "ash", "flights"],
    ["senator", "election", "ballots", "recount", "county"],
    ["museum", "painting", "theft", "louvre", "guards"],
    ["comet", "probe", "landing", "scientists", "orbit"],
]
LABELS = ("agree", "disagree", "discuss", "unrelated")
UNRELATED = 3
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


def pair_model(features: dict, recs: list[dict[str, str]], y: np.ndarray) -> Pipeline:
    """The trainer's pipeline (features + logistic regression) on pair features."""
    return build_pipeline(features, C=1.0).fit(recs, y)


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
def test_fast_path_equals_pair_pipeline(features: dict) -> None:
    recs, y = fnc_like()
    if features.get("per_target_min", 30) < len(recs):  # a claim with enough pairs gets its own block
        recs = [dict(r, target="One shared claim") if i % 3 == 0 else r for i, r in enumerate(recs)]
    pipe = pair_model(features, recs, y)
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
    fast = FastPath(pair_model(FNC, recs, y), text_cache=2)
    part = next(p for p in fast.parts if isinstance(p, PairPart))
    for r in recs:  # grouped by body: one miss per body
        fast.proba(r)
    assert part._texts.cache_info().misses == 4
    assert part._texts.cache_info().currsize == 2  # bounded
    fast.cache_clear()
    assert part._texts.cache_info().currsize == 0


@pytest.mark.parametrize("bits", [1, 4, 12, 18])
def test_hashed_columns_are_feature_hashers(bits: int) -> None:
    terms = ["x:nato|deni", "t:über", "c:fake|hoax", "", "t:日本", *(f"t:{i}" for i in range(200))]
    X = FeatureHasher(2**bits, input_type="string", alternate_sign=False).transform([[t] for t in terms])
    assert [int(X[i].indices[0]) for i in range(len(terms))] == [hashed_column(t, 2**bits) for t in terms]


def test_pair_pipeline_pickles_and_scores_the_same() -> None:
    recs, y = fnc_like()
    pipe = pair_model(FNC, recs, y)
    again = pickle.loads(pickle.dumps(pipe))
    assert np.array_equal(again.predict_proba(recs), pipe.predict_proba(recs))


def test_scorer_scores_a_pair_model_with_reason_words() -> None:
    recs, y = fnc_like()
    out = Scorer(pair_model(CONFIGS[3], recs, y)).score(recs[1])
    assert out["label"] in {str(i) for i in range(len(LABELS))}
    assert abs(sum(out["probabilities"].values()) - 1.0) < 1e-12
    assert out["reasons"] and all(isinstance(w, str) for w in out["reasons"])
