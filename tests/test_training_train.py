"""The trainer: determinism, clear errors, the model folder and report, evaluate, the click commands."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from moderation.dataset import Comment, Dataset, Thread, write_dataset
from moderation.errors import UnprocessableError
from moderation.model.artifact import load_model
from tests.test_model_data import make_dataset
from training.commands import evaluate as evaluate_cmd
from training.commands import train as train_cmd
from training.evaluate import evaluate, f_avg
from training.train import train

SEED_LABELS = Path(__file__).resolve().parents[1] / "labels" / "kishida-nato"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    write_dataset(make_dataset(90, targets=3), tmp_path / "data")
    return tmp_path / "data"


def _cli() -> click.Group:
    group = click.Group("moderation")
    group.add_command(train_cmd)
    group.add_command(evaluate_cmd)
    return group


def test_train_writes_model_report_and_is_deterministic(data: Path, tmp_path: Path) -> None:
    a = train([data], tmp_path / "a", seed=3, grid=(0.3, 1.0), n_splits=3)
    b = train([data], tmp_path / "b", seed=3, grid=(0.3, 1.0), n_splits=3)
    for name in ("model.joblib", "model.json", "report.json", "report.html"):
        assert (tmp_path / "a" / name).is_file()
    assert a["manifest"]["sha256"] == b["manifest"]["sha256"]
    assert a["metrics"] == b["metrics"]
    manifest = a["manifest"]
    assert manifest["label_counts"]["stance"] == {"against": 30, "favor": 30, "none": 30}
    assert manifest["cv"]["stance"]["grouped_by"] == "thread"
    assert set(manifest["cv"]["stance"]["f_avg_by_C"]) == {"0.3", "1.0"}
    by_weight = manifest["cv"]["stance"]["f_avg_by_semantic_and_C"]
    assert set(by_weight) == {"0.0", "0.5", "1.0"} and all(set(s) == {"0.3", "1.0"} for s in by_weight.values())
    chosen = manifest["parameters"]["stance_semantic"]
    assert max(by_weight[str(chosen)].values()) == max(max(s.values()) for s in by_weight.values())
    steps = [n for n, _ in load_model(tmp_path / "a").stance.named_steps["features"].features_.transformer_list]
    assert ("semantic" in steps) == (chosen > 0)
    assert manifest["off_topic_model"] is True
    assert "<svg" in (tmp_path / "a" / "report.html").read_text()
    assert "brier" in json.loads((tmp_path / "a" / "report.json").read_text())["metrics"]["stance"]["calibration"]
    assert load_model(tmp_path / "a").score({"text": "oppose, terrible"})["label"] in {"favor", "against", "none"}


def test_evaluate_reports_every_metric(data: Path, tmp_path: Path) -> None:
    train([data], tmp_path / "m", grid=(1.0,), n_splits=3)
    result = evaluate(tmp_path / "m", data)
    st = result["stance"]
    assert {"f_avg", "macro_f1", "accuracy", "per_class", "confusion", "calibration"} <= set(st)
    assert st["confusion"]["labels"] == ["favor", "against", "none"]
    assert {"precision", "recall", "f1", "roc_auc"} <= set(result["off_topic"])
    assert result["off_topic"]["roc_auc"] is not None


def test_f_avg_is_the_mean_of_favor_and_against_f1() -> None:
    assert f_avg(["favor", "against", "none"], ["favor", "none", "none"]) == pytest.approx(50.0)


def _folder(tmp_path: Path, stances: list[str | None]) -> Path:
    ds = Dataset([Thread(id="t", title="A claim")],
                 [Comment(id=f"c{i}", thread_id="t", text=f"comment {i}", stance=s) for i, s in enumerate(stances)])
    write_dataset(ds, tmp_path / "d")
    return tmp_path / "d"


@pytest.mark.parametrize(("stances", "message"), [
    ([None, None], "no comments labelled with stance"),
    (["favor"] * 6, "every stance label is 'favor'"),
    (["favor"] * 5 + ["against"], "label 'against' has a single example"),
])
def test_untrainable_data_is_a_clear_error(tmp_path: Path, stances: list, message: str) -> None:
    with pytest.raises(UnprocessableError, match=message):
        train([_folder(tmp_path, stances)], tmp_path / "m")


def test_unknown_labels_are_refused(tmp_path: Path) -> None:
    from training.data import examples_from

    ds = Dataset([Thread(id="t", title="A claim")], [Comment(id="c", thread_id="t", text="x", stance="maybe")])
    with pytest.raises(UnprocessableError, match="unknown stance label 'maybe'"):
        examples_from([ds])


def test_cli_train_and_evaluate(data: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "m"
    result = runner.invoke(_cli(), ["train", "--data", str(data), "--out", str(out), "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "stance: F_avg" in result.stdout
    result = runner.invoke(_cli(), ["evaluate", "--model", str(out), "--data", str(data), "--json"])
    assert result.exit_code == 0
    assert "f_avg" in json.loads(result.stdout)["stance"]


def test_cli_errors_are_one_line(data: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(_cli(), ["evaluate", "--model", str(tmp_path / "nope"), "--data", str(data)])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {tmp_path / 'nope'}: not a model folder (no model.json)"
    bad = _folder(tmp_path, ["favor"] * 4)
    result = runner.invoke(_cli(), ["train", "--data", str(bad), "--out", str(tmp_path / "m")])
    assert result.exit_code == 1
    assert "Error: every stance label is 'favor': need at least two classes" in result.output


@pytest.mark.skipif(not (SEED_LABELS / "comments.jsonl").exists(), reason="the seed labels are not there yet")
def test_trains_on_the_seed_thread(tmp_path: Path) -> None:
    result = train([SEED_LABELS], tmp_path / "seed")
    assert result["manifest"]["label_counts"]["stance"]["favor"] > 0
    assert load_model(tmp_path / "seed").score({"text": "Japan should work with NATO"})["label"]
