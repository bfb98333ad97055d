"""Model folders: round-trip, and refusal of tampered, mismatched or foreign folders with a clear ModelError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderation.errors import ModelError
from moderation.model.artifact import load_model, save_model, sha256_file
from moderation.model.linear import build_pipeline
from tests.test_model_data import make_dataset, records_and_labels


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    recs, y = records_and_labels(make_dataset(45))
    out = tmp_path / "model"
    save_model(out, build_pipeline({"char": False}, C=1.0).fit(recs, y), None, {"version": "v-test"})
    return out


def _edit_manifest(folder: Path, **changes: object) -> None:
    path = folder / "model.json"
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest))


def test_round_trip_scores_the_same(folder: Path) -> None:
    scorer = load_model(folder)
    again = load_model(folder)
    rec = {"text": "terrible mistake", "target": "Claim number 0 about NATO"}
    assert scorer.score(rec) == again.score(rec)
    manifest = json.loads((folder / "model.json").read_text())
    assert manifest["sha256"] == sha256_file(folder / "model.joblib")
    assert manifest["labels"] == ["against", "favor", "none"]
    assert scorer.version == "v-test"


def test_tampered_joblib_is_refused(folder: Path) -> None:
    with open(folder / "model.joblib", "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelError, match="does not match the sha256 in model.json"):
        load_model(folder)


def test_registry_hash_mismatch_is_refused(folder: Path) -> None:
    with pytest.raises(ModelError, match="sha256 in the registry"):
        load_model(folder, expected_sha256="0" * 64)


def test_other_sklearn_version_is_refused(folder: Path) -> None:
    _edit_manifest(folder, sklearn_version="0.24.2")
    with pytest.raises(ModelError, match=r"trained with scikit-learn 0\.24\.2, this is .*; retrain"):
        load_model(folder)


@pytest.mark.parametrize("labels", [["agree", "disagree"], ["favor"], [], "favor"])
def test_unexpected_label_set_is_refused(folder: Path, labels: object) -> None:
    _edit_manifest(folder, labels=labels)
    with pytest.raises(ModelError, match="label set"):
        load_model(folder)


def test_manifest_labels_must_match_the_model(folder: Path) -> None:
    _edit_manifest(folder, labels=["against", "favor"])
    with pytest.raises(ModelError, match="differ from its manifest"):
        load_model(folder)


@pytest.mark.parametrize(("setup", "message"), [
    (lambda f: (f / "model.json").unlink(), "not a model folder"),
    (lambda f: (f / "model.json").write_text("{nope"), "not readable JSON"),
    (lambda f: (f / "model.joblib").unlink(), "no model.joblib"),
])
def test_broken_folders_are_refused(folder: Path, setup: object, message: str) -> None:
    setup(folder)  # type: ignore[operator]
    with pytest.raises(ModelError, match=message):
        load_model(folder)


def test_a_foreign_joblib_with_a_matching_hash_is_refused(folder: Path) -> None:
    import joblib

    joblib.dump({"something": "else"}, folder / "model.joblib")
    _edit_manifest(folder, sha256=sha256_file(folder / "model.joblib"))
    with pytest.raises(ModelError, match="not a model this version wrote"):
        load_model(folder)
