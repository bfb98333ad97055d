"""Duplicate-index entries for imported comments: each comment's own text, found in thread order as the tagger does."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from moderation.dataset import Comment, Dataset, Thread
from moderation.labelling import copies, duplicates
from moderation.labelling.quotes import QuoteIndex


def dup_entries(dataset: Dataset, stored: Mapping[str, tuple[Thread, Sequence[Comment]]] | None = None
                ) -> Iterator[tuple[dict[str, Any], list[int]]]:
    """(entry, band hashes) of each of the dataset's comments, in order, lazily.

    ``stored`` gives, for a thread already in the store, the thread and its stored comments: they come first.
    """
    threads = {t.id: t for t in dataset.threads}
    indexes: dict[str, QuoteIndex] = {}
    for c in dataset.comments:
        index = indexes.get(c.thread_id)
        if index is None:
            thread, earlier = (threads[c.thread_id], ()) if c.thread_id in threads else (stored or {})[c.thread_id]
            index = indexes[c.thread_id] = QuoteIndex.for_thread(thread.title, thread.body)
            for e in earlier:
                copies.add(index, e)
        own = copies.add(index, c).own
        yield duplicates.make_entry(c.id, own, thread_id=c.thread_id, author=c.author)
