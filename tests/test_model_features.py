"""The shared feature pipeline: tokens, claim blocks, pickle round-trips of every configuration."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from moderation.model.features import ClaimConditioned, build_features, prepare_text, tweet_tokens
from moderation.text import tokenize
from tests.test_model_data import make_dataset, records_and_labels

CONFIGS = [{}, {"char": False}, {"word": False}, {"pair": True}, {"per_target_min": 1000},
           {"word_ngrams": (1, 2), "char_ngrams": (3, 4), "shared_weight": 0.5}]


@pytest.mark.parametrize("text", ["Hello WORLD :D #HandOverTheServer", "soooo goood!!! :-P", "", "NATO's 'ties'"])
def test_tweet_tokens_match_moderation_text(text: str) -> None:
    assert tweet_tokens(text) == tokenize(text)


def test_prepare_text_splits_camel_case_hashtags() -> None:
    assert prepare_text("#HillaryForPrison now") == "#HillaryForPrison Hillary For Prison now"


@pytest.mark.parametrize("config", CONFIGS)
def test_pickle_round_trip_gives_the_same_rows(config: dict) -> None:
    recs, y = records_and_labels(make_dataset(40))
    feats = build_features(**config).fit(recs, y)
    again = pickle.loads(pickle.dumps(feats))
    a, b = feats.transform(recs), again.transform(recs)
    assert a.shape == b.shape
    assert np.array_equal(a.toarray(), b.toarray())


def test_claim_blocks_copy_the_shared_block_for_known_targets_only() -> None:
    recs, y = records_and_labels(make_dataset(60))
    feats = build_features(char=False, per_target_min=10).fit(recs, y)
    assert isinstance(feats, ClaimConditioned)
    assert feats.targets_ == sorted({r["target"] for r in recs})
    unseen = dict(recs[0], target="a claim nobody labelled")
    X = feats.transform([recs[0], unseen]).toarray()
    d = feats.n_base_
    assert X.shape[1] == d * 3
    k = feats.target_index(recs[0]["target"])
    assert np.array_equal(X[0, :d], X[0, (k + 1) * d:(k + 2) * d])
    assert not X[1, d:].any()
    assert np.array_equal(X[0, :d], X[1, :d])


def test_target_prior_columns_are_one_on_a_known_targets_rows_only() -> None:
    recs, y = records_and_labels(make_dataset(60))
    feats = build_features(char=False, per_target_min=10, target_prior=True).fit(recs, y)
    unseen = dict(recs[0], target="a claim nobody labelled")
    X = feats.transform([recs[0], unseen]).toarray()
    start = feats.prior_start_
    assert start == feats.n_base_ * 3 and X.shape[1] == start + 2
    k = feats.target_index(recs[0]["target"])
    assert X[0, start + k] == 1.0 and X[0, start:].sum() == 1.0
    assert not X[1, start:].any()
    assert build_features(char=False, per_target_min=10).fit(recs, y).prior_start_ is None


def test_build_features_needs_a_step() -> None:
    with pytest.raises(ValueError, match="at least one"):
        build_features(word=False, char=False)


@pytest.mark.parametrize("kwargs", [{"min_df": 2}, {"ngram_range": (1, 2), "sublinear_tf": True},
                                    {"analyzer": "char_wb", "ngram_range": (2, 4), "min_df": 2}])
def test_unique_tfidf_gives_the_plain_vectorizers_matrix_on_repeated_texts(kwargs: dict) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from moderation.model.features import UniqueTfidf

    docs = ["aa bb cc", "bb cc dd", "aa bb cc", "xx yy", "bb cc dd", "zz"] * 3 + ["only once here"]
    plain, unique = TfidfVectorizer(**kwargs), UniqueTfidf(**kwargs)
    a, b = plain.fit_transform(docs), unique.fit_transform(docs)
    assert plain.vocabulary_ == unique.vocabulary_ and np.array_equal(plain.idf_, unique.idf_)
    assert (a != b).nnz == 0 and (plain.transform(docs[::-1]) != unique.transform(docs[::-1])).nnz == 0
