"""Text normalisation and tokenisation shared by every part (no NLTK data downloads needed)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize import TweetTokenizer
from nltk.tokenize.casual import EMOTICON_RE

_TWEET = TweetTokenizer(preserve_case=True, reduce_len=True, strip_handles=False)
# EMOTICON_RE cannot match without an emoticon's eyes or a heart's "<": other tokens need no search.
_EMOTICON_CHARS = frozenset(":;=8<")
_STEMMER = SnowballStemmer("english")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2032": "'"})
_WORD = re.compile(r"\w", re.UNICODE)
# English function words: dropped from content terms (pair features, topics) and from reason words.
_STOP = (
    """
    a an the and or but if of at by for with about against between into through during before after above
    below to from up down in out on off over under again further then once here there when where why how all
    any both each few more most other some such only own same so than too very s t can will just should now
    i me my we our you your he him his she her it its they them their what which who whom this that these
    those am is are was were be been being have has had having do does did doing would could 's 'd 'll 're
    as also said says say one two new us mr mrs ms according
    """
)
STOP_WORDS = frozenset(_STOP.split())


def normalize(text: str) -> str:
    """NFKC, straight quotes, one space for any run of spaces (the scrape's NBSPs), trimmed lines."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()


@lru_cache(maxsize=4096)
def _written(text: str) -> tuple[str, ...]:
    # One TweetTokenizer pass per text: the model's analyzers and the reason words read the same text.
    return tuple(_TWEET.tokenize(text))


def tokenize(text: str) -> list[str]:
    """Lower-cased tokens from NLTK's TweetTokenizer (keeps hashtags, handles, emoticons)."""
    # NLTK's preserve_case=False, without its emoticon search of every token (a third of the cost).
    return [t if not _EMOTICON_CHARS.isdisjoint(t) and EMOTICON_RE.search(t) else t.lower()
            for t in _written(text)]


def tokens_as_written(text: str) -> list[str]:
    """NLTK's TweetTokenizer tokens with their case: ``tokenize`` gives the same tokens, lower-cased."""
    return list(_written(text))


@lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    """Snowball (Porter2) stem of one token, cached: the same words recur across comments."""
    return _STEMMER.stem(token)


def word_tokens(text: str) -> list[str]:
    """Tokens that contain a letter or digit (punctuation-only tokens dropped)."""
    return [t for t in tokenize(text) if _WORD.search(t)]


def word_tokens_as_written(text: str) -> list[tuple[str, str]]:
    """(``word_tokens``'s token, the same token as written) for each word token, in order."""
    return [(t, w) for t, w in zip(tokenize(text), _written(text), strict=True) if _WORD.search(t)]
