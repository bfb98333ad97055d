"""The seed thread through `moderation import`: comment count, votes, quote attributions, the double post."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from moderation.bootstrap import prepare_default
from moderation.cli import main
from moderation.store import Store
from tests.conftest import ROOT, seeds_dir

TARGET = "Japan should strengthen its ties with NATO"


def test_scraped_seed_page_imports_with_votes_quotes_and_double_post(store: Store, env_db: str, tmp_path: Path) -> None:
    page = next(seeds_dir().glob("000_*.txt"))
    article = tmp_path / "article.txt"
    article.write_text("Russia's deepening military cooperation with North Korea...", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(page), "--thread-id", "kn", "--target", TARGET,
                                       "--article", str(article)])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["imported"] == {"threads": 1, "comments": 58, "labels": 0}
    thread = store.get_thread("kn")
    assert thread.title == "Japan must strengthen NATO ties to safeguard global peace, PM says"
    assert thread.target == TARGET
    assert thread.body.startswith("Russia's deepening")
    comments = store.thread_comments("kn")
    assert len(comments) == 58
    second = comments[1]
    assert second.text.startswith("Kishida is being dishonest.")
    assert (second.score, second.votes_up, second.votes_down) == (-8, 16, 24)
    quoting = comments[7]
    assert quoting.quote_attributions == [{"name": "JJE", "posted": "Today 07:29 am JST"}]
    assert quoting.author is None and "JJEToday" not in quoting.text
    doubles = [c for c in comments if c.text.startswith("Negative - suggest brush up on history.")]
    assert [c.id for c in doubles] == ["kn-022", "kn-023"]
    assert doubles[0].text == doubles[1].text
    assert (doubles[0].votes_up, doubles[1].votes_up) == (6, 5)
    assert "I don\u2019t know" in comments[8].text  # curly, as the reader wrote it, not folded to straight
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["export", str(out)]).exit_code == 0
    exported = [json.loads(line) for line in (out / "comments.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [c["text"] for c in exported if c["thread_id"] == "kn"] == [c.text for c in comments]


def test_labelled_seed_dataset_imports_with_its_labels(store: Store, env_db: str) -> None:
    result = CliRunner().invoke(main, ["import", str(ROOT / "labels" / "kishida-nato")])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["imported"] == {"threads": 1, "comments": 58, "labels": 58}
    exported = {c.id: c for c in store.export_dataset().comments}
    assert exported["kishida-nato-023"].duplicate_of == "kishida-nato-022"
    assert exported["kishida-nato-035"].off_topic is True
    assert store.get_thread("kishida-nato").target == TARGET


def test_serve_bootstrap_imports_the_seed_once(store: Store, env_db: str, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("MODERATION_MODEL_DIR", "models")
    logs: list[str] = []
    first = prepare_default(store, log=logs.append)
    assert first["imported"] == ["kishida-nato"]
    assert store.counts()["comments"] == 58
    second = prepare_default(store, log=logs.append)
    assert second["imported"] == []
    assert store.counts()["comments"] == 58
