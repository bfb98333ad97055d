"""Small generated stance data for the model and training tests (two targets, three classes, off-topic)."""

from __future__ import annotations

import random

from moderation.dataset import Comment, Dataset, Thread

WORDS = {
    "favor": ["great", "support", "yes", "agree", "#StandWithNATO", "love", "good idea", "right call"],
    "against": ["terrible", "oppose", "no way", "disagree", "#NoNATO", "hate", "bad idea", "mistake"],
    "none": ["weather", "lunch", "football", "what time", "anyone know", "traffic", "movie", "music"],
}
FILLER = ["the", "this", "plan", "really", "i think", "honestly", "today", "people", ":)", "!!!", "Japan"]


def make_dataset(n: int = 90, seed: int = 0, targets: int = 2) -> Dataset:
    """Threads with labelled comments whose words lean toward their class (noisy, not separable)."""
    rng = random.Random(seed)
    threads = [Thread(id=f"t{k}", title=f"Claim number {k} about NATO", body="Japan and NATO talk ties.")
               for k in range(targets)]
    comments = []
    for i in range(n):
        stance = ("favor", "against", "none")[i % 3]
        words = rng.sample(WORDS[stance], 2) + rng.sample(WORDS[rng.choice(list(WORDS))], 1) + rng.sample(FILLER, 3)
        rng.shuffle(words)
        comments.append(Comment(id=f"c{i}", thread_id=threads[(i // 3) % targets].id, text=" ".join(words),
                                stance=stance, off_topic=stance == "none" and i % 2 == 0))
    return Dataset(threads, comments)


def records_and_labels(ds: Dataset) -> tuple[list[dict[str, str]], list[str]]:
    """Records against each comment's thread, and the stance labels."""
    threads = {t.id: t for t in ds.threads}
    recs = [{"text": c.text, "target": threads[c.thread_id].target, "title": threads[c.thread_id].title,
             "body": threads[c.thread_id].body} for c in ds.comments]
    return recs, [str(c.stance) for c in ds.comments]


def test_generated_dataset_is_valid_and_balanced() -> None:
    from moderation.dataset import validate

    ds = make_dataset(30)
    validate(ds)
    assert {c.stance for c in ds.comments} == {"favor", "against", "none"}
    assert any(c.off_topic for c in ds.comments)
