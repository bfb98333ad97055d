"""One thread's tagging state, built once per process and grown as comments arrive, in the store's order.

The tagger compares a comment with every earlier comment of its thread: quotes (a word 4-gram index),
duplicates (exact hash and Jaccard of 5-character shingles) and relevance (their own texts). Recomputing the
earlier comments' tokens, shingles and own texts on every call made a call O(thread); here each earlier comment
is processed once, when it is first seen, and a call does O(own text) work plus dictionary lookups.

Near copies are found with an exact prefix filter (a set-similarity join): with every shingle set sorted in one
fixed order, two sets with Jaccard >= t share a shingle among the first |A| - ceil(t|A|) + 1 of each. Every
candidate is then checked with the same exact Jaccard as before, so the result equals a full scan. The order
puts the shingles that were rare in the thread first (fixed between re-indexings, which happen each time the
thread doubles), so a prefix holds a comment's distinctive shingles and a probe meets few other comments.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from moderation.dataset import Comment, Thread
from moderation.labelling import copies, duplicates
from moderation.labelling.quotes import QuoteIndex
from moderation.labelling.topic import ThreadTopic
from moderation.verdict import Quote

MIN_REINDEX = 8  # the first shingle order is fixed once the thread has this many comments


def prefix_length(size: int) -> int:
    """How many of a set's first shingles to index/probe so that no pair with Jaccard >= THRESHOLD is missed."""
    # A lower bound on the overlap such a pair needs; one below floor(t * size), so float rounding drops no pair.
    overlap = max(1, math.floor(duplicates.THRESHOLD * size) - 1)
    return size - overlap + 1


_SMALL = 64  # shingle sets this small are sorted whole (numpy's overhead is larger than the sort)


@dataclass(frozen=True)
class Earlier:
    """An earlier comment as the tagger compares with it: own text, quotes and duplicate key."""

    comment: Comment
    own: str
    quotes: list[Quote]
    entry: dict[str, Any]  # duplicates.make_entry(..., with_bands=False) of the own text
    shingles: frozenset[bytes]


class ThreadState:
    """The quote index, duplicate keys and topic of one thread's comments, in the order they were added.

    Not safe for concurrent use by itself: its workspace (moderation.labelling.workspace) serialises the calls.
    """

    def __init__(self, thread: Thread, topic: ThreadTopic | None = None) -> None:
        self.thread = thread
        self.index = QuoteIndex.for_thread(thread.title, thread.body)
        self.thread_id = thread.id
        self.topic = topic  # the relevance rule's view of the thread (None: no relevance model)
        self.comments: list[Comment] = []
        self.items: list[Earlier] = []
        self.by_id: dict[str, int] = {}
        self._by_hash: dict[int, list[int]] = {}
        self._prefix: dict[bytes, list[int]] = {}
        self._common: frozenset[bytes] = frozenset()  # shingles of 2+ comments when the order was fixed
        self._indexed_at = 0  # how many comments there were then
        self._read: dict[str, tuple[int, str, copies.Reading]] = {}  # id -> (position, text, reading) of `read`

    def read(self, comment: Comment) -> copies.Reading:
        """The comment read against this state (copies.read), kept: if it is the next one added, its reading is
        not computed again (the state is the same as when it was read, so the reading is too)."""
        reading = copies.read(self.index, comment)
        if len(self._read) >= 64:
            self._read.clear()
        self._read[comment.id] = (len(self.comments), comment.text, reading)
        return reading

    def __len__(self) -> int:
        return len(self.comments)

    def begins(self, earlier: Sequence[Comment]) -> bool:
        """True when ``earlier`` starts with exactly this state's comments, in order (then it can grow to it)."""
        n = len(self.comments)
        if len(earlier) < n:
            return False
        return all(map(operator.is_, earlier[:n], self.comments)) or all(
            a.id == b.id for a, b in zip(earlier, self.comments, strict=False))

    def extend(self, earlier: Sequence[Comment]) -> None:
        """Add the comments of ``earlier`` past this state's own (``begins(earlier)`` must hold)."""
        for c in earlier[len(self.comments):]:
            self._add(c)
        if len(self.items) >= 2 * max(self._indexed_at, MIN_REINDEX):
            self._reindex()

    def _reindex(self) -> None:
        """Fix a new shingle order (rare in the thread first) and rebuild the prefix index with it."""
        seen: set[bytes] = set()
        common: set[bytes] = set()
        for item in self.items:
            common |= seen & item.shingles
            seen |= item.shingles
        self._common = frozenset(common)
        self._indexed_at = len(self.items)
        self._prefix = {}
        for pos, item in enumerate(self.items):
            self._index_prefix(pos, item)

    def _index_prefix(self, pos: int, item: Earlier) -> None:
        if item.entry["n_words"] >= duplicates.MIN_WORDS:
            for s in self._prefix_of(item.shingles):
                self._prefix.setdefault(s, []).append(pos)

    def _ordered(self, shingle_set: frozenset[bytes]) -> list[bytes]:
        """The shingles in this state's fixed total order: (common in the thread, hash, bytes)."""
        return _by_hash(shingle_set - self._common) + _by_hash(shingle_set & self._common)

    def _prefix_of(self, shingle_set: frozenset[bytes]) -> list[bytes]:
        """``_ordered(shingle_set)[:prefix_length(len(shingle_set))]`` without sorting the whole set: the first
        shingles in that order are the smallest hashes of those not common in the thread (then of the common ones)."""
        k = prefix_length(len(shingle_set))
        rare = shingle_set - self._common if self._common else shingle_set
        if len(rare) < k or len(rare) <= _SMALL:
            return self._ordered(shingle_set)[:k]
        items = list(rare)
        hashes = np.fromiter(map(hash, items), dtype=np.int64, count=len(items))
        chosen = np.argpartition(hashes, k - 1)[:k]
        chosen = chosen[np.argsort(hashes[chosen], kind="stable")]
        kept = hashes[chosen]
        # Equal hashes are ordered by their bytes: where any could meet the cut or each other, sort them all.
        if (kept[1:] == kept[:-1]).any() or int(np.count_nonzero(hashes == kept[-1])) > 1:
            return self._ordered(shingle_set)[:k]
        return [items[i] for i in chosen.tolist()]

    def _add(self, c: Comment) -> None:
        kept = self._read.pop(c.id, None)
        if kept is not None and kept[0] == len(self.comments) and kept[1] == c.text:
            reading = kept[2]
            self.index.add(c.id, c.text, reading.quotes)  # what copies.add does after its read
        else:
            reading = copies.add(self.index, c)
        own, quotes = reading.own, reading.quotes
        entry, _ = duplicates.make_entry(c.id, own, thread_id=self.thread_id, author=c.author, with_bands=False)
        sh = duplicates.shingles(entry["text"])
        pos = len(self.items)
        self.comments.append(c)
        self.items.append(Earlier(c, own, quotes, entry, sh))
        if self.topic is not None:
            self.topic.add(c.id, own)
        self.by_id[c.id] = pos
        self._by_hash.setdefault(entry["text_hash"], []).append(pos)
        self._index_prefix(pos, self.items[-1])

    def local_candidates(self, entry: dict[str, Any], window: int) -> list[dict]:
        """The last ``window`` comments with the entry's text hash or a near-copy own text, as entries.

        Each gets the id -window - 1 + its position among those comments (older first), as a full scan gave.
        """
        start = max(0, len(self.items) - window)
        positions = self._matches(entry, start, len(self.items))
        return [{**self.items[p].entry, "id": -window - 1 + p - start} for p in positions]

    def _matches(self, entry: dict[str, Any], lo: int, hi: int) -> list[int]:
        """Positions in [lo, hi) whose entry matches (exact hash, or near copy found through the prefix index)."""
        found = {p for p in self._by_hash.get(entry["text_hash"], ()) if lo <= p < hi}
        if entry["n_words"] >= duplicates.MIN_WORDS:
            own = duplicates.shingles(entry["text"])
            size = len(own)
            probe: set[int] = set()
            prefix = self._prefix
            for s in self._prefix_of(own):
                hits = prefix.get(s)
                if hits:
                    probe.update(hits)
            probe.difference_update(found)
            for p in probe:
                if lo <= p < hi:
                    other = len(self.items[p].shingles)
                    # Jaccard <= min/max of the sizes: a cheap exact bound before the set operations.
                    if min(size, other) >= duplicates.THRESHOLD * max(size, other) - 1e-9 and \
                            _matches(self.items[p], entry):
                        found.add(p)
        return sorted(found)


def _by_hash(shingle_set: frozenset[bytes]) -> list[bytes]:
    """Shingles sorted by (hash, bytes): within a process hash() is fixed, so this is one total order."""
    ordered = sorted(shingle_set, key=hash)
    if len(set(map(hash, ordered))) < len(ordered):
        ordered.sort(key=_order)
    return ordered


def _order(shingle: bytes) -> tuple[int, bytes]:
    return hash(shingle), shingle


def _matches(item: Earlier, entry: dict[str, Any]) -> bool:
    """The full scan's test: the same text hash, or both long enough and Jaccard >= THRESHOLD."""
    e = item.entry
    return e["text_hash"] == entry["text_hash"] or (
        min(e["n_words"], entry["n_words"]) >= duplicates.MIN_WORDS
        and duplicates.jaccard(item.shingles, duplicates.shingles(entry["text"])) >= duplicates.THRESHOLD)
