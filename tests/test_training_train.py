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
from training.train import Phases, train

SEED_LABELS = Path(__file__).resolve().parents[1] / "labels" / "kishida-nato"
FAST = {"pair": False, "claim_semantic": 0.0}


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
    cv = manifest["cv"]["stance"]
    assert set(cv["f_avg_by_setting"]) == {f"C={c} {w}" for c in (0.3, 1.0) for w in ("balanced", "unweighted")}
    assert cv["setting"] == max(cv["f_avg_by_setting"], key=cv["f_avg_by_setting"].get)
    # a setting is judged as it ships, after the class offsets chosen on its own out-of-fold probabilities
    assert cv["f_avg_by_setting"][cv["setting"]] == cv["offsets"]["f_avg"] == cv[cv["chosen_by"]]["f_avg"]
    assert cv["f_avg_by_setting_without_offsets"][cv["setting"]] == cv["offsets"]["f_avg_without"]
    assert "f_avg" in cv["across_threads"] and "f_avg" in cv["within_threads"]
    assert cv["no_better_than_majority"] is False and manifest["warnings"] == []
    assert manifest["off_topic_model"] is True
    assert "<svg" in (tmp_path / "a" / "report.html").read_text()
    assert "brier" in json.loads((tmp_path / "a" / "report.json").read_text())["metrics"]["stance"]["calibration"]
    assert load_model(tmp_path / "a").score({"text": "oppose, terrible"})["label"] in {"favor", "against", "none"}


def _threads(tmp_path: Path, n_threads: int, per_thread: int) -> Path:
    words = {"favor": "great support yes", "against": "awful oppose no", "none": "weather lunch today"}
    stances = ("favor", "against", "none")
    ds = Dataset([Thread(id=f"t{k}", title=f"Claim {k}") for k in range(n_threads)],
                 [Comment(id=f"c{k}-{i}", thread_id=f"t{k}", text=f"{words[stances[i % 3]]} {k} {i}",
                          stance=stances[i % 3]) for k in range(n_threads) for i in range(per_thread)])
    write_dataset(ds, tmp_path / f"d{n_threads}")
    return tmp_path / f"d{n_threads}"


@pytest.mark.parametrize(("n_threads", "per_thread", "chosen"), [(6, 9, "across_threads"), (1, 60, "within_threads"),
                                                                 (3, 40, "within_threads")])
def test_the_report_says_which_protocol_chose_and_why(tmp_path: Path, n_threads: int, per_thread: int,
                                                      chosen: str) -> None:
    manifest = train([_threads(tmp_path, n_threads, per_thread)], tmp_path / "m", grid=(1.0,), n_splits=3,
                     features=FAST)["manifest"]
    cv = manifest["cv"]["stance"]
    assert cv["chosen_by"] == chosen and cv["why"].startswith(chosen.replace("_", " "))
    assert "f_avg" in cv[chosen]
    other = cv["within_threads" if chosen == "across_threads" else "across_threads"]
    assert ("f_avg" in other) == (n_threads >= 3)
    # new threads get the offsets of the across-thread folds (when they ran), known threads the within-thread ones
    news, known = cv["offsets"]["new_threads"], cv["offsets"]["known_threads"]
    assert news["chosen_on"] == ("across-thread folds" if n_threads >= 3 else "within_threads folds (across "
                                                                              "threads skipped)")
    assert known["chosen_on"] == "within-thread folds"


def _majority_only(tmp_path: Path) -> Path:
    """Every comment says the same words: no model can do better than the majority label."""
    stances = ["against"] * 14 + ["favor"] * 4 + ["none"] * 4
    ds = Dataset([Thread(id="t", title="A claim")],
                 [Comment(id=f"c{i}", thread_id="t", text="I read the article today", stance=s)
                  for i, s in enumerate(stances)])
    write_dataset(ds, tmp_path / "flat")
    return tmp_path / "flat"


def test_a_model_no_better_than_the_majority_class_is_a_loud_warning(tmp_path: Path) -> None:
    notes: list[str] = []

    class Notes(Phases):
        def note(self, line: str) -> None:
            notes.append(line)

    result = train([_majority_only(tmp_path)], tmp_path / "m", n_splits=3, features=FAST, phases=Notes())
    manifest = json.loads((tmp_path / "m" / "model.json").read_text())
    assert manifest["cv"]["stance"]["no_better_than_majority"] is True
    assert manifest["warnings"] == ["stance: no better than the majority class"]
    assert manifest["cv"]["stance"]["majority"]["label"] == "against"
    assert any(n.startswith("WARNING: the chosen stance model is no better than the majority class") for n in notes)
    assert result["manifest"]["warnings"] == manifest["warnings"]


def test_cli_train_prints_the_warning_and_each_skipped_part(tmp_path: Path) -> None:
    result = CliRunner().invoke(_cli(), ["train", "--data", str(_majority_only(tmp_path)), "--out",
                                         str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    assert "WARNING: the chosen stance model is no better than the majority class" in result.stderr
    assert "off-topic model: skipped, only 0 off-topic and 0 on-topic labels (need 5 of each)" in result.stderr
    assert "stance cross-validation across threads: skipped, only 1 labelled thread(s), need 3" in result.stderr
    assert "trained in " in result.stderr and "peak memory" in result.stderr


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


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.8])
def test_near_duplicate_groups_join_exactly_the_pairs_at_the_threshold(threshold: float) -> None:
    import random
    from itertools import combinations

    from sklearn.feature_extraction.text import CountVectorizer

    from training.data import near_duplicate_groups

    rng = random.Random(7)
    words = ["the", "of", "cat", "dog", "ran", "fast", "slow", "big", "red", "blue", "sat", "on", "mat", "house",
             "tree"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(3, 12))) for _ in range(40)]
    texts += [t + " " + rng.choice(words) for t in texts] + texts[:5]
    bigrams = CountVectorizer(ngram_range=(2, 2)).build_analyzer()
    sets = [set(bigrams(t)) for t in texts]
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, j in combinations(range(len(texts)), 2):  # the brute force: every pair compared
        if len(sets[i] & sets[j]) / len(sets[i] | sets[j]) >= threshold:
            parent[find(i)] = find(j)
    groups = near_duplicate_groups(texts, [(0, 1)], threshold)
    parent[find(0)] = find(1)
    for i, j in combinations(range(len(texts)), 2):
        assert (groups[i] == groups[j]) == (find(i) == find(j)), (texts[i], texts[j])
    assert len(set(groups.tolist())) < len(texts)


def test_threads_sharing_a_comment_text_are_held_out_together(tmp_path: Path) -> None:
    from training.cv import folds
    from training.data import examples_from, thread_groups

    # FNC-1's shape: one article under two headlines of its story; a third thread on its own
    threads = ["h1", "h1", "h2", "h2", "h3", "h3", "h4"]
    texts = ["Body A", "Body B", " Body A\n", "Body C", "Body D", "Body E", "Body C"]
    groups = thread_groups(threads, texts)
    assert groups[0] == groups[2] == groups[3] == groups[6]  # h1-h2 by body A, h2-h4 by body C
    assert groups[4] == groups[5] != groups[0]
    assert len(set(groups.tolist())) == 2
    y = __import__("numpy").array(["favor", "against"] * 3 + ["favor"])
    for train_rows, test_rows in folds(y, groups, 2, 0):
        assert not {texts[i].strip() for i in train_rows} & {texts[i].strip() for i in test_rows}
    ds = Dataset([Thread(id=h, title=f"Headline {h}") for h in dict.fromkeys(threads)],
                 [Comment(id=f"c{i}", thread_id=h, text=x, stance="favor") for i, (h, x) in
                  enumerate(zip(threads, texts, strict=True))])
    assert examples_from([ds]).texts == texts  # as posted: the groups compare what was posted


def test_the_stance_report_counts_the_joined_thread_groups(tmp_path: Path) -> None:
    manifest = train([_threads(tmp_path, 6, 9)], tmp_path / "m", grid=(1.0,), n_splits=3,
                     features=FAST)["manifest"]
    assert manifest["cv"]["stance"]["across_thread_groups"].startswith("6 groups of 6 threads")


def test_a_judge_of_the_out_of_fold_probabilities_chooses_the_setting() -> None:
    import numpy as np

    from training.cv import cross_validate

    ds = make_dataset(60, targets=2)
    records = [{"text": c.text, "target": "a claim"} for c in ds.comments]
    y = np.asarray([c.stance for c in ds.comments])
    groups = np.asarray([c.thread_id for c in ds.comments])
    settings = [(0.01, None), (10.0, None)]
    args = {"features": FAST, "settings": settings, "seed": 0, "n_splits": 3, "score": f_avg}
    plain = cross_validate(records, y, groups, **args)
    assert plain["scores"] == plain["raw_scores"]
    # the judge prefers the least confident out-of-fold probabilities: the strongest regularisation
    judged = cross_validate(records, y, groups, **args, judge=lambda y, p, c: -float(p.max(axis=1).mean()))
    assert judged["best"] == (0.01, None) and judged["raw_scores"] == plain["raw_scores"]
    bold = cross_validate(records, y, groups, **args, judge=lambda y, p, c: float(p.max(axis=1).mean()))
    assert bold["best"] == (10.0, None) and bold["scores"] != bold["raw_scores"]
