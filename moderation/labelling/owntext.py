"""Own text for a whole thread at once: what the trainer and `moderation evaluate` judge stance on.

The tagger finds the same own text comment by comment (its QuoteIndex grows as comments arrive); this walks a
thread in order with the same QuoteIndex, so a model is trained on exactly what it is later asked to score.
"""

from __future__ import annotations

from collections.abc import Sequence

from moderation.dataset import Comment, Thread
from moderation.labelling import copies
from moderation.labelling.quotes import QuoteIndex


def thread_own_texts(thread: Thread, comments: Sequence[Comment]) -> dict[str, str]:
    """Each comment's own text (quotes of the article and earlier comments removed), by comment id."""
    index = QuoteIndex.for_thread(thread.title, thread.body)
    return {c.id: copies.add(index, c).own for c in comments}
