"""Whether the trainer fits an off-topic model (the relevance model the tagger serves: training.offtopic_model)."""

from __future__ import annotations

from collections import Counter

from training.data import Examples

MIN_OFF_TOPIC = 5  # fewer off-topic (or on-topic) labels than this: no off-topic model, said in the report


def skip_reason(ex: Examples) -> str | None:
    """Why no off-topic model is trained on these examples (None: one is)."""
    counts = Counter(o for o in ex.off_topic if o is not None)
    if counts[True] < MIN_OFF_TOPIC or counts[False] < MIN_OFF_TOPIC:
        return (f"only {counts[True]} off-topic and {counts[False]} on-topic labels (need {MIN_OFF_TOPIC} of "
                f"each)")
    return None
