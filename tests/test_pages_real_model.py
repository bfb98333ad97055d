"""The pages with the real trained scorer: its reason words are marked in the comment's text."""

from __future__ import annotations

from pathlib import Path

from moderation.dataset import load_dataset
from moderation.labelling.owntext import thread_own_texts
from moderation.model.artifact import load_model
from moderation.pages.highlight import reason_words, segments
from moderation.verdict import Stance
from tests.conftest import ROOT
from training.train import train


def test_real_scorer_reasons_are_marked(tmp_path: Path) -> None:
    seed = ROOT / "labels" / "kishida-nato"
    train([str(seed)], tmp_path / "model")
    scorer = load_model(tmp_path / "model")
    ds = load_dataset(seed)
    own = thread_own_texts(ds.threads[0], ds.comments)
    thread = ds.threads[0]
    text = own["kishida-nato-003"]  # "Japan, stay out of entanglements you have no business being in. ..."
    stance = scorer.score({"text": text, "target": thread.target, "title": thread.title, "body": thread.body})
    words = reason_words(Stance.from_json(stance))
    assert words and words == [w.lower() for w in stance["reasons"]]
    marked = [run["text"].lower() for seg in segments(text, [], words) for run in seg["runs"] if run["mark"]]
    assert marked, f"none of {words} marked in {text!r}"
    assert all(any(m == t or m.startswith(t) for w in words for t in w.split()) for m in marked)
