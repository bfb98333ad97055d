"""Quote or copy: a reply that reproduces part of a source and answers it, or a copy that reproduces (nearly)
all of a source and adds little.

Decided on measured evidence, pair by pair (comment, source): how much of the source the comment's spans from it
cover, how much own text remains, whether the spans are marked as quotes (a `>` line, a quote header, quote
marks around them, a quote attribution or a parent on the comment) and whether they are interleaved with answers
(own text after two or more of them). A marked or interleaved quote is a quote; otherwise a comment that covers
COVERAGE of a source with at most OWN_SHARE of its words its own is a copy of it (INTRO_SHARE when nothing of its
own follows the reproduction: an unanswered quote answers nothing). The thresholds were chosen on
training material only (`python -m benchmarks.copies --choose`: SemEval train tweets, FNC-1 train bodies,
Perspectrum train claims), never on the seed thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from moderation.dataset import Comment
from moderation.labelling import duplicates
from moderation.labelling.quotes import ARTICLE, NGRAM, Quote, QuoteIndex, own_text, token_tuple

COVERAGE = 0.70  # share of the source's words reproduced (chosen on train: benchmarks/copies.py --choose)
OWN_SHARE = 0.20  # share of the comment's words that are its own (chosen with COVERAGE)
INTRO_SHARE = 0.30  # the same when no own text follows the reproduction (chosen with them)
MIN_SOURCE = duplicates.MIN_WORDS  # a source shorter than this is quoted, never copied
_MARKS = ">\"\u201c\u00ab"


@dataclass(frozen=True)
class Evidence:
    """What a comment does with one source: the measured quantities the copy decision reads."""

    source: str
    coverage: float
    covered_words: int
    own_words: int
    copied_words: int
    marked: bool
    interleaved: bool
    answered: bool = True  # own text follows the last span that reproduces the source

    @property
    def own_share(self) -> float:
        """Share of the comment's words that are its own."""
        total = self.own_words + self.copied_words
        return self.own_words / total if total else 0.0

    def is_copy(self, coverage: float | None = None, own_share: float | None = None,
                intro_share: float | None = None) -> bool:
        """A copy: unmarked, not answering between quotes, covering most of the source and adding little (an
        unanswered reproduction, own text only before it, may add up to INTRO_SHARE)."""
        coverage = COVERAGE if coverage is None else coverage
        own_share = OWN_SHARE if own_share is None else own_share
        intro_share = INTRO_SHARE if intro_share is None else intro_share
        limit = own_share if self.answered else max(own_share, intro_share)
        return not self.marked and not self.interleaved and self.coverage >= coverage and self.own_share <= limit

    def to_dict(self) -> dict[str, Any]:
        """The measured quantities, as the duplicate tag keeps them."""
        return {"coverage": round(self.coverage, 4), "own_words": self.own_words,
                "own_share": round(self.own_share, 4), "marked": self.marked, "interleaved": self.interleaved}

    def describe(self) -> str:
        """The evidence in words, for the reason."""
        return (f"reproduces {self.coverage:.0%} of it, own text {self.own_words} word(s) "
                f"({self.own_share:.0%}), not marked as a quote")


@dataclass
class Reading:
    """A comment read against its thread: quotes, own text, and the source it copies (if any)."""

    quotes: list[Quote]
    own: str
    copy: Evidence | None = None
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def quoted(self) -> set[str]:
        """The sources of the quotes and of the copy: never near-copy candidates because of what was quoted."""
        return {q.source for q in self.quotes} | {e.source for e in self.evidence}


def evidence(text: str, spans: Sequence[Quote], source: str, source_text: str, *, marked: bool = False) -> Evidence:
    """The evidence for one source: its words reproduced by any span (a copy of a quote-reply reproduces
    the quotes too), the marks and answers of the spans that reproduce some of it."""
    src = [t for t, _, _ in token_tuple(source_text)]
    src_grams = {tuple(src[i:i + NGRAM]) for i in range(len(src) - NGRAM + 1)}
    span_grams = {q: {tuple(t for t, _, _ in token_tuple(q.text)[i:i + NGRAM])
                      for i in range(len(token_tuple(q.text)) - NGRAM + 1)} for q in spans}
    mine = sorted((q for q in spans if span_grams[q] & src_grams), key=lambda q: q.start)
    grams = set().union(*span_grams.values()) if spans else set()
    covered = [False] * len(src)
    for i in range(len(src) - NGRAM + 1):
        if tuple(src[i:i + NGRAM]) in grams:
            covered[i:i + NGRAM] = [True] * NGRAM
    own_words = len(token_tuple(own_text(text, list(spans)))) if spans else len(token_tuple(text))
    answers = sum(1 for q in mine if token_tuple(_answer(text, q, spans)))
    answered = bool(mine) and bool(token_tuple(text[mine[-1].end:]))
    return Evidence(source=source, coverage=sum(covered) / len(src) if src else 0.0, covered_words=sum(covered),
                    own_words=own_words, copied_words=sum(len(token_tuple(q.text)) for q in spans),
                    marked=marked or any(_marked(q, source_text) for q in mine), interleaved=answers >= 2,
                    answered=answered)


def _answer(text: str, quote: Quote, spans: Sequence[Quote]) -> str:
    """The comment's text after a quote up to the next span of any source (its answer to that quote)."""
    later = [q.start for q in spans if q.start >= quote.end]
    return text[quote.end:min(later, default=len(text))]


def _marked(quote: Quote, source_text: str) -> bool:
    """A span shown as a quote (opened by `>` or a quote mark, or under a quote header) not copied with its mark."""
    body = quote.text.lstrip()
    if "\n" in body:
        return True
    return body[:1] in _MARKS and body[:24] not in source_text


def _comment_marked(comment: Comment, source: str) -> bool:
    return bool(comment.quote_attributions) or comment.parent_id == source


def read(index: QuoteIndex, comment: Comment) -> Reading:
    """The comment's quotes and own text in its thread, and the earlier comment it copies (if any)."""
    spans = index.spans(comment.text)
    found = []
    for source in index.sources_of(comment.text) if spans else ():
        source_text = index.texts.get(source, "")
        if source == ARTICLE or len(token_tuple(source_text)) < MIN_SOURCE:
            continue
        found.append(evidence(comment.text, spans, source, source_text,
                              marked=_comment_marked(comment, source)))
    copies = [e for e in found if e.is_copy()]
    if copies:
        best = max(copies, key=lambda e: (e.covered_words, e.coverage))
        kept = [q for q in spans if q.source != best.source]
        return Reading(kept, own_text(comment.text, kept) if kept else comment.text.strip(), best, found)
    if spans and not token_tuple(own_text(comment.text, spans)):
        return Reading([], comment.text.strip(), None, found)  # all quoted, no copy: judged as a whole text
    return Reading(spans, own_text(comment.text, spans) if spans else comment.text.strip(), None, found)


def add(index: QuoteIndex, comment: Comment) -> Reading:
    """Read the next comment of a thread, then index it (its quotes pointing to their origin)."""
    reading = read(index, comment)
    index.add(comment.id, comment.text, reading.quotes)
    return reading


def pair_evidence(text: str, source_id: str, source_text: str) -> Evidence:
    """The evidence of a comment against one source outside its thread (a candidate from the duplicate index)."""
    index = QuoteIndex()
    index.add(source_id, source_text)
    return evidence(text, index.spans(text), source_id, source_text)


PAIR_FLOOR = 0.4  # candidates below this shingle Jaccard cannot pass the copy rule's coverage and own share


def judge(reading: Reading, entry: dict[str, Any], candidates: Sequence[dict[str, Any]], *,
          source: dict[str, Any] | None = None, raw_text: str = "",
          previous: tuple[str, str] | None = None) -> dict[str, Any] | None:
    """The duplicate tag: the copied source (`source`, its index entry) else the best near copy of the own text.

    Candidates the comment quotes are left out: a reply is never a duplicate because of what it quotes. A
    candidate under the Jaccard threshold is still a copy when the pair's evidence says so (a line added, a
    sentence swapped, a quarter cut), the source then being the candidate's folded text.
    """
    own = duplicates.shingles(entry["text"])
    if reading.copy is not None and source is not None:
        sim = duplicates.jaccard(own, duplicates.shingles(source["text"]))
        return duplicates.tag(entry, source, sim, raw_text=raw_text, previous=previous,
                              why=reading.copy.describe(), evidence=reading.copy.to_dict())
    kept = [c for c in candidates if c["comment_id"] not in reading.quoted]
    found = duplicates.decide(entry, kept, raw_text=raw_text, previous=previous)
    if found is not None or entry["n_words"] < MIN_SOURCE:
        return found
    near = sorted(((duplicates.jaccard(own, duplicates.shingles(c["text"])), c["id"], c) for c in kept
                   if c["n_words"] >= MIN_SOURCE and c["comment_id"] != entry["comment_id"]),
                  key=lambda t: (-t[0], t[1]))
    for sim, _, c in near:
        if sim < PAIR_FLOOR:
            break
        ev = pair_evidence(reading.own, c["comment_id"], c["text"])
        if ev.is_copy():
            return duplicates.tag(entry, c, sim, raw_text=raw_text, previous=previous, why=ev.describe(),
                                  evidence=ev.to_dict())
    return None
