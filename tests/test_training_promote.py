"""--promote: register every model, make it current only when it is not worse on the same held-out data."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from moderation.dataset import Comment, Dataset, Thread, write_dataset
from moderation.errors import ModelError
from moderation.model.artifact import load_model
from moderation.store import Store
from tests.test_model_data import FILLER, WORDS, make_dataset
from training.evaluate import f_avg
from training.promote import MIN_UNSEEN, promote
from training.train import TRAINED_IDS, train

# Words no comment of WORDS uses: a model trained only on WORDS comments is blind to these.
OTHER_WORDS = {
    "favor": ["brilliant", "backing", "absolutely", "endorse", "#YesDeal", "wonderful", "smart move", "well done"],
    "against": ["awful", "reject", "never", "refuse", "#NoDeal", "dreadful", "foolish move", "disaster"],
    "none": ["garden", "recipe", "holiday", "parking", "cinema", "concert", "bicycle", "weekend"],
}
FAST = {"grid": (1.0,), "n_splits": 3, "features": {"pair": False, "claim_semantic": 0.0}}


def generated(prefix: str, n: int, seed: int, words: dict[str, list[str]], noise: int) -> Dataset:
    """Like make_dataset, with ids under ``prefix``, a word table and ``noise`` words of a random class each."""
    rng = random.Random(seed)
    threads = [Thread(id=f"{prefix}t{k}", title=f"Claim {prefix}{k} about NATO", body="Japan and NATO talk ties.")
               for k in range(3)]
    comments = []
    for i in range(n):
        stance = ("favor", "against", "none")[i % 3]
        text = rng.sample(words[stance], 2) + [rng.choice(words[rng.choice(list(words))]) for _ in range(noise)]
        text += rng.sample(FILLER, 3)
        rng.shuffle(text)
        comments.append(Comment(id=f"{prefix}{i}", thread_id=threads[(i // 3) % 3].id, text=" ".join(text),
                                stance=stance, off_topic=stance == "none" and i % 2 == 0))
    return Dataset(threads, comments)


@pytest.fixture(autouse=True)
def _model_dir(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The model folder holds this module's shared models and each test's own: the session's temp root."""
    monkeypatch.setenv("MODERATION_MODEL_DIR", str(tmp_path_factory.getbasetemp()))


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The current model, trained on noisy comments (it fits them, it does not generalise much), and new models
    trained on those plus comments in words the current model never saw: 24 of them, or only 9."""
    root = tmp_path_factory.mktemp("promote")
    write_dataset(generated("a", 90, 0, WORDS, noise=3), root / "seen")
    write_dataset(generated("b", 24, 1, OTHER_WORDS, noise=0), root / "unseen")
    write_dataset(generated("b", 9, 1, OTHER_WORDS, noise=0), root / "few")
    return {"current": train([root / "seen"], root / "current", **FAST),
            "new": train([root / "seen", root / "unseen"], root / "new", **FAST),
            "new_few": train([root / "seen", root / "few"], root / "new_few", **FAST)}


def _figures(new: dict[str, Any], current: dict[str, Any], keep: list[int]) -> tuple[float, float]:
    """The new model's out-of-fold and the current model's plain F_avg on the held-out rows ``keep``."""
    held = new["heldout"]
    y = [held["y"][k] for k in keep]
    old = load_model(current["path"]).predict([held["records"][k] for k in keep])
    return f_avg(y, [held["oof_pred"][k] for k in keep]), f_avg(y, list(old))


def _in_store(store: Store, version: str) -> bool:
    return version in [m["version"] for m in store.list_models()]


def test_trained_ids_are_in_the_model_folder(models: dict[str, Any]) -> None:
    new = models["new"]
    body = json.loads((Path(new["path"]) / TRAINED_IDS).read_text())
    assert body["ids"] == new["heldout"]["ids"] and len(body["record_keys"]) == len(body["ids"]) == 114
    assert new["manifest"]["stance_trained_ids"]["count"] == 114
    assert json.loads((Path(new["path"]) / "model.json").read_text())["stance_trained_ids"]["file"] == TRAINED_IDS


def test_same_training_data_compares_cross_validated_figures(store: Store, tmp_path: Path) -> None:
    """(a) Same data, two settings: both manifests' out-of-fold F_avg. The better one by cross-validation wins,
    although the other, judged by its plain predictions on its own training comments, would look better."""
    write_dataset(generated("a", 60, 2, WORDS, noise=3), tmp_path / "d")
    one = train([tmp_path / "d"], tmp_path / "m1", seed=0, **FAST)
    two = train([tmp_path / "d"], tmp_path / "m2", seed=1, **FAST)
    assert one["manifest"]["training_data_hash"] == two["manifest"]["training_data_hash"]
    worse, better = sorted((one, two), key=lambda t: t["manifest"]["metrics"]["stance"]["f_avg"])
    outcome = promote(store, worse)
    assert outcome["promoted"] and "no current model" in outcome["reason"]
    assert store.current_model()["version"] == worse["manifest"]["version"]

    new_cv, old_cv = (t["manifest"]["metrics"]["stance"]["f_avg"] for t in (better, worse))
    assert new_cv >= old_cv
    everyone = list(range(60))
    assert _figures(better, worse, everyone)[0] < _figures(better, worse, everyone)[1]  # the biased comparison
    outcome = promote(store, better)
    assert outcome == {"promoted": True, "reason": f"not worse: cross-validated F_avg {new_cv:.2f} vs current "
                                                   f"{worse['manifest']['version']} {old_cv:.2f}, both out-of-fold "
                                                   f"on the same 60 comments (same training data)"}
    assert store.current_model()["version"] == better["manifest"]["version"]
    assert load_model(store.current_model()["path"]).version == better["manifest"]["version"]


def test_new_data_compares_on_the_comments_the_current_model_did_not_train_on(store: Store,
                                                                              models: dict[str, Any]) -> None:
    """(b) The 24 comments the current model never saw: there the new model is better, and it is promoted,
    although on every comment (most of which the current model fits from training) it would not be."""
    current, new = models["current"], models["new"]
    promote(store, current)
    unseen = [k for k, i in enumerate(new["heldout"]["ids"]) if i.startswith("b")]
    assert len(unseen) == 24 >= MIN_UNSEEN
    fair_new, fair_old = _figures(new, current, unseen)
    biased_new, biased_old = _figures(new, current, list(range(114)))
    assert fair_new >= fair_old and biased_new < biased_old
    outcome = promote(store, new)
    assert outcome == {"promoted": True, "reason": f"not worse: F_avg {fair_new:.2f} (out-of-fold) vs current "
                                                   f"{current['manifest']['version']} {fair_old:.2f} on the 24 "
                                                   f"held-out comments the current model did not train on"}
    assert store.current_model()["version"] == new["manifest"]["version"]


@pytest.mark.parametrize("why", ["few unseen", "no ids file"])
def test_otherwise_falls_back_to_the_biased_comparison_and_says_so(store: Store, models: dict[str, Any],
                                                                   tmp_path: Path, why: str) -> None:
    """(c) Too few unseen comments, or a current model with no record of its training comments (an older
    model): every comment, the current model's plain predictions, said to be biased toward it. It keeps it."""
    current = models["current"]
    if why == "few unseen":
        new, because = models["new_few"], f"only 9 comments it did not train on, fewer than {MIN_UNSEEN}"
    else:
        new, because = models["new"], f"its folder has no {TRAINED_IDS}"
        shutil.copytree(current["path"], tmp_path / "old")
        (tmp_path / "old" / TRAINED_IDS).unlink()
        current = {**current, "path": str(tmp_path / "old")}
    promote(store, current)
    n = len(new["heldout"]["y"])
    biased_new, biased_old = _figures(new, current, list(range(n)))
    assert biased_new < biased_old
    outcome = promote(store, new)
    assert outcome == {"promoted": False,
                       "reason": f"registered but not promoted, worse: F_avg {biased_new:.2f} (out-of-fold) vs "
                                 f"current {current['manifest']['version']} {biased_old:.2f} on the same {n} "
                                 f"comments, which the current model may have trained on (biased toward keeping "
                                 f"it: {because})"}
    assert _in_store(store, new["manifest"]["version"])
    assert store.current_model()["version"] == current["manifest"]["version"]


def test_a_current_model_that_cannot_be_loaded_is_replaced(store: Store, models: dict[str, Any],
                                                           tmp_path: Path) -> None:
    shutil.copytree(models["current"]["path"], tmp_path / "old")
    promote(store, {**models["current"], "path": str(tmp_path / "old")})
    (tmp_path / "old" / "model.joblib").write_bytes(b"not a model")
    outcome = promote(store, models["new"])
    assert outcome["promoted"] and "cannot be loaded" in outcome["reason"] and "tampered" in outcome["reason"]
    assert store.current_model()["version"] == models["new"]["manifest"]["version"]


def test_a_model_outside_the_model_folder_is_not_registered(store: Store, models: dict[str, Any],
                                                            monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MODERATION_MODEL_DIR", str(tmp_path / "models"))
    with pytest.raises(ModelError, match="outside MODERATION_MODEL_DIR"):
        promote(store, models["current"])
    assert store.list_models() == []


def test_train_from_the_store(store: Store, tmp_path: Path) -> None:
    store.import_dataset(make_dataset(45))
    result = train([], tmp_path / "m", store=store, **FAST)
    assert result["manifest"]["sources"] == ["store"]
    assert sum(result["manifest"]["label_counts"]["stance"].values()) == 45


def test_promote_refuses_a_model_no_better_than_the_majority_class(store: Store, tmp_path: Path) -> None:
    flat = Dataset([Thread(id="t", title="A claim")],
                   [Comment(id=f"c{i}", thread_id="t", text="I read the article today", stance=s)
                    for i, s in enumerate(["against"] * 14 + ["favor"] * 4 + ["none"] * 4)])
    write_dataset(flat, tmp_path / "flat")
    result = train([tmp_path / "flat"], tmp_path / "m", **FAST)
    assert result["manifest"]["cv"]["stance"]["no_better_than_majority"] is True
    outcome = promote(store, result)
    assert outcome["promoted"] is False and outcome["refused"] is True
    assert outcome["reason"].startswith("refused: not registered") and "always 'against'" in outcome["reason"]
    assert store.current_model() is None and not _in_store(store, result["manifest"]["version"])


def test_cli_promote_refuses_and_exits_1(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    import training.commands as commands

    flat = Dataset([Thread(id="t", title="A claim")],
                   [Comment(id=f"c{i}", thread_id="t", text="same words", stance=s)
                    for i, s in enumerate(["favor"] * 12 + ["against"] * 4)])
    write_dataset(flat, tmp_path / "flat")
    monkeypatch.setattr(commands, "_open_store", lambda: store)
    result = CliRunner().invoke(commands.train, ["--data", str(tmp_path / "flat"), "--out", str(tmp_path / "m"),
                                                 "--promote"])
    assert result.exit_code == 1
    assert "refused: not registered" in result.stderr and store.current_model() is None
