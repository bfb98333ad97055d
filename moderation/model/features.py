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
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import MaxAbsScaler
from sklearn.utils.validation import check_is_fitted

from moderation.text import STOP_WORDS, normalize, stem, tokenize, tokens_as_written

_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_URL = re.compile(r"https?://\S+")


def _split_hashtag(match: re.Match[str]) -> str:
    # Keep the tag itself (a strong cue) and add its words, so #HillaryForPrison meets "prison".
    return f"#{match.group(1)} {' '.join(_CAMEL.findall(match.group(1)))}"


@lru_cache(maxsize=20_000)
def prepare_text(text: str) -> str:
    """Normalised text with URLs reduced to a token and camel-case hashtags split into words."""
    return _HASHTAG.sub(_split_hashtag, _URL.sub(" http ", normalize(text)))


def prepare_lower(text: str) -> str:
    """`prepare_text`, lower-cased: the character n-grams' input."""
    return prepare_text(text).lower()


def tweet_tokens(text: str) -> list[str]:
    """NLTK TweetTokenizer tokens, lower-cased except emoticons: ``moderation.text.tokenize``."""
    return tokenize(text)


@lru_cache(maxsize=20_000)
def stemmed_words(text: str) -> tuple[str, ...]:
    """Tweet tokens (lower-cased) reduced to Snowball stems; punctuation and emoticons kept as tokens.

    Memoised: cross-validation meets the same texts in every fold.
    """
    return tuple(stem(t) for t in tweet_tokens(text))


def readable(text: str, grams: Sequence[str], k: int) -> list[str]:
    """The first ``k`` of the stemmed word n-grams ``grams`` as the comment wrote them (its tokens, its case).

    N-grams of stop words alone, or starting or ending with punctuation, are left out: a reason is a word or
    phrase a person can read.
    """
    written = tokens_as_written(prepare_text(text))
    stems = [stem(t.lower()) for t in written]
    out: list[str] = []
    for gram in grams:
        parts = gram.split(" ")
        n = len(parts)
        for i in range(len(stems) - n + 1):
            if stems[i:i + n] == parts:
                words = written[i:i + n]
                if _readable(words) and " ".join(words) not in out:
                    out.append(" ".join(words))
                break
        if len(out) >= k:
            break
    return out


def _readable(words: list[str]) -> bool:
    """Not stop words alone, and neither starting nor ending with punctuation."""
    def word(t: str) -> bool:
        return any(ch.isalnum() for ch in t)

    return word(words[0]) and word(words[-1]) and not all(t.lower() in STOP_WORDS or not word(t) for t in words)


class TextOf(TransformerMixin, BaseEstimator):
    """Pick one string field of each record (``field="text"`` by default), optionally cut to ``limit`` chars."""

    def __init__(self, field: str = "text", limit: int | None = None) -> None:
        self.field = field
        self.limit = limit

    def fit(self, records: Sequence[Mapping[str, Any]], y: object = None) -> TextOf:
        """Nothing to learn."""
        return self

    def transform(self, records: Sequence[Mapping[str, Any]]) -> list[str]:
        """The field's string of each record ('' when missing), its first ``limit`` characters when set."""
        return [str(r.get(self.field) or "")[: self.limit] for r in records]


class UniqueTfidf(TfidfVectorizer):
    """A ``TfidfVectorizer`` that analyses each distinct document once (the same matrix, vocabulary and idf).

    Training data repeat texts (FNC-1 puts each article under dozens of headlines; reposts; per-claim copies):
    the counts of the distinct documents are computed and their rows repeated, so document frequencies, ``min_df``
    and every row are exactly those of counting each document.
    """

    def _count_vocab(self, raw_documents: Any, fixed_vocab: bool) -> tuple[Any, sp.csr_matrix]:
        docs = list(raw_documents)
        where: dict[str, int] = {}
        inverse = np.fromiter((where.setdefault(d, len(where)) for d in docs), dtype=np.int64, count=len(docs))
        if len(where) == len(docs):
            return super()._count_vocab(docs, fixed_vocab)
        vocabulary, X = super()._count_vocab(list(where), fixed_vocab)
        return vocabulary, X[inverse]


def word_vectorizer(ngram_range: tuple[int, int] = (1, 3), min_df: int = 1) -> TfidfVectorizer:
    """Stemmed word n-grams, sublinear TF-IDF."""
    return UniqueTfidf(preprocessor=prepare_text, tokenizer=stemmed_words, token_pattern=None,
                           lowercase=False, ngram_range=ngram_range, min_df=min_df, sublinear_tf=True,
                           dtype=np.float64)


def char_vectorizer(ngram_range: tuple[int, int] = (2, 5), min_df: int = 2) -> TfidfVectorizer:
    """Character n-grams inside word boundaries, sublinear TF-IDF."""
    return UniqueTfidf(analyzer="char_wb", preprocessor=prepare_lower, lowercase=False,
                           ngram_range=ngram_range, min_df=min_df, sublinear_tf=True, dtype=np.float64)


class ClaimConditioned(TransformerMixin, BaseEstimator):
    """Shared features plus, for each well-labelled target, a copy of some steps' columns ("frustratingly easy"
    domain adaptation).

    A linear model on top learns weights shared by every claim and, for each of the (at most ``max_targets``
    largest) targets with at least ``min_count`` training records, weights of its own over the columns of the
    union steps named in ``blocks`` (the word n-grams by default: per-target n-gram cross terms). A target with
    fewer (or none, at scoring time) gets only the shared block: target-independent evidence covers it.
    With ``prior``, each such target also gets a column of its own that is 1 on its rows (after every block):
    its own class prior, so the model's intercept speaks for the targets it has not seen.
    """

    def __init__(self, features: Any = None, min_count: int = 30, shared_weight: float = 1.0,
                 blocks: tuple[str, ...] | None = ("word",), max_targets: int = 50, prior: bool = False) -> None:
        self.features = features
        self.min_count = min_count
        self.shared_weight = shared_weight
        self.blocks = blocks
        self.max_targets = max_targets
        self.prior = prior

    def fit(self, records: Sequence[Mapping[str, Any]], y: object = None) -> ClaimConditioned:
        """Fit the inner features and pick the targets (and the columns) that get their own block."""
        self._take(records, clone(self.features).fit(records, y))
        return self

    def fit_transform(self, records: Sequence[Mapping[str, Any]], y: object = None, **_: Any) -> sp.csr_matrix:
        """``fit(records).transform(records)`` (equal to ~1e-15: the tf-idf normalises in another order), the
        inner features computed once: training's rows are analysed one time, not twice (FNC-1's 13k related
        pairs: a long article's analysis takes milliseconds)."""
        inner = clone(self.features)
        X = inner.fit_transform(records, y)
        self._take(records, inner)
        return self._expand(X, records)

    def _take(self, records: Sequence[Mapping[str, Any]], fitted: Any) -> None:
        """Keep the fitted inner features; pick the targets with a block and the columns they copy."""
        counts = Counter(str(r.get("target") or "") for r in records)
        known = sorted((t for t, n in counts.items() if t and n >= self.min_count), key=lambda t: (-counts[t], t))
        self.targets_ = sorted(known[: self.max_targets])
        self.features_ = fitted
        probe = list(records[:1])
        widths = [(name, step.transform(probe).shape[1]) for name, step in self.features_.transformer_list]
        self.n_base_ = sum(w for _, w in widths)
        offsets = np.cumsum([0] + [w for _, w in widths])
        keep = [np.arange(offsets[i], offsets[i + 1]) for i, (name, _) in enumerate(widths)
                if self.blocks is None or name in self.blocks]
        self.block_columns_ = np.concatenate(keep) if keep else np.zeros(0, dtype=np.int64)
        self.block_map_ = np.full(self.n_base_, -1, dtype=np.int64)
        self.block_map_[self.block_columns_] = np.arange(len(self.block_columns_))

    def target_index(self, target: str) -> int:
        """Block of a target (-1: shared block only)."""
        check_is_fitted(self, "targets_")
        try:
            return self.targets_.index(target)
        except ValueError:
            return -1

    @property
    def prior_start_(self) -> int | None:
        """The first of the per-target prior columns (one per target in ``targets_`` order); None without."""
        check_is_fitted(self, "targets_")
        if not getattr(self, "prior", False):  # models pickled before the prior columns
            return None
        return self.n_base_ + len(self.block_columns_) * len(self.targets_)

    def transform(self, records: Sequence[Mapping[str, Any]]) -> sp.csr_matrix:
        """Rows of [shared * shared_weight | block of target 0 | block of target 1 | ... | priors]."""
        check_is_fitted(self, "features_")
        return self._expand(self.features_.transform(records), records)

    def _expand(self, inner: Any, records: Sequence[Mapping[str, Any]]) -> sp.csr_matrix:
        X = sp.csr_matrix(inner, dtype=np.float64)
        n, d = X.shape
        b = len(self.block_columns_)
        lookup = {t: i for i, t in enumerate(self.targets_)}
        block = np.array([lookup.get(str(r.get("target") or ""), -1) for r in records], dtype=np.int64)
        rows = np.repeat(np.arange(n), np.diff(X.indptr))
        where = self.block_map_[X.indices]
        keep = (block[rows] >= 0) & (where >= 0)
        width = d + b * len(self.targets_)
        data = [X.data * self.shared_weight, X.data[keep]]
        at = [rows, rows[keep]]
        cols = [X.indices, d + block[rows[keep]] * b + where[keep]]
        if getattr(self, "prior", False):
            known = np.flatnonzero(block >= 0)
            data.append(np.ones(len(known)))
            at.append(known)
            cols.append(width + block[known])
            width += len(self.targets_)
        coo = sp.coo_matrix((np.concatenate(data), (np.concatenate(at), np.concatenate(cols))), shape=(n, width))
        return coo.tocsr()


def build_features(*, word: bool = True, char: bool = True, pair: bool = False,
                   word_ngrams: tuple[int, int] = (1, 3), word_min_df: int = 1, char_ngrams: tuple[int, int] = (2, 5),
                   char_min_df: int = 2, char_limit: int | None = None, per_target_min: int = 30,
                   shared_weight: float = 1.0, blocks: tuple[str, ...] | None = None, max_targets: int = 50,
                   pair_article: bool = True, pair_params: Mapping[str, Any] | None = None,
                   semantic: float = 0.0, claim_semantic: float = 0.0, target_prior: bool = False,
                   ) -> ClaimConditioned:
    """The feature step of every model: records in, one sparse row per record out.

    ``pair_params`` are further :class:`~moderation.model.pair.PairFeatures` parameters (``top_k``, ``terms``,
    ``hash_bits``). ``semantic`` > 0 adds the text's static sentence vector with that weight
    (:class:`~moderation.model.semantic.Semantic`); ``claim_semantic`` > 0 the text's and the claim's vectors
    combined as [u, v, u*v, |u-v|] (:class:`~moderation.model.semantic.ClaimSemantic`). ``blocks`` names the
    steps copied per known target (None: all); ``target_prior`` gives each known target its own prior column.
    ``char_limit`` cuts the character n-grams' input.
    """
    steps: list[tuple[str, Any]] = []
    if word:
        steps.append(("word", Pipeline([("text", TextOf()), ("tfidf", word_vectorizer(word_ngrams, word_min_df))])))
    if char:
        steps.append(("char", Pipeline([("text", TextOf(limit=char_limit)),
                                        ("tfidf", char_vectorizer(char_ngrams, char_min_df))])))
    if pair:
        from moderation.model.pair import PairFeatures

        pair_features = PairFeatures(article=pair_article, **dict(pair_params or {}))
        steps.append(("pair", Pipeline([("features", pair_features), ("scale", MaxAbsScaler())])))
    if semantic:
        from moderation.model.semantic import Semantic

        steps.append(("semantic", Semantic(weight=semantic)))
    if claim_semantic:
        from moderation.model.semantic import ClaimSemantic

        steps.append(("claim_semantic", ClaimSemantic(weight=claim_semantic)))
    if not steps:
        raise ValueError("build_features needs at least one of word, char, pair, semantic, claim_semantic")
    return ClaimConditioned(FeatureUnion(steps), min_count=per_target_min, shared_weight=shared_weight,
                            blocks=blocks, max_targets=max_targets, prior=target_prior)
