"""Quote or copy: a reply that reproduces part of a source and answers it, or a copy that reproduces (nearly)
all of a source and adds little.

Decided on measured evidence, pair by pair (comment, source): how much of the source the comment's spans from it
cover, how much own text remains, whether the spans are marked as quotes (a `>` line, a quote header, quote
marks around them, a quote attribution or a parent on the comment) and whether they are interleaved with answers
(own text after two or more of them). A marked or interleaved quote is a quote; otherwise a comment that covers
RULE.coverage of a source with at most RULE.own_share of its words its own is a copy of it, the own share allowed
rising linearly to RULE.full_own as the coverage reaches the whole source (a whole text reproduced with a line
added is a copy even when the source is a short one), and RULE.intro when nothing of its own follows the
reproduction (an unanswered quote answers nothing). The thresholds were chosen on training material only
(`python benchmarks/copies.py ../shared/data --choose`: SemEval train tweets, FNC-1 train bodies, Perspectrum
train claims; the grid and its choice in benchmarks/_copies_fit.py), never on the seed thread or a test split.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from moderation.dataset import Comment
from moderation.labelling import duplicates
from moderation.labelling.quotes import ARTICLE, NGRAM, Quote, QuoteIndex, own_text, token_tuple

RISE_WORDS = 12  # benchmarks/copies.py makes copies of texts of 12+ words only: the rule is fitted on those


@dataclass(frozen=True)
class Rule:
    """The copy rule's thresholds: a comment covering `coverage` of a source may have `own_share` of its words
    its own, rising linearly to `full_own` when it covers all of the source; `intro` when nothing of its own
    follows the reproduction (an unanswered quote answers nothing; 0: no such allowance)."""

    coverage: float
    own_share: float
    full_own: float
    intro: float = 0.0

    def own_limit(self, coverage: float, answered: bool, source_words: int = RISE_WORDS) -> float:
        """The most own text a comment covering this much of a source may have and still be a copy of it (the
        rise only for sources of RISE_WORDS words or more: shorter ones were never measured)."""
        rise = (coverage - self.coverage) / (1 - self.coverage) if self.coverage < 1 else 1.0
        rise = rise if source_words >= RISE_WORDS else 0.0
        limit = self.own_share + (self.full_own - self.own_share) * min(1.0, max(0.0, rise))
        return limit if answered else max(limit, self.intro)

    def __str__(self) -> str:
        return (f"coverage>={self.coverage:.2f} own<={self.own_share:.2f}..{self.full_own:.2f} "
                f"intro<={self.intro:.2f}")


MAX_OWN = 0.5  # fixed, not fitted: a copy adds no more words than it reproduces ("adds little")
RULE = Rule(coverage=0.55, own_share=0.15, full_own=0.50, intro=0.0)  # chosen on train: benchmarks/copies.py --choose
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
    source_words: int = RISE_WORDS  # the source's length in words

    @property
    def own_share(self) -> float:
        """Share of the comment's words that are its own."""
        total = self.own_words + self.copied_words
        return self.own_words / total if total else 0.0

    def is_copy(self, rule: Rule | None = None) -> bool:
        """A copy: unmarked, not answering between quotes, covering most of the source and adding little."""
        rule = RULE if rule is None else rule
        return (not self.marked and not self.interleaved and self.coverage >= rule.coverage
                and self.own_share <= rule.own_limit(self.coverage, self.answered, self.source_words))

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


def evidence(text: str, spans: Sequence[Quote], source: str, source_text: str, *, marked: bool = False,
             folded: bool = False) -> Evidence:
    """The evidence for one source: its words reproduced by any span (a copy of a quote-reply reproduces
    the quotes too), the marks and answers of the spans that reproduce some of it. `folded`: source_text is the
    duplicate index's folded text (no punctuation), so a mark cannot be looked up in it."""
    src, src_grams, positional = _words_grams(source_text)
    span_grams = {q: _words_grams(q.text)[1] for q in spans}
    mine = sorted((q for q in spans if span_grams[q] & src_grams), key=lambda q: q.start)
    grams = set().union(*span_grams.values()) if spans else set()
    covered = [False] * len(src)
    for i, gram in enumerate(positional):
        if gram in grams:
            covered[i:i + NGRAM] = _TRUE
    own_words = len(token_tuple(own_text(text, list(spans)))) if spans else len(token_tuple(text))
    answers = sum(1 for q in mine if token_tuple(_answer(text, q, spans)))
    answered = bool(mine) and bool(token_tuple(text[mine[-1].end:]))
    return Evidence(source=source, coverage=sum(covered) / len(src) if src else 0.0, covered_words=sum(covered),
                    own_words=own_words, copied_words=sum(len(token_tuple(q.text)) for q in spans),
                    marked=marked or any(_marked(q, source_text, folded) for q in mine), interleaved=answers >= 2,
                    answered=answered, source_words=len(src))


def _answer(text: str, quote: Quote, spans: Sequence[Quote]) -> str:
    """The comment's text after a quote up to the next span of any source (its answer to that quote)."""
    later = [q.start for q in spans if q.start >= quote.end]
    return text[quote.end:min(later, default=len(text))]


def _marked(quote: Quote, source_text: str, folded: bool = False) -> bool:
    """A span shown as a quote (opened by `>` or a quote mark, or under a quote header) not copied with its mark.

    Against a folded source (the duplicate index keeps no punctuation) a quote mark copied with the text cannot be
    told from one added around it (news texts open lines with their speakers' words): there only a `>` or a quote
    header marks a quote.
    """
    body = quote.text.strip()
    if "\n" in body:
        return True
    if body[:1] not in _MARKS:
        return False
    if folded:
        return body[:1] == ">"
    return body[:24] not in source_text


def _within(quote: Quote, source_text: str) -> bool:
    """Most of the span's 4-grams are in the source: a quote the copied comment made is part of the copy."""
    grams = _grams(quote.text)
    return bool(grams) and len(grams & _grams(source_text)) * 2 > len(grams)


def _grams(text: str) -> frozenset[tuple[str, ...]]:
    return _words_grams(text)[1]


@lru_cache(maxsize=8192)
def _words_grams(text: str) -> tuple[tuple[str, ...], frozenset[tuple[str, ...]], tuple[tuple[str, ...], ...]]:
    """A text's words, the set of their NGRAM-grams, and those grams position by position (memoised: a thread's
    sources are compared with every new comment)."""
    words = tuple(t for t, _, _ in token_tuple(text))
    positional = tuple(words[i:i + NGRAM] for i in range(len(words) - NGRAM + 1))
    return words, frozenset(positional), positional


_TRUE = [True] * NGRAM


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
        kept = [q for q in spans if q.source != best.source and not _within(q, index.texts[best.source])]
        return Reading(kept, own_text(comment.text, kept) if kept else comment.text.strip(), best, found)
    if spans and not token_tuple(own_text(comment.text, spans)):
        return Reading([], comment.text.strip(), None, found)  # all quoted, no copy: judged as a whole text
    return Reading(spans, own_text(comment.text, spans) if spans else comment.text.strip(), None, found)


def add(index: QuoteIndex, comment: Comment) -> Reading:
    """Read the next comment of a thread, then index it (its quotes pointing to their origin)."""
    reading = read(index, comment)
    index.add(comment.id, comment.text, reading.quotes)
    return reading


def pair_evidence(text: str, source_id: str, source_text: str, *, folded: bool = False) -> Evidence:
    """The evidence of a comment against one source outside its thread (a candidate from the duplicate index,
    whose text is folded: `folded=True`)."""
    index = QuoteIndex()
    index.add(source_id, source_text)
    return evidence(text, index.spans(text), source_id, source_text, folded=folded)


def edited_keys(own: str) -> list[str]:
    """The folded own text less its first or its last paragraph: what a copy with a line added before or after
    reproduces. The duplicate index finds such a source by its exact hash, which, unlike the bands of a short
    text with a line added, cannot miss it."""
    paras = [p for p in own.split("\n") if p.strip()]
    if len(paras) < 2:
        return []
    keys = {duplicates.dup_key("\n".join(paras[1:])), duplicates.dup_key("\n".join(paras[:-1]))}
    return sorted(k for k in keys if len(k.split()) >= MIN_SOURCE)


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
    edited = set(edited_keys(reading.own))
    for sim, _, c in near:
        if sim < PAIR_FLOOR and c["text"] not in edited:
            continue
        ev = pair_evidence(reading.own, c["comment_id"], c["text"], folded=True)
        if ev.is_copy():
            return duplicates.tag(entry, c, sim, raw_text=raw_text, previous=previous, why=ev.describe(),
                                  evidence=ev.to_dict())
    return None
