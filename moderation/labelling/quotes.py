"""Quote segmentation: the spans of a comment that reproduce the article or an earlier comment.

Matching is on word 4-grams (case, spacing, curly quotes and punctuation do not matter), so a quote cut
mid-sentence or lightly edited (a word dropped or changed in a long quote) is still found. Each span is
attributed to the source that holds most of its 4-grams, the earliest on a tie: the article first, then
comments in thread order, so a quote of a quote goes back to where the words were first written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from functools import lru_cache

from moderation.verdict import Quote

NGRAM = 4
MIN_PARTIAL = 6  # a quote that is only part of a line needs this many words; a whole line needs NGRAM
MIN_COVERED = 0.9  # a span bridged over edited words must still match on 9 words in 10
SHORT_SPAN = 10  # below this many words a span must match without gaps
MAX_GAP = 2
RECURRING = 2  # a short span every 4-gram of which this many comments wrote as their own is boilerplate
ARTICLE = "article"
Token = tuple[str, int, int]  # (folded token, start, end)
_TOKEN = re.compile(r"\w+(?:['\u2019]\w+)*", re.UNICODE)
_OPENERS = " \t>\"'\u201c\u2018\u00ab(*-"
_CLOSERS = ".,;:!?\u2026\"'\u201d\u2019\u00bb)*"
# A quote header as the page renders it: "JJEToday  07:29 am JST", "@badhairct:".
_HEADER = re.compile(r"^\s*(?:@[\w.\-]+:?|\S.{0,60}?\d{1,2}:\d{2}\s*[ap]m\s*JST|\S.{0,60}?\bwrote:)\s*$",
                     re.IGNORECASE)


def tokens(text: str) -> list[Token]:
    """Word tokens of the text as (folded token, start, end) with offsets into the original text."""
    return list(token_tuple(text))


@lru_cache(maxsize=4096)
def token_tuple(text: str) -> tuple[Token, ...]:
    """`tokens` as a tuple, memoised: one text is tokenised by the quote index, the own-text check and the dup key."""
    return tuple((_fold(m.group()), m.start(), m.end()) for m in _TOKEN.finditer(text))


_NO_SOURCE: tuple[int, ...] = ()


def _ngrams(toks: Sequence[Token]) -> Iterator[tuple[str, ...]]:
    """The folded words' NGRAM-grams, in order (the keys of QuoteIndex._grams)."""
    words = [t for t, _, _ in toks]
    return zip(*(words[k:] for k in range(NGRAM)), strict=False)


def _fold(token: str) -> str:
    if token.isascii():
        return token.lower()  # NFKC leaves ASCII as it is, and it has no U+2019
    return unicodedata.normalize("NFKC", token).lower().replace("\u2019", "'")


class QuoteIndex:
    """The article and the earlier comments of one thread, indexed by word 4-grams."""

    def __init__(self) -> None:
        self.sources: list[str] = []
        self.texts: dict[str, str] = {}
        self._grams: dict[tuple[str, ...], list[int]] = {}

    def __contains__(self, source: str) -> bool:
        return source in self.sources

    @classmethod
    def for_thread(cls, title: str, body: str) -> QuoteIndex:
        """An index holding the thread's article (title and body) as the source ARTICLE."""
        index = cls()
        index.add(ARTICLE, f"{title}\n\n{body}")
        return index

    def add(self, source: str, text: str, quotes: list[Quote] | None = None) -> None:
        """Index one source (ARTICLE or a comment id) in thread order; its own quotes point to their origin."""
        ordinal = len(self.sources)
        self.sources.append(source)
        self.texts[source] = text
        toks = token_tuple(text)
        origin = {q.source: self.sources.index(q.source) for q in quotes or () if q.source in self.sources}
        spans = [(q.start, q.end, origin[q.source]) for q in quotes or () if q.source in origin]
        grams = self._grams
        if not spans:  # most comments: every 4-gram is this source's, the newest (largest) ordinal of any list
            for gram in _ngrams(toks):
                hits = grams.get(gram)
                if hits is None:
                    grams[gram] = [ordinal]
                elif hits[-1] != ordinal:
                    hits.append(ordinal)
            return
        for i, gram in enumerate(_ngrams(toks)):
            # 4-grams inside a quote of this comment belong to the quote's source: a quote of a quote is
            # attributed to where the words were first written.
            start, end = toks[i][1], toks[i + NGRAM - 1][2]
            owner = next((o for lo, hi, o in spans if lo <= start and end <= hi), ordinal)
            hits = grams.get(gram)
            if hits is None:
                grams[gram] = [owner]
            elif owner not in hits:
                hits.append(owner)

    def find(self, text: str) -> list[Quote]:
        """The quoted spans of a comment; none when the whole comment is a copy (that is a duplicate)."""
        quotes = self.spans(text)
        if quotes and not token_tuple(own_text(text, quotes)):
            return []
        return quotes

    def sources_of(self, text: str) -> list[str]:
        """Every indexed source that holds one of the text's 4-grams, in index order."""
        get = self._grams.get
        found = {s for gram in _ngrams(token_tuple(text)) for s in get(gram, ())}
        return [self.sources[s] for s in sorted(found)]

    def spans(self, text: str) -> list[Quote]:
        """Every span of the text that reproduces an indexed source, even when they leave no own text."""
        toks = token_tuple(text)
        get = self._grams.get
        # The sources of each 4-gram: the index's own list (each source once, in index order; read, never changed
        # here, and not copied: a comment of a long thread has hundreds of 4-grams), () where no source holds it.
        grams = [get(gram) or _NO_SOURCE for gram in _ngrams(toks)]
        quotes = []
        for lo, hi in _lines(text, toks):
            quotes += self._spans(text, toks, grams, lo, hi)
        return _with_headers(text, quotes)

    def _recurring(self, grams: Sequence[Sequence[int]], lo: int, hi: int) -> bool:
        """Every 4-gram of tokens [lo, hi) was written by RECURRING comments of their own: a byline, a sign-off."""
        article = self.sources.index(ARTICLE) if ARTICLE in self.sources else -1
        return all(len(grams[i]) - (article in grams[i]) >= RECURRING for i in range(lo, hi - NGRAM + 1))

    def _spans(self, text: str, toks: Sequence[Token], grams: Sequence[Sequence[int]], lo: int, hi: int
               ) -> list[Quote]:
        covered = [False] * (hi - lo)
        for i in range(lo, hi - NGRAM + 1):
            if grams[i]:
                covered[i - lo:i - lo + NGRAM] = [True] * NGRAM
        runs = _bridge(_runs(covered))
        out = []
        for a, b in runs:
            n = b - a
            matched = sum(covered[a:b])
            if matched / n < MIN_COVERED or (n < SHORT_SPAN and matched < n):
                continue
            whole = a == 0 and b == hi - lo
            # Numbers carry no meaning of their own: a dateline "July 19, 2024. A. Writer. The" is no quote.
            meaningful = sum(not toks[i][0].isdigit() for i in range(lo + a, lo + b))
            if meaningful < (NGRAM if whole else MIN_PARTIAL) or (n < SHORT_SPAN and self._recurring(grams, lo + a,
                                                                                                   lo + b)):
                continue
            votes: dict[int, int] = {}
            for i in range(lo + a, lo + b - NGRAM + 1):
                for s in grams[i]:
                    votes[s] = votes.get(s, 0) + 1
            source = min(votes, key=lambda s: (-votes[s], s))
            start, end = _extend(text, toks[lo + a][1], toks[lo + b - 1][2], whole)
            out.append(Quote(start, end, self.sources[source], text[start:end]))
        return out


def _lines(text: str, toks: Sequence[Token]) -> list[tuple[int, int]]:
    """Token index ranges [lo, hi) of each non-empty line."""
    ranges, lo = [], 0
    for i in range(1, len(toks) + 1):
        if i == len(toks) or "\n" in text[toks[i - 1][2]:toks[i][1]]:
            ranges.append((lo, i))
            lo = i
    return ranges


def _runs(covered: list[bool]) -> list[tuple[int, int]]:
    runs, start = [], None
    for i, c in enumerate([*covered, False]):
        if c and start is None:
            start = i
        elif not c and start is not None:
            runs.append((start, i))
            start = None
    return runs


def _bridge(runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join runs separated by at most MAX_GAP unmatched words (a word dropped, added or changed)."""
    merged: list[tuple[int, int]] = []
    for a, b in runs:
        if merged and a - merged[-1][1] <= MAX_GAP:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _extend(text: str, start: int, end: int, whole: bool) -> tuple[int, int]:
    """Widen a span over its quote marks and punctuation; a whole-line quote takes the whole line."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    if whole:
        return line_start, len(text[:line_end].rstrip())
    while start > line_start and text[start - 1] in _OPENERS:
        start -= 1
    while end < line_end and text[end] in _CLOSERS:
        end += 1
    return start, end


def _with_headers(text: str, quotes: list[Quote]) -> list[Quote]:
    """A quote header line right above a quote belongs to the quote, not to the own text."""
    out = []
    for q in quotes:
        before = text[:q.start].rstrip()
        line_start = before.rfind("\n") + 1
        if before and _HEADER.match(before[line_start:]) and not any(p.end > line_start for p in out):
            q = Quote(line_start, q.end, q.source, text[line_start:q.end])
        out.append(q)
    return out


def own_text(text: str, quotes: list[Quote]) -> str:
    """The comment without its quoted spans: the remaining lines, paragraphs kept, blank runs collapsed."""
    parts, last = [], 0
    for q in sorted(quotes, key=lambda q: q.start):
        parts.append(text[last:q.start])
        last = q.end
    parts.append(text[last:])
    lines = [line.strip() for line in "".join(parts).split("\n")]
    paragraphs = "\n".join(lines).split("\n\n")
    return "\n\n".join(p.strip() for p in paragraphs if p.strip())
