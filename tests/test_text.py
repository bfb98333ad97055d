"""Tokens: ``moderation.text.tokenize`` is NLTK's lower-casing TweetTokenizer, emoticons kept as written."""

from __future__ import annotations

import pytest
from nltk.tokenize import TweetTokenizer

NLTK = TweetTokenizer(preserve_case=False, reduce_len=True, strip_handles=False)


@pytest.mark.parametrize("text", [
    "Hello WORLD :D #HandOverTheServer @Someone", "soooo goood!!! :-P XD x-D", "", "NATO's 'ties' <3 </3",
    "B8D ABCD8 Do8 8-) 8) 8O ;-) =P =/ >:( :'( D:", "Über-CAFÉ İstanbul ＳＨＯＵＴ ：Ｄ ＜３", "Call 555-123-4567 now",
])
def test_tokenize_is_nltks_lower_casing_tokenizer(text: str) -> None:
    from moderation.text import tokenize

    assert tokenize(text) == NLTK.tokenize(text)
