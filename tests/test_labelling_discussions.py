"""The other threads' discussions in the off-topic features (moderation.labelling.discussions)."""

from __future__ import annotations

import math

import numpy as np

from moderation.dataset import Comment, Dataset, Thread
from moderation.labelling.discussions import DISCUSSION, Discussions
from moderation.labelling.relevance import Relevance
from moderation.labelling.tagger import Tagger
from moderation.labelling.topic import analyse, meaning, weights
from moderation.store import Store

RAMEN = Thread(id="ramen", title="A new ramen shop opens near the station",
               body="The shop serves tonkotsu ramen with thick noodles and a rich pork broth.")
NATO = Thread(id="nato", title="Kishida warns of Russia as Japan moves closer to NATO",
              body="Japan's prime minister said Russia's war in Ukraine shows why Japan must work with NATO.")
YEN = Thread(id="yen", title="The Bank of Japan holds rates as the yen slides",
             body="The central bank left rates unchanged and the yen fell to a new low against the dollar.")
RAMEN_TALK = ["The broth was too salty but the noodles were perfect.", "Tonkotsu ramen is worth the queue.",
              "They ran out of pork by noon, go early.", "Best noodles near the station, and cheap."]
YEN_TALK = ["The yen keeps falling and the central bank does nothing.", "Rates must rise or the yen collapses.",
            "Importers are hurt by the weak yen.", "The dollar buys more yen than in decades."]


def _relevance(discussions: list[tuple[str, str]] = ()) -> Relevance:
    docs = [f"{t.title}\n{t.target}\n{t.body}" for t in (RAMEN, NATO, YEN)] + RAMEN_TALK + YEN_TALK
    return Relevance.fit(docs, threads=[RAMEN, NATO, YEN], discussions=discussions)


def _lookup(d: Discussions, rel: Relevance, text: str, skip: set[int]) -> tuple[float, float, int]:
    own = weights(analyse(text)[0], rel.vocab.idf, rel.vocab.unseen)
    return d.best(own, math.sqrt(sum(w * w for w in own.values())), meaning(text), text, skip)


def test_a_text_in_another_discussion_is_compared_as_if_it_were_not_there() -> None:
    rel = _relevance()
    probe = YEN_TALK[0]
    with_it, without = Discussions(rel.vocab, len(meaning(""))), Discussions(rel.vocab, len(meaning("")))
    for text in YEN_TALK:
        with_it.add(1, text)
        if text != probe:
            without.add(1, text)
    for text in RAMEN_TALK:
        with_it.add(0, text)
        without.add(0, text)
    got, want = _lookup(with_it, rel, probe, set()), _lookup(without, rel, probe, set())
    assert got[2] == want[2] == 1
    assert math.isclose(got[0], want[0], abs_tol=1e-12) and math.isclose(got[1], want[1], abs_tol=1e-12)
    assert got[0] < 0.99  # not its own copy
    # A discussion made of that text alone is left out: nothing else to compare with.
    alone = Discussions(rel.vocab, len(meaning("")))
    alone.add(0, probe)
    assert _lookup(alone, rel, probe, set()) == (0.0, 0.0, -1)


def test_cosines_equal_a_full_computation_and_skip_the_own_thread() -> None:
    rel = _relevance()
    d = Discussions(rel.vocab, len(meaning("")))
    for text in RAMEN_TALK:
        d.add(0, text)
    for text in YEN_TALK:
        d.add(2, text)
    probe = "Why does the yen fall when rates stay low?"
    own = weights(analyse(probe)[0], rel.vocab.idf, rel.vocab.unseen)
    units = {}
    for row, talk in ((0, RAMEN_TALK), (2, YEN_TALK)):
        total: dict[str, float] = {}
        for text in talk:
            v = weights(analyse(text)[0], rel.vocab.idf, rel.vocab.unseen)
            n = math.sqrt(sum(w * w for w in v.values()))
            for t, w in v.items():
                total[t] = total.get(t, 0.0) + w / n
        dot = sum(w * total.get(t, 0.0) for t, w in own.items())
        units[row] = dot / (math.sqrt(sum(w * w for w in own.values())) * math.sqrt(sum(w * w for w in total.values())))
    sem_sum = np.sum([meaning(t) for t in YEN_TALK], axis=0)
    lex, sem, row = _lookup(d, rel, probe, set())
    assert row == 2 and math.isclose(lex, max(units.values()), rel_tol=1e-9)
    assert math.isclose(sem, float(meaning(probe) @ sem_sum / np.linalg.norm(sem_sum)), rel_tol=1e-9)
    lex, _, row = _lookup(d, rel, probe, {2})  # its own thread is never another discussion
    assert row == 0 and math.isclose(lex, units[0], rel_tol=1e-9)


def test_a_discussion_is_its_first_comments() -> None:
    rel = _relevance()
    d = Discussions(rel.vocab, len(meaning("")))
    assert all(d.add(0, f"ramen comment number {i}") for i in range(DISCUSSION))
    assert not d.add(0, "one more about ramen") and d.count(0) == DISCUSSION
    assert not d.add(1, "   ")


def test_a_comment_from_another_discussion_reads_as_off_topic_and_the_reason_says_where() -> None:
    talk = [(RAMEN.id, t) for t in RAMEN_TALK] + [(YEN.id, t) for t in YEN_TALK]
    bare, discussed = _relevance(), _relevance(talk)
    probe = "Rates must rise now or the yen keeps falling against the dollar."
    earlier = [(f"n{i}", t) for i, t in enumerate(["Japan should not join NATO.", "Russia is the threat here."])]
    p_bare = bare.score(probe, NATO, earlier)
    p_disc = discussed.score(probe, NATO, earlier)
    assert p_disc["features"]["disc_lex"] > 0.2 and p_bare["features"]["disc_lex"] == 0.0
    assert p_disc["probability"] > p_bare["probability"]
    on_topic = discussed.score("Japan and NATO must stand up to Russia.", NATO, earlier)
    assert on_topic["probability"] < p_disc["probability"]
    assert "discussion under 'The Bank of Japan holds rates as the yen slides'" in p_disc["reason"]


def _store(store: Store, threads: list[Thread], talk: list[tuple[str, str]]) -> None:
    comments = [Comment(id=f"{tid}-{i}", thread_id=tid, text=text) for i, (tid, text) in enumerate(talk)]
    store.import_dataset(Dataset(threads=threads, comments=comments))


def test_workers_read_the_other_discussions_from_the_store_alike(store: Store) -> None:
    """Two taggers (two workers) over one store: one fitted before the other threads' comments were stored
    (it reads them with the thread's news), one after (it reads them at the cutoff) judge the same alike."""
    _store(store, [NATO, RAMEN, YEN], [(NATO.id, "Japan should not join NATO."), (NATO.id, "Russia is the threat.")])
    early = Tagger(store)
    probe = Comment(id="probe", thread_id=NATO.id, text="Rates must rise now or the yen keeps falling.")
    first = early.tag(probe, NATO, store.thread_comments(NATO.id), remember=False).off_topic
    _store(store, [], [(YEN.id, t) for t in YEN_TALK] + [(RAMEN.id, t) for t in RAMEN_TALK])
    later = early.tag(probe, NATO, store.thread_comments(NATO.id), remember=False).off_topic
    fresh = Tagger(store).tag(probe, NATO, store.thread_comments(NATO.id), remember=False).off_topic
    assert later.probability > first.probability
    assert later.probability == fresh.probability
