"""Quote or copy (issue 11): copy variants of a seed comment are duplicates, quote-replies are not, bylines are
no quotes."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation.dataset import Comment, Dataset, load_dataset
from moderation.labelling import copies, duplicates
from moderation.labelling.quotes import QuoteIndex
from moderation.labelling.relevance import Relevance
from moderation.labelling.tagger import Tagger
from moderation.store import Store

SEED = Path(__file__).resolve().parents[1] / "labels" / "kishida-nato"
ORIGINAL = 45  # -046, the multi-paragraph comment of the issue
APPENDED = "Make no mistake, this is the real problem behind all the talk."


def _variants(text: str) -> dict[str, str]:
    paras = text.split("\n\n")
    words = text.split()
    return {
        "verbatim": text,
        "line appended": f"{text}\n\n{APPENDED}",
        "line prepended": f"{APPENDED}\n\n{text}",
        "sentence replaced": text.replace("Still many house still damaged in Noto.", APPENDED),
        "paragraphs reversed": "\n\n".join(reversed(paras)),
        "paragraphs reordered": "\n\n".join(paras[1::2] + paras[0::2]),
        "last quarter cut": " ".join(words[:len(words) * 3 // 4]),
    }


@pytest.fixture
def seeded(store: Store) -> tuple[Dataset, Tagger]:
    ds = load_dataset(SEED)
    tagger = Tagger(store, relevance=Relevance.fit([c.text for c in ds.comments]))
    for i, c in enumerate(ds.comments):
        tagger.tag(c, ds.threads[0], ds.comments[:i])
    return ds, tagger


@pytest.mark.parametrize("kind", list(_variants("a\n\nb")))
def test_every_copy_variant_is_a_copy_within_the_thread(seeded: tuple, kind: str) -> None:
    ds, tagger = seeded
    original = ds.comments[ORIGINAL]
    text = _variants(original.text)[kind]
    assert text != original.text or kind == "verbatim"
    tags = tagger.tag(Comment(id="x", thread_id=ds.threads[0].id, text=text, author="mallory"),
                      ds.threads[0], ds.comments, remember=False)
    assert tags.duplicate is not None, tags.quotes
    assert tags.duplicate.of == original.id and tags.duplicate.kind in ("copy", "near_copy")
    assert tags.duplicate.evidence or tags.duplicate.similarity >= 0.8
    assert all(q.source != original.id for q in tags.quotes)


@pytest.mark.parametrize("kind", ["line appended", "last quarter cut", "sentence replaced"])
def test_copy_variants_across_threads_and_same_author_is_a_repost(seeded: tuple, kind: str) -> None:
    ds, tagger = seeded
    original = ds.comments[ORIGINAL]
    other = ds.threads[0].__class__(id="elsewhere", title="Another story", body="Nothing alike.", target="x")
    text = _variants(original.text)[kind]
    tags = tagger.tag(Comment(id="y", thread_id="elsewhere", text=text, author="mallory"), other, [],
                      remember=False)
    assert (tags.duplicate.of, tags.duplicate.kind) == (original.id, "near_copy")
    assert "in thread kishida-nato" in tags.duplicate.reason
    mine = ds.comments[:ORIGINAL] + [Comment(id=original.id, thread_id=original.thread_id, text=original.text,
                                             author="ann")]
    tags = Tagger(tagger.store, relevance=tagger.relevance).tag(
        Comment(id="z", thread_id=original.thread_id, text=text, author="ann"), ds.threads[0], mine, remember=False)
    assert (tags.duplicate.of, tags.duplicate.kind) == (original.id, "repost")


def test_seed_quote_replies_are_quotes_not_copies(seeded: tuple) -> None:
    ds, _ = seeded
    index = QuoteIndex.for_thread(ds.threads[0].title, ds.threads[0].body)
    readings = [copies.add(index, c) for c in ds.comments]
    assert sum(1 for r in readings if r.quotes) == 30
    # The double post copies the comment before it (the tagger calls it a repost); no quote-reply is a copy.
    assert [ds.comments[i].id for i, r in enumerate(readings) if r.copy] == ["kishida-nato-023"]


def test_reply_is_not_a_near_copy_of_what_it_quotes(seeded: tuple) -> None:
    ds, tagger = seeded
    reply = ds.comments[57]  # -058 quotes two of -055's three lines and asks one question
    tags = tagger.tag(reply, ds.threads[0], ds.comments[:57], remember=False)
    assert tags.duplicate is None and {q.source for q in tags.quotes} == {"kishida-nato-055"}
    # Even judged as a whole text (its quotes unseen, as when the thread's comments come in another order),
    # the reply is a quote-reply of -055 by its evidence, not a near copy.
    ev = copies.pair_evidence(reply.text, "kishida-nato-055", ds.comments[54].text)
    assert not ev.is_copy() and ev.marked


BYLINE = "July 19, 2024. Azonuchechi Chukwu. The"


def test_bylines_shared_across_texts_are_not_quotes() -> None:
    index = QuoteIndex()
    stories = ["National Agency for Food Drugs shut a bakery down for using unfortified sugar",
               "Multinational Joint Task Force took in the surrendering fighters at the border",
               "Central Bank of Nigeria capped the profits of the exchange bureaux this week",
               "Nigerian Naira on Thursday depreciated in the parallel market against the dollar"]
    for n, story in enumerate(stories):
        text = f"{BYLINE} {story}."
        assert index.spans(text) == [], n
        index.add(f"t{n}", text)
    reply = f"{BYLINE} {stories[1]}.\n\nGood riddance."
    assert [q.source for q in index.spans(reply)] == ["t1"]  # the story is quoted, not the byline


def test_naija_teasers_quote_no_byline() -> None:
    teasers = [
        "NAFDAC shuts down bakery for using unfortified sugar, others in Sokoto\n\n"
        "July 19, 2024. Azonuchechi Chukwu. The National Agency for Food Drugs...",
        "Over 263 Boko Haram Terrorists Surrender to MNJTF\n\n"
        "July 19, 2024. Azonuchechi Chukwu. The Multinational Joint Task Force (MNJTF)...",
        "CBN directs BDCs to cap forex profits at 1.5%\n\n"
        "July 19, 2024. Azonuchechi Chukwu. The Central Bank of Nigeria(CBN) on...",
    ]
    index = QuoteIndex()
    for n, text in enumerate(teasers):
        assert index.spans(text) == []
        index.add(f"t{n}", text)


SHORT = 4  # -005, 16 words on one line


@pytest.mark.parametrize("where", ["before", "after"])
def test_short_copy_with_a_line_added_is_caught_across_threads(seeded: tuple, where: str) -> None:
    # A 16-word comment with a 15-word line: shingle Jaccard 0.54, no LSH band shared with the original;
    # the exact hash of the text less the added paragraph is not.
    ds, tagger = seeded
    original = ds.comments[SHORT]
    line = "Nobody in this government has the courage to say any of it out loud, sadly."
    text = f"{line}\n\n{original.text}" if where == "before" else f"{original.text}\n\n{line}"
    other = ds.threads[0].__class__(id="elsewhere", title="Another story", body="Nothing alike.", target="x")
    tags = tagger.tag(Comment(id="s", thread_id="elsewhere", text=text, author="mallory"), other, [], remember=False)
    assert tags.duplicate is not None and (tags.duplicate.of, tags.duplicate.kind) == (original.id, "near_copy")
    assert tags.duplicate.evidence["coverage"] == 1.0


def test_own_text_allowed_rises_with_coverage_for_measured_lengths() -> None:
    rule = copies.Rule(coverage=0.6, own_share=0.2, full_own=0.5)
    assert rule.own_limit(0.6, True) == pytest.approx(0.2) and rule.own_limit(1.0, True) == pytest.approx(0.5)
    assert rule.own_limit(0.8, True) == pytest.approx(0.35)
    # Sources shorter than the benchmark ever copied get no rise: a whole 11-word line answered in 9 words stays
    # a quote-reply (as the seed thread's -044 answers -013).
    assert rule.own_limit(1.0, True, source_words=copies.RISE_WORDS - 1) == pytest.approx(0.2)


def test_quote_mark_copied_with_a_news_text_is_no_quote_across_threads() -> None:
    source = "\u201cWe will not negotiate with anyone who holds hostages,\u201d the minister told reporters on Monday."
    copy = " ".join(source.split()[:12])  # cut: the opening mark is kept, the closing one is gone
    ev = copies.pair_evidence(copy, "c1", duplicates.dup_key(source), folded=True)
    assert not ev.marked and ev.is_copy()
    assert copies.pair_evidence(f"> {source}\n\nSo?", "c1", duplicates.dup_key(source), folded=True).marked
