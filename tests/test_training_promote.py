"""--promote: register every model, make it current only when it is not worse on the same comments."""

from __future__ import annotations

from pathlib import Path

from moderation.dataset import write_dataset
from moderation.model.artifact import load_model
from moderation.store import Store
from tests.test_model_data import make_dataset
from training.promote import promote
from training.train import train


def test_promote_first_then_only_when_not_worse(store: Store, tmp_path: Path) -> None:
    write_dataset(make_dataset(60), tmp_path / "d")
    first = train([tmp_path / "d"], tmp_path / "m1", grid=(1.0,), n_splits=3)
    outcome = promote(store, first)
    assert outcome["promoted"] and "no current model" in outcome["reason"]
    assert store.current_model()["version"] == first["manifest"]["version"]
    assert load_model(store.current_model()["path"]).version == first["manifest"]["version"]

    # A model judged on the same comments: the current one saw them in training, so a tie is unlikely;
    # whichever way it goes, it is registered and the reason names both figures.
    second = train([tmp_path / "d"], tmp_path / "m2", grid=(0.1,), n_splits=3)
    second["manifest"]["version"] += "-b"
    outcome = promote(store, second)
    assert "vs current" in outcome["reason"]
    assert second["manifest"]["version"] in [m["version"] for m in store.list_models()]
    expected = second if outcome["promoted"] else first
    assert store.current_model()["version"] == expected["manifest"]["version"]


def test_train_from_the_store(store: Store, tmp_path: Path) -> None:
    store.import_dataset(make_dataset(45))
    result = train([], tmp_path / "m", store=store, grid=(1.0,), n_splits=3)
    assert result["manifest"]["sources"] == ["store"]
    assert sum(result["manifest"]["label_counts"]["stance"].values()) == 45
