"""The one feature pipeline shared by the trainer and the service: word + char TF-IDF, pair features, per-claim blocks.

A record is ``{"text", "target", "title", "body"}``. :func:`build_features` returns a
:class:`ClaimConditioned` step around a ``FeatureUnion`` with stable step names ``word``, ``char`` and
(optionally) ``pair`` and ``semantic``. Everything here is importable by name, so fitted pipelines pickle and
load anywhere.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import MaxAbsScaler
from sklearn.utils.validation import check_is_fitted

from moderation.text import normalize, stem, tokenize

_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_URL = re.compile(r"https?://\S+")


def _split_hashtag(match: re.Match[str]) -> str:
    # Keep the tag itself (a strong cue) and add its words, so #HillaryForPrison meets "prison".
    return f"#{match.group(1)} {' '.join(_CAMEL.findall(match.group(1)))}"


def prepare_text(text: str) -> str:
    """Normalised text with URLs reduced to a token and camel-case hashtags split into words."""
    return _HASHTAG.sub(_split_hashtag, _URL.sub(" http ", normalize(text)))


def prepare_lower(text: str) -> str:
    """`prepare_text`, lower-cased: the character n-grams' input."""
    return prepare_text(text).lower()


def tweet_tokens(text: str) -> list[str]:
    """NLTK TweetTokenizer tokens, lower-cased except emoticons: ``moderation.text.tokenize``."""
    return tokenize(text)


def stemmed_words(text: str) -> list[str]:
    """Tweet tokens (lower-cased) reduced to Snowball stems; punctuation and emoticons kept as tokens."""
    return [stem(t) for t in tweet_tokens(text)]


class TextOf(TransformerMixin, BaseEstimator):
    """Pick one string field of each record (``field="text"`` by default)."""

    def __init__(self, field: str = "text") -> None:
        self.field = field

    def fit(self, records: Sequence[Mapping[str, Any]], y: object = None) -> TextOf:
        """Nothing to learn."""
        return self

    def transform(self, records: Sequence[Mapping[str, Any]]) -> list[str]:
        """The field's string of each record ('' when missing)."""
        return [str(r.get(self.field) or "") for r in records]


def word_vectorizer(ngram_range: tuple[int, int] = (1, 3), min_df: int = 1) -> TfidfVectorizer:
    """Stemmed word n-grams, sublinear TF-IDF."""
    return TfidfVectorizer(preprocessor=prepare_text, tokenizer=stemmed_words, token_pattern=None,
                           lowercase=False, ngram_range=ngram_range, min_df=min_df, sublinear_tf=True,
                           dtype=np.float64)


def char_vectorizer(ngram_range: tuple[int, int] = (2, 5), min_df: int = 2) -> TfidfVectorizer:
    """Character n-grams inside word boundaries, sublinear TF-IDF."""
    return TfidfVectorizer(analyzer="char_wb", preprocessor=prepare_lower, lowercase=False,
                           ngram_range=ngram_range, min_df=min_df, sublinear_tf=True, dtype=np.float64)


class ClaimConditioned(TransformerMixin, BaseEstimator):
    """Shared features plus a copy per well-labelled target ("frustratingly easy" domain adaptation).

    A linear model on top learns weights shared by every claim and, for each target with at least
    ``min_count`` training records, weights of its own. A target with fewer (or none, at scoring time)
    gets only the shared block: the pooled model covers it.
    """

    def __init__(self, features: Any = None, min_count: int = 30, shared_weight: float = 1.0) -> None:
        self.features = features
        self.min_count = min_count
        self.shared_weight = shared_weight

    def fit(self, records: Sequence[Mapping[str, Any]], y: object = None) -> ClaimConditioned:
        """Fit the inner features and pick the targets that get their own block."""
        counts = Counter(str(r.get("target") or "") for r in records)
        self.targets_ = sorted(t for t, n in counts.items() if t and n >= self.min_count)
        self.features_ = clone(self.features).fit(records, y)
        self.n_base_ = self.features_.transform(list(records[:1])).shape[1]
        return self

    def target_index(self, target: str) -> int:
        """Block of a target (-1: shared block only)."""
        check_is_fitted(self, "targets_")
        try:
            return self.targets_.index(target)
        except ValueError:
            return -1

    def transform(self, records: Sequence[Mapping[str, Any]]) -> sp.csr_matrix:
        """Rows of [shared * shared_weight | block of target 0 | block of target 1 | ...]."""
        check_is_fitted(self, "features_")
        X = sp.csr_matrix(self.features_.transform(records), dtype=np.float64)
        n, d = X.shape
        lookup = {t: i for i, t in enumerate(self.targets_)}
        block = np.array([lookup.get(str(r.get("target") or ""), -1) for r in records], dtype=np.int64)
        rows = np.repeat(np.arange(n), np.diff(X.indptr))
        keep = block[rows] >= 0
        coo = sp.coo_matrix(
            (np.concatenate([X.data * self.shared_weight, X.data[keep]]),
             (np.concatenate([rows, rows[keep]]),
              np.concatenate([X.indices, X.indices[keep] + (block[rows[keep]] + 1) * d]))),
            shape=(n, d * (len(self.targets_) + 1)))
        return coo.tocsr()


def build_features(*, word: bool = True, char: bool = True, pair: bool = False,
                   word_ngrams: tuple[int, int] = (1, 3), char_ngrams: tuple[int, int] = (2, 5),
                   char_min_df: int = 2, per_target_min: int = 30, shared_weight: float = 1.0,
                   pair_article: bool = True, pair_params: Mapping[str, Any] | None = None,
                   semantic: float = 0.0) -> ClaimConditioned:
    """The feature step of every model: records in, one sparse row per record out.

    ``pair_params`` are further :class:`~moderation.model.pair.PairFeatures` parameters (``top_k``, ``terms``,
    ``hash_bits``). ``semantic`` > 0 adds the text's static sentence vector with that weight
    (:class:`~moderation.model.semantic.Semantic`).
    """
    steps: list[tuple[str, Any]] = []
    if word:
        steps.append(("word", Pipeline([("text", TextOf()), ("tfidf", word_vectorizer(word_ngrams))])))
    if char:
        steps.append(("char", Pipeline([("text", TextOf()),
                                        ("tfidf", char_vectorizer(char_ngrams, char_min_df))])))
    if pair:
        from moderation.model.pair import PairFeatures

        pair_features = PairFeatures(article=pair_article, **dict(pair_params or {}))
        steps.append(("pair", Pipeline([("features", pair_features), ("scale", MaxAbsScaler())])))
    if semantic:
        from moderation.model.semantic import Semantic

        steps.append(("semantic", Semantic(weight=semantic)))
    if not steps:
        raise ValueError("build_features needs at least one of word, char, pair, semantic")
    return ClaimConditioned(FeatureUnion(steps), min_count=per_target_min, shared_weight=shared_weight)
