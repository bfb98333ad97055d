"""The tagger on the seed thread (the hand labels as expected values), and `moderation tag`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from moderation.cli import main
from moderation.dataset import Comment, Dataset, load_dataset
from moderation.labelling.relevance import FEATURES, Relevance
from moderation.labelling.tagger import Tagger
from moderation.queue.policy import default_off_topic_threshold
from moderation.store import Store
from moderation.verdict import Verdict
from tests.conftest import seeds_dir
from training.offtopic_sets import seed_teasers

SEED = Path(__file__).resolve().parents[1] / "labels" / "kishida-nato"
# Known misses of the shipped default off-topic model (moderation/labelling/offtopic_default.json, trained on
# FNC-1, SemEval and Perspectrum; never tuned on this thread) at the queue's default threshold 0.5, with the
# article, on a store holding this thread alone: listed, not hidden, and exact (a new miss fails, and so does a
# fixed one until it is taken off the list). Measured figures: benchmarks/off_topic.py (README).
# Measured with the shipped model (nothing in it was chosen on the seed thread): on-topic comments it flags.
ON_TOPIC_MISSES = {"kishida-nato-013", "kishida-nato-022", "kishida-nato-050"}
TEASER_MISSES = {"LDP"}
FLAG = default_off_topic_threshold()  # the queue's threshold with the shipped off-topic model


def _seed() -> Dataset:
    return load_dataset(SEED)


def _relevance(ds: Dataset) -> Relevance:
    return Relevance.fit([f"{t.title}\n{t.target}\n{t.body}" for t in ds.threads] + [c.text for c in ds.comments])


def _teasers() -> dict[str, str]:
    """Unrelated stories the seed pages carry: the Taipei Times' and Naija247news' teasers."""
    return seed_teasers(seeds_dir())


def _walk(tagger: Tagger, ds: Dataset, comments: list[Comment]) -> list[Verdict]:
    """Each comment tagged after the ones before it, as the service meets them (each joins the index)."""
    return [tagger.tag(c, ds.threads[0], comments[:i]) for i, c in enumerate(comments)]


@pytest.fixture
def seed_tags(store: Store) -> tuple[Dataset, list[Verdict], Tagger]:
    ds = _seed()
    tagger = Tagger(store, relevance=_relevance(ds))
    return ds, _walk(tagger, ds, ds.comments), tagger


def test_double_post_is_a_repost_and_nothing_else_is_a_duplicate(seed_tags: tuple) -> None:
    ds, tags, _ = seed_tags
    got = {t.id: t.duplicate.of for t in tags if t.duplicate}
    assert got == {c.id: c.duplicate_of for c in ds.comments if c.duplicate_of}
    assert tags[22].duplicate.kind == "repost" and tags[22].quotes == ()
    assert all(t.duplicate is None for t in tags if t.quotes)


def test_own_text_excludes_the_quote(seed_tags: tuple) -> None:
    _, tags, _ = seed_tags
    assert tags[57].own_text == "Which morning paper do you read?"
    assert tags[57].quotes[1].text.startswith("> Japan should remain neutral")
    assert any("quotes 2 span(s) from kishida-nato-055" in r for r in tags[57].reasons)


def test_off_topic_matches_the_hand_labels(seed_tags: tuple) -> None:
    ds, tags, _ = seed_tags
    misses = {c.id: t.off_topic for c, t in zip(ds.comments, tags, strict=True)
              if (t.off_topic.probability >= FLAG) != c.off_topic}
    assert set(misses) == ON_TOPIC_MISSES, misses
    assert tags[34].off_topic.probability > 0.9  # -035 "Damn keyboard, LOL.."
    assert all(set(t.off_topic.features) == set(FEATURES) and t.off_topic.source == "relevance" for t in tags)


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason="known miss: a Japanese politics story, as close "
                                                    "to the thread as its comments (sentence vectors too)"))
    if n in TEASER_MISSES else n for n in sorted(_teasers())])
def test_unrelated_stories_are_off_topic(seed_tags: tuple, name: str) -> None:
    ds, _, tagger = seed_tags
    comment = Comment(id=f"teaser-{name}", thread_id=ds.threads[0].id, text=_teasers()[name])
    tags = tagger.tag(comment, ds.threads[0], ds.comments, remember=False)
    assert tags.off_topic.probability >= FLAG, tags.off_topic


def test_remember_false_stores_nothing_and_remember_adds(seed_tags: tuple, store: Store) -> None:
    ds, _, tagger = seed_tags
    before = store.dup_count()
    copy = Comment(id="x1", thread_id="kishida-nato", text=ds.comments[1].text, author="someone")
    tags = tagger.tag(copy, ds.threads[0], ds.comments, remember=False)
    assert tags.duplicate.of == "kishida-nato-002" and tags.duplicate.kind == "copy"
    assert store.dup_count() == before
    assert tagger.tag(copy, ds.threads[0], ds.comments).duplicate.of == "kishida-nato-002"
    assert store.dup_count()["entries"] == before["entries"] + 1


def test_a_comment_is_judged_only_against_the_comments_before_it(seed_tags: tuple) -> None:
    ds, first, tagger = seed_tags
    # Re-scored by id after the whole thread is known: the same verdicts, never a quote of itself or later ones.
    again = [tagger.tag(c, ds.threads[0], ds.comments[:i], remember=False) for i, c in enumerate(ds.comments)]
    assert again == first
    for i in (28, 48, 47, 2):  # -029 "How odd." quoting the article; -049 quoting the article and -048
        assert tagger.tag(ds.comments[i], ds.threads[0], ds.comments[:i], remember=False) == first[i]
    assert first[28].quotes == () and first[28].own_text.endswith("How odd.") and len(first[28].own_text) > 100
    assert {q.source for q in first[48].quotes} >= {"article", "kishida-nato-048"}


def test_stance_from_a_model_on_the_own_text(store: Store) -> None:
    ds = _seed()
    seen = []

    def model(record: dict) -> dict:
        seen.append(record)
        return {"label": "favor", "probabilities": {"favor": 1.0}, "reason": "stub"}

    tags = _walk(Tagger(store, model=model, relevance=_relevance(ds)), ds, ds.comments[:10])
    assert tags[9].stance.label == "favor" and tags[0].stance is not None
    assert seen[9]["text"] == "If you can't win the peace, you aren't playing the game right."
    assert seen[9]["target"] == "Japan should strengthen its ties with NATO"


def test_cli_tag_writes_json_lines(env_db: str) -> None:
    result = CliRunner().invoke(main, ["tag", "--data", str(SEED)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [t["id"] for t in lines] == [c.id for c in _seed().comments]
    assert lines[22]["duplicate"]["of"] == "kishida-nato-022"


def test_cli_tag_bad_folder(env_db: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["tag", "--data", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: --data {tmp_path / 'nope'}: no such folder"


def test_the_fake_taggers_of_the_tests_take_what_the_tagger_takes() -> None:
    """The service and page tests stand a fake in for Tagger: its tag() must keep the real one's parameters."""
    import inspect

    from moderation.labelling.tagger import Tagger
    from tests import test_app_support, test_pages_views

    def shape(fn: object) -> list[tuple[str, object, object]]:
        return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]

    for fake in (test_app_support.FakeTagger, test_pages_views.FakeTagger):
        assert shape(fake.tag) == shape(Tagger.tag), fake.__module__
