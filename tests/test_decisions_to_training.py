"""A moderator's decision becomes a label that the next `moderation train` learns from."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from moderation.cli import main
from moderation.dataset import Comment, load_dataset
from moderation.queue import decide_item
from moderation.store import Store
from moderation.verdict import Label
from tests.conftest import ROOT


def test_relabel_decision_reaches_the_next_training(store: Store, env_db: str, tmp_path: Path) -> None:
    store.import_dataset(load_dataset(ROOT / "labels" / "kishida-nato"))
    comment = Comment("x1", "kishida-nato", "Japan must stand with NATO: it keeps the peace in Asia too.")
    store.save_scored(comment, queue={"name": "needs-review", "priority": 0.4, "reasons": ["uncertain"],
                                      "scores": {"stance": {"none": 0.5}}, "model_version": "v0"})
    decide_item(store, "x1", action="relabel", actor="user:mod",
                label=Label.from_json({"stance": "favor", "off_topic": False}))
    exported = {c.id: c for c in store.export_dataset().comments}
    assert (exported["x1"].stance, exported["x1"].annotator) == ("favor", "user:mod")

    result = CliRunner().invoke(main, ["train", "--from-store", "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "m" / "model.json").read_text())
    assert manifest["sources"] == ["store"]
    assert manifest["label_counts"]["stance"] == {"against": 25, "favor": 30, "none": 4}  # 29 seed + the decision
