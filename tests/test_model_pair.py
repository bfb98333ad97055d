"""Pair features: reusable similarity functions, cue detection, the PairFeatures estimator contract."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone

from moderation.model.pair import PairFeatures
from moderation.model.similarity import (
    bigrams,
    content_stems,
    cosine,
    coverage,
    cue_counts,
    cues_near,
    jaccard,
    split_sentences,
    tfidf_weights,
)

CLAIM = "Japan should strengthen its ties with NATO"
RECORDS = [
    {"text": "Japan should strengthen its ties with NATO.", "target": CLAIM, "title": CLAIM, "body": ""},
    {"text": "The NATO story is a hoax. Japan denied any plan to join.", "target": CLAIM, "title": CLAIM,
     "body": "Kishida met NATO leaders in Vilnius."},
    {"text": "Bananas are yellow and sweet.", "target": CLAIM, "title": CLAIM, "body": ""},
    {"text": "Reportedly, Japan may open a NATO office in Tokyo?", "target": CLAIM, "title": "", "body": ""},
]


def column(features: PairFeatures, X: np.ndarray, name: str) -> np.ndarray:
    return X[:, list(features.get_feature_names_out()).index(name)]


def test_identical_text_has_cosine_one_and_disjoint_zero() -> None:
    features = PairFeatures().fit(RECORDS)
    X = features.transform(RECORDS)
    cos = column(features, X, "target_cos")
    assert cos[0] == pytest.approx(1.0)
    assert cos[2] == 0.0
    assert column(features, X, "target_jaccard")[0] == pytest.approx(1.0)
    assert column(features, X, "target_cov")[2] == 0.0


def test_refuting_and_hedging_words_are_detected() -> None:
    features = PairFeatures().fit(RECORDS)
    X = features.transform(RECORDS)
    assert column(features, X, "text_refute")[1] > 0
    assert column(features, X, "text_refute")[0] == 0
    assert column(features, X, "target_top_refute")[1] > 0
    assert column(features, X, "target_refute_near_shared")[1] > 0
    assert column(features, X, "text_hedge")[3] > 0
    assert column(features, X, "text_qmark")[3] == 1.0


def test_shape_names_and_finite_values() -> None:
    for params in ({}, {"article": False}, {"top_k": 1}):
        features = PairFeatures(**params).fit(RECORDS)
        X = features.transform(RECORDS)
        assert X.shape == (len(RECORDS), len(features.get_feature_names_out()))
        assert np.isfinite(X).all()


def test_hashed_terms_give_sparse_rows_after_the_dense_block() -> None:
    features = PairFeatures(article=False, terms=("x", "c", "t"), hash_bits=10).fit(RECORDS)
    X = features.transform(RECORDS)
    assert sp.issparse(X)
    assert X.shape == (len(RECORDS), features.n_dense_ + 2**10)
    dense = PairFeatures(article=False).fit(RECORDS).transform(RECORDS)
    np.testing.assert_allclose(X[:, : features.n_dense_].toarray(), dense)
    assert X[1, features.n_dense_ :].nnz > 0


@pytest.mark.parametrize("params", [{}, {"article": False, "top_k": 2}, {"terms": ("c",), "hash_bits": 8}])
def test_pickle_round_trip_gives_the_same_rows(params: dict) -> None:
    features = PairFeatures(**params).fit(RECORDS)
    loaded = pickle.loads(pickle.dumps(features))
    a, b = features.transform(RECORDS), loaded.transform(RECORDS)
    if sp.issparse(a):
        a, b = a.toarray(), b.toarray()
    np.testing.assert_array_equal(a, b)
    assert clone(features).get_params() == features.get_params()


def test_transform_before_fit_is_refused() -> None:
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        PairFeatures().transform(RECORDS)


def test_one_record_equals_its_row_in_a_batch() -> None:
    features = PairFeatures().fit(RECORDS)
    np.testing.assert_array_equal(features.transform(RECORDS[1:2])[0], features.transform(RECORDS)[1])


def test_plain_functions() -> None:
    assert jaccard(["a", "b"], ["b", "c"]) == pytest.approx(1 / 3)
    assert jaccard([], []) == 0.0
    assert coverage(["a", "b"], ["a"]) == 0.5
    assert coverage(["a", "b"], ["a"], {"a": 3.0, "b": 1.0}) == 0.75
    assert cosine({"a": 1.0}, {"a": 2.0}) == pytest.approx(1.0)
    assert cosine({"a": 1.0}, {"b": 1.0}) == 0.0
    assert cosine({}, {"a": 1.0}) == 0.0
    assert tfidf_weights(["a", "a", "z"], {"a": 2.0, "b": 5.0}) == {"a": 4.0, "z": 5.0}
    assert bigrams(["a", "b", "c"]) == {("a", "b"), ("b", "c")}
    assert content_stems("The ties with NATO") == ["tie", "nato"]
    assert split_sentences("One. Two!\nThree") == ["One.", "Two!", "Three"]
    assert cue_counts(["it", "is", "a", "hoax", "reportedly"])["refute"] == 1
    assert cues_near(["nato", "is", "not", "real"], {"nato"}, frozenset({"not"}), window=2) == 1
    assert cues_near(["nato", "a", "b", "c", "not"], {"nato"}, frozenset({"not"}), window=2) == 0


def test_thread_cache_is_reused_bounded_and_not_pickled() -> None:
    features = PairFeatures().fit(RECORDS)
    first = features.transform(RECORDS)
    assert features._threads
    np.testing.assert_array_equal(features.transform(RECORDS), first)
    assert "_threads" not in pickle.loads(pickle.dumps(features)).__dict__
    features.fit(RECORDS[:2])
    assert "_threads" not in features.__dict__


def test_a_large_transform_shared_out_to_processes_is_the_one_process_matrix() -> None:
    from moderation.labelling.owntext import PARALLEL_FROM

    records = [{**r, "text": f"{r['text']} Item {k} of {k % 97} says more."}
               for k in range(PARALLEL_FROM + 10) for r in RECORDS[k % len(RECORDS):][:1]]
    pf = PairFeatures(terms=("x", "c", "t"), hash_bits=12).fit(records)
    shared, alone = pf.transform(records), pf._transform(records)
    assert shared.shape == alone.shape == (len(records), pf.n_dense_ + 2**12)
    assert (shared != alone).nnz == 0
