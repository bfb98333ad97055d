"""Relevance and the thread topic: incremental state equals a rebuild, lookups equal a scan, O(own text) calls."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest

from moderation.dataset import Thread, load_dataset
from moderation.labelling.relevance import FEATURES, Relevance
from moderation.labelling.topic import TOPICAL, ThreadTopic, analyse, weights
from moderation.model.similarity import cosine

SEED = Path(__file__).resolve().parents[1] / "labels" / "kishida-nato"


def _seed() -> tuple[Relevance, Thread, list[tuple[str, str]]]:
    ds = load_dataset(SEED)
    rel = Relevance.fit([f"{t.title}\n{t.target}\n{t.body}" for t in ds.threads] + [c.text for c in ds.comments])
    return rel, ds.threads[0], [(c.id, c.text) for c in ds.comments]


def test_topic_grown_one_comment_at_a_time_equals_one_built_at_once() -> None:
    rel, thread, context = _seed()
    grown = rel.topic(thread)
    for n, (cid, text) in enumerate(context):
        if n % 7 == 0:
            assert grown.features("Russia and NATO") == rel.topic(thread, context[:n]).features("Russia and NATO")
        grown.add(cid, text)


def test_topical_cosine_and_nearest_comment_equal_a_full_scan() -> None:
    rel, thread, context = _seed()
    topic = rel.topic(thread, context)
    v = rel.vocab
    counts: dict[str, int] = {}
    for text in [f"{thread.title}\n{thread.body}", *(t for _, t in context)]:
        for s in analyse(text)[0]:
            counts[s] = counts.get(s, 0) + 1
    topical = {s: c * v.idf.get(s, v.unseen) for s, c in counts.items() if c >= TOPICAL}
    for _, text in context[::5]:
        own = weights(analyse(text)[0], v.idf, v.unseen)
        assert math.isclose(topic.topical(own), cosine(own, topical), abs_tol=1e-9)
        scan = [(cosine(own, weights(analyse(t)[0], v.idf, v.unseen)), cid) for cid, t in context
                if len(own.keys() & set(analyse(t)[0])) >= 2]
        assert math.isclose(topic.nearest(own)[1], max(scan)[0], abs_tol=1e-9)


def test_score_keeps_the_thread_topic_and_equals_score_topic() -> None:
    rel, thread, context = _seed()
    text = "Tblisi never had control of the Abkhaz Autonomous Republic."
    first = rel.score(text, thread, context[:30])
    assert rel.score(text, thread, context[:30]) == first  # the kept topic is reused, not grown twice
    assert rel.score(text, thread, context[:31]) == rel.score_topic(rel.topic(thread, context[:31]), text)
    assert rel.score(text, thread, context[:10]) == rel.score_topic(rel.topic(thread, context[:10]), text)
    assert set(first["features"]) == set(FEATURES)
    assert 0.0 <= first["probability"] <= 1.0 and first["reason"]


def test_character_ngrams_meet_spelling_variants() -> None:
    rel, thread, _ = _seed()
    topic = ThreadTopic(rel.vocab, thread)
    topic.add("a", "Tbilisi lost Abkhazia and South Ossetia.")
    near = topic.features("Tblisi Abkhaz")  # "tblis" is no stem of the thread; its n-grams are
    far = topic.features("The bakery was shut for unfortified sugar.")
    assert near["char_coverage"] > 0.6 > near["coverage"] > 0.4 > 0.2 > far["char_coverage"]


def test_a_lookup_costs_the_same_in_a_long_thread() -> None:
    rel, thread, context = _seed()
    short = rel.topic(thread, context[:5])
    long = rel.topic(thread, context * 30)  # 1,740 comments
    text = context[20][1]

    def timed(topic: ThreadTopic) -> float:
        t0 = time.perf_counter()
        for _ in range(20):
            topic.features(text)
        return (time.perf_counter() - t0) / 20

    timed(short)
    assert timed(long) < 10 * timed(short) + 0.002


def test_cached_norms_equal_recomputed_ones_and_cosines_equal_pair_cosine() -> None:
    rel, thread, context = _seed()
    topic = rel.topic(thread)
    v = rel.vocab
    # The character n-gram features as strings and dicts: the article's vector, the n-grams the thread has used.
    char_article = weights((*analyse(f"{thread.title}\n{thread.body}")[1],
                            *analyse(f"{thread.target}\n{thread.title}")[1]), v.char_idf, v.char_unseen)
    used = set(char_article)
    for n, (cid, text) in enumerate(context):
        for vec, norm in ((topic.article, topic.article_norm), (topic.claim, topic.claim_norm)):
            assert norm == math.sqrt(sum(w * w for w in vec.values()))
        assert topic.chars.article_norm == pytest.approx(math.sqrt(sum(w * w for w in char_article.values())),
                                                         rel=1e-12)
        if n % 5 == 0:
            stems, grams = analyse(text)
            own = weights(stems, v.idf, v.unseen)
            char_own = weights(grams, v.char_idf, v.char_unseen)
            f = topic.features(text)
            assert f["article"] == cosine(own, topic.article)  # exactly: the same sums in the same order
            assert f["target"] == cosine(own, topic.claim)
            # n-gram ids and array sums: the same terms summed in another order
            assert f["char_article"] == pytest.approx(cosine(char_own, char_article), rel=1e-12, abs=1e-15)
            inside = sum(w for t, w in char_own.items() if t in used) / sum(char_own.values())
            assert f["char_coverage"] == pytest.approx(inside, rel=1e-12, abs=1e-15)
            assert f["thread"] == topic.topical(own) and f["reply"] == topic.nearest(own)[1]
        topic.add(cid, text)
        used.update(analyse(text)[1])
    empty = topic.features("the and of")  # no content words: every cosine 0, as pair.cosine gives
    assert empty["article"] == empty["target"] == empty["char_article"] == 0.0
    unknown = topic.features("zqxjv zqxjv wvkpq")  # n-grams no fitted text has: weighted as unseen, not dropped
    assert unknown["char_article"] == 0.0 and unknown["char_coverage"] == 0.0 and unknown["n_terms"] == 2
    topic.add("later", "zqxjv")
    assert topic.features("zqxjv wvkpq")["char_coverage"] == pytest.approx(0.5)  # same length: same weight


def test_the_reason_names_shared_terms_as_the_comment_writes_them() -> None:
    rel, thread, context = _seed()
    text = "The European arm of their Air Force and NATO's Russian fleet"
    reason = rel.score(text, thread, context)["reason"]
    shared = reason.split("shared terms: ")[1].split(";")[0].split(" [")[0].split(", ")
    own = text.split()
    assert shared and all(term in own for term in shared), reason  # words of the comment, never stems
    assert not {"europ", "forc", "russi"} & set(shared)
