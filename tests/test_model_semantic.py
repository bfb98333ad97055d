"""The static sentence vectors (moderation.model.semantic): the bundled table, its meaning, its block in a model."""

from __future__ import annotations

import hashlib
import pickle
import re

import numpy as np
import pytest

from moderation.model.features import build_features
from moderation.model.linear import build_pipeline
from moderation.model.semantic import BUNDLED, Semantic, StaticVectors, bundled
from tests.test_model_data import make_dataset, records_and_labels


def test_bundled_table_is_the_one_its_readme_names() -> None:
    readme = (BUNDLED / "README.md").read_text(encoding="utf-8")
    named = re.search(r"table \(model.safetensors\) sha256: ([0-9a-f]{64})", readme)
    assert named, readme
    assert hashlib.sha256((BUNDLED / "model.safetensors").read_bytes()).hexdigest() == named.group(1)
    assert "/tmp" not in (BUNDLED / "config.json").read_text(encoding="utf-8")


def test_vectors_are_unit_length_and_empty_text_is_zero() -> None:
    v = bundled()
    assert v.dim == 128
    for text in ("Japan must strengthen NATO ties", "lol", "Zürich — naïve café ☕"):
        assert abs(float(v.vector(text) @ v.vector(text)) - 1.0) < 1e-12
    assert not v.vector("").any() and not v.vector("   ").any()


def _cos(a: str, b: str) -> float:
    return float(bundled().vector(a) @ bundled().vector(b))


def test_similar_meaning_is_closer_than_shared_words() -> None:
    # No word in common, same meaning, against a sentence that shares words but not the topic.
    assert _cos("the army attacked the border", "soldiers invaded the frontier") > \
        _cos("the army attacked the border", "the bakery sold the bread")
    assert _cos("NATO alliance and military security", "defence pact against Russia") > \
        _cos("NATO alliance and military security", "the naira fell against the dollar")


def test_a_table_that_does_not_fit_the_tokenizer_is_refused() -> None:
    v = bundled()
    with pytest.raises(ValueError, match="does not fit a vocabulary"):
        StaticVectors(v.tokenizer_json, v.table[:-1])


def test_pickled_vectors_give_the_same_vector() -> None:
    v = pickle.loads(pickle.dumps(bundled()))
    text = "Russia has turned out to be a paper tiger"
    assert np.array_equal(v.vector(text), bundled().vector(text)) and v.sha256 == bundled().sha256


def test_semantic_block_in_the_features_and_a_pickled_model() -> None:
    recs, y = records_and_labels(make_dataset(90))
    feats = build_features(semantic=0.5).fit(recs, y)
    assert [name for name, _ in feats.features_.transformer_list] == ["word", "char", "semantic"]
    X = Semantic(weight=0.5).fit(recs).transform(recs[:3]).toarray()
    assert np.allclose(np.linalg.norm(X, axis=1), 0.5)
    pipe = build_pipeline({"semantic": 0.5}, C=0.5).fit(recs, y)
    again = pickle.loads(pickle.dumps(pipe))
    assert np.array_equal(again.predict_proba(recs), pipe.predict_proba(recs))


def test_word_by_word_pieces_are_the_tokenizers_own() -> None:
    v = bundled()
    for text in ("Hillary will be a great president, I'm sure of it #SemST", "Zürich naïve café — don't!! :)",
                 "snake_case_words and 2016-07-08", "ｆｕｌｌ width 中文 text"):
        assert v.pieces(text) == [i for i in v.tokenizer.encode(text, add_special_tokens=False).ids if i != v.unk]
