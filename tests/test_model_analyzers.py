"""The fast path's analysis counts exactly the n-grams of the fitted vectorizers' own analyzers."""

from __future__ import annotations

from collections import Counter

import pytest

from moderation.model.analyzers import Analyzer
from moderation.model.features import char_vectorizer, word_vectorizer

CORPUS = ["Japan should join NATO :-) #StandWithUkraine", "no no NO!!! never\u00a0ever", "a b c",
          "I  can't\tagree\n\nwith  https://example.com/x?y=1 at all", "ok", "", "   ",
          "Ｆｕｌｌｗｉｄｔｈ “quotes” — and ellipsis… #CamelCaseTag @handle", "x y"]


@pytest.mark.parametrize("vectorizer", [word_vectorizer((1, 3)), word_vectorizer((2, 2)), char_vectorizer((2, 5), 1),
                                        char_vectorizer((4, 6), 1)], ids=["word13", "word22", "char25", "char46"])
def test_columns_equal_the_vectorizer_analyzer(vectorizer: object) -> None:
    fitted = vectorizer.fit(CORPUS)
    analyzer = Analyzer(fitted)
    assert analyzer.kind in {"word", "char_wb"}
    analyze, vocab = fitted.build_analyzer(), fitted.vocabulary_
    for text in [*CORPUS, "JAPAN should JOIN", "unseen zzz words", "a"]:
        expected = Counter(vocab[t] for t in analyze(text) if t in vocab)
        memo: dict = {}
        assert Counter(analyzer.columns(text, memo).tolist()) == expected
        assert Counter(analyzer.columns(text, memo).tolist()) == expected  # again, from the memo and word cache


def test_other_configurations_use_their_own_analyzer() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    fitted = TfidfVectorizer(ngram_range=(1, 2)).fit(CORPUS)
    analyzer = Analyzer(fitted)
    assert analyzer.kind == "generic"
    vocab = fitted.vocabulary_
    assert Counter(analyzer.columns("Japan should join", {}).tolist()) == Counter(
        vocab[t] for t in fitted.build_analyzer()("Japan should join") if t in vocab)
