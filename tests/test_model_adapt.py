"""The per-thread adaptation's arithmetic: no labels is the global model, labels pull toward them, same labels
same answer."""

from __future__ import annotations

import pickle

import numpy as np

from moderation.model.adapt import ThreadAdapter

CLASSES = ["against", "favor", "none"]
GLOBAL = np.array([[0.7, 0.2, 0.1], [0.6, 0.3, 0.1], [0.5, 0.25, 0.25], [0.8, 0.1, 0.1]])
TEXTS = ["cats purr all day", "a purr is a happy cat", "dogs bark", "cats are the best, purr"]
LABELS = ["favor", "favor", "against", "favor"]


def test_no_labels_is_the_global_model_exactly() -> None:
    adapter = ThreadAdapter(CLASSES).fit(np.zeros((0, 3)), [], [])
    out = adapter.adjust_many(GLOBAL, TEXTS)
    assert adapter.n_labels_ == 0 and np.array_equal(out, GLOBAL)
    unknown = ThreadAdapter(CLASSES).fit(GLOBAL[:1], TEXTS[:1], ["maybe"])  # no usable label either
    assert np.array_equal(unknown.adjust(GLOBAL[1], TEXTS[1]), GLOBAL[1])


def test_labels_pull_toward_the_thread_and_regularisation_holds_back() -> None:
    new, text = np.array([0.7, 0.2, 0.1]), "my cat does purr"
    adapted = ThreadAdapter(CLASSES, balanced=False).fit(GLOBAL, TEXTS, LABELS).adjust(new, text)
    assert adapted[1] > 0.5 > new[1]
    balanced = ThreadAdapter(CLASSES, balanced=True).fit(GLOBAL, TEXTS, LABELS).adjust(new, text)
    assert adapted[0] < balanced[0]  # balanced: the one 'against' label weighs as much as the three 'favor'
    assert abs(adapted.sum() - 1.0) < 1e-12
    held = ThreadAdapter(CLASSES, prior_strength=1e6, word_strength=1e6, semantic_strength=1e6).fit(GLOBAL, TEXTS,
                                                                                                  LABELS)
    assert np.allclose(held.adjust(new, text), new, atol=1e-4)
    words_only = ThreadAdapter(CLASSES, prior_strength=1e6, word_strength=0.1, semantic_strength=None).fit(
        GLOBAL, TEXTS, LABELS)
    assert words_only.adjust(new, text)[1] > words_only.adjust(new, "no such words here")[1]


def test_same_labels_same_suggestion_and_pickle_round_trip() -> None:
    a = ThreadAdapter(CLASSES).fit(GLOBAL, TEXTS, LABELS)
    b = ThreadAdapter(CLASSES).fit(GLOBAL.copy(), list(TEXTS), list(LABELS))
    assert np.array_equal(a.adjust_many(GLOBAL, TEXTS), b.adjust_many(GLOBAL, TEXTS))
    c = pickle.loads(pickle.dumps(a))
    assert np.array_equal(a.adjust_many(GLOBAL, TEXTS), c.adjust_many(GLOBAL, TEXTS))


def test_one_comment_path_equals_the_batch_path() -> None:
    adapter = ThreadAdapter(CLASSES).fit(GLOBAL, TEXTS, LABELS)
    texts = [*TEXTS, "no such words here", "purr purr cats"]
    probs = np.vstack([GLOBAL, GLOBAL[:2]])
    batch = adapter.adjust_many(probs, texts)
    one = np.array([adapter.adjust(p, t) for p, t in zip(probs, texts, strict=True)])
    assert np.allclose(one, batch, rtol=0, atol=1e-12)
    assert not np.allclose(one[-1], probs[-1])  # the words moved it: the test compares real adjustments


def test_sentence_vectors_carry_labels_to_comments_sharing_no_word() -> None:
    texts = ["cats purr all day", "a purring kitten is pure joy", "dogs bark at night", "my cat naps in the sun"]
    labels = ["favor", "favor", "against", "favor"]
    new, fresh = np.array([0.4, 0.3, 0.3]), "kittens make lovely companions"  # none of the labelled words
    assert not set(fresh.split()) & {w for t in texts for w in t.split()}
    held = {"prior_strength": 1e6, "word_strength": 1e6, "balanced": False}
    words_only = ThreadAdapter(CLASSES, semantic_strength=None, **held).fit(GLOBAL, texts, labels)
    assert np.allclose(words_only.adjust(new, fresh), new, atol=1e-4)  # nothing for it to go on
    meaning = ThreadAdapter(CLASSES, semantic_strength=0.01, **held).fit(GLOBAL, texts, labels)
    moved = meaning.adjust(new, fresh)
    assert moved[1] > new[1] + 0.05 and moved[1] > meaning.adjust(new, "dogs howl and bark loudly")[1]
    probs = np.vstack([GLOBAL, [new]])
    batch = meaning.adjust_many(probs, [*texts, fresh])
    one = np.array([meaning.adjust(p, t) for p, t in zip(probs, [*texts, fresh], strict=True)])
    assert np.allclose(one, batch, rtol=0, atol=1e-12)
