"""Model trust: the service unpickles only what the registry vouches for, inside MODERATION_MODEL_DIR.

A model.joblib replaced by a pickle whose __reduce__ runs code, with model.json updated to match, must never be
unpickled: the registry row's sha256 is checked on the file's bytes first. Paths outside the model folder (absolute,
``../``, a symlink) are refused the same way.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import joblib
import pytest

from moderation.app import create_app
from moderation.errors import ModelError
from moderation.model import trust
from moderation.model.artifact import load_model, load_registered, save_model
from moderation.model.linear import build_pipeline
from moderation.store import Store
from tests.conftest import track_app
from tests.test_app_support import FakeTagger
from tests.test_model_data import make_dataset, records_and_labels
from tests.test_service_gunicorn import ROOT, _free_port, call, gunicorn_process

MARKER = "pwned"


def _plant(marker: str, payload: dict[str, Any]) -> dict[str, Any]:
    """What the attacker's pickle runs on load: leaves a file, then hands over a working model."""
    Path(marker).write_text("code from a model file ran")
    return payload


class Evil:
    """Unpickles by calling _plant (the issue's probe)."""

    def __init__(self, marker: Path, payload: dict[str, Any]) -> None:
        self.marker, self.payload = str(marker), payload

    def __reduce__(self) -> tuple[Any, tuple[str, dict[str, Any]]]:
        return _plant, (self.marker, self.payload)


@pytest.fixture(scope="module")
def pipeline() -> Any:
    recs, y = records_and_labels(make_dataset(45))
    return build_pipeline({"char": False}, C=1.0).fit(recs, y)


def write_model(folder: Path, pipeline: Any, version: str) -> dict[str, Any]:
    """A real model folder, as the trainer writes it; returns its manifest."""
    return save_model(folder, pipeline, None, {"version": version})


def tamper(folder: Path, pipeline: Any, marker: Path) -> None:
    """Replace model.joblib by the attacker's pickle and update model.json's sha256 to match (the probe)."""
    joblib.dump(Evil(marker, {"format": 1, "stance": pipeline, "off_topic": None}), folder / "model.joblib")
    manifest = json.loads((folder / "model.json").read_text())
    manifest["sha256"] = trust.sha256_file(folder / "model.joblib")
    (folder / "model.json").write_text(json.dumps(manifest))


def register(store: Store, version: str, path: Path | str, manifest: dict[str, Any]) -> None:
    store.register_model(version, str(path), manifest)
    store.promote_model(version)


def trusted_app(db_url: str | None = None, **config: Any) -> Any:
    """An app with the real model loader (the fake tagger: only /readyz is asked)."""
    url = db_url or os.environ["MODERATION_DATABASE_URL"]
    return track_app(create_app({"database_url": url, "testing": True, "make_tagger": FakeTagger,
                                 "log_json": False, **config}))


def _readyz(app: Any) -> tuple[int, str]:
    r = app.test_client().get("/readyz")
    return r.status_code, r.get_data(as_text=True)


def test_the_marker_works_without_the_registry_check(tmp_path: Path, pipeline: Any) -> None:
    """The probe is real: loading the tampered folder on model.json's word alone runs its code."""
    write_model(tmp_path / "m", pipeline, "v1")
    tamper(tmp_path / "m", pipeline, tmp_path / MARKER)
    load_model(tmp_path / "m")
    assert (tmp_path / MARKER).exists()


def test_a_registered_model_loads_and_serves(store: Store, db_url: str, tmp_path: Path, pipeline: Any) -> None:
    manifest = write_model(tmp_path / "models" / "v1", pipeline, "v1")
    register(store, "v1", tmp_path / "models" / "v1", manifest)
    status, body = _readyz(trusted_app(db_url))
    assert status == 200 and json.loads(body)["model"] == "v1"


def test_a_tampered_model_is_never_unpickled_and_readyz_says_not_ready(db_url: str, tmp_path: Path, pipeline: Any,
                                                                       caplog: Any, store: Store) -> None:
    folder = tmp_path / "models" / "v1"
    manifest = write_model(folder, pipeline, "v1")
    register(store, "v1", folder, manifest)
    tamper(folder, pipeline, tmp_path / MARKER)
    app = trusted_app(db_url)
    status, body = _readyz(app)
    assert status == 503 and '\\"model\\": null' in body
    assert not (tmp_path / MARKER).exists()
    assert "model v1 refused" in caplog.text and "does not match the sha256 in the registry" in caplog.text


def test_a_tampered_new_model_is_refused_and_the_old_one_keeps_serving(db_url: str, tmp_path: Path,
                                                                       pipeline: Any, store: Store) -> None:
    register(store, "v1", tmp_path / "models" / "v1", write_model(tmp_path / "models" / "v1", pipeline, "v1"))
    app = trusted_app(db_url)
    assert _readyz(app)[0] == 200
    manifest = write_model(tmp_path / "models" / "v2", pipeline, "v2")
    register(store, "v2", tmp_path / "models" / "v2", manifest)
    tamper(tmp_path / "models" / "v2", pipeline, tmp_path / MARKER)
    holder = app.extensions["moderation"]["models"]
    assert holder.refresh() is False
    assert not (tmp_path / MARKER).exists()
    status, body = _readyz(app)
    assert status == 200 and json.loads(body)["model"] == "v1"


def _outside(tmp_path: Path, how: str) -> Path:
    """A registry path that leads out of tmp_path/models: absolute, through ``..``, or through symlinks."""
    models, elsewhere = tmp_path / "models", tmp_path / "elsewhere" / "v1"
    models.mkdir(exist_ok=True)
    if how == "absolute":
        return elsewhere
    if how == "dotdot":
        return models / ".." / "elsewhere" / "v1"
    if how == "symlinked folder":
        (models / "v1").symlink_to(elsewhere, target_is_directory=True)
        return models / "v1"
    (models / "v1").mkdir()  # a folder inside, whose model.joblib is a symlink to a file outside
    (models / "v1" / "model.json").symlink_to(elsewhere / "model.json")
    (models / "v1" / "model.joblib").symlink_to(elsewhere / "model.joblib")
    return models / "v1"


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlinked folder", "symlinked file"])
def test_a_registry_path_outside_the_model_folder_is_refused(db_url: str, tmp_path: Path, pipeline: Any, how: str,
                                                             monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    monkeypatch.setenv("MODERATION_MODEL_DIR", str(tmp_path / "models"))
    elsewhere = tmp_path / "elsewhere" / "v1"
    manifest = write_model(elsewhere, pipeline, "v1")  # the registry's sha256 is right: only the place is wrong
    tamper(elsewhere, pipeline, tmp_path / MARKER)
    manifest["sha256"] = trust.sha256_file(elsewhere / "model.joblib")
    path = _outside(tmp_path, how)
    register(store, "v1", path, manifest)
    with pytest.raises(ModelError, match="outside MODERATION_MODEL_DIR"):
        load_registered({"version": "v1", "path": str(path), "manifest": manifest}, tmp_path / "models")
    assert _readyz(trusted_app(db_url))[0] == 503
    assert not (tmp_path / MARKER).exists()


def test_a_registry_row_without_a_sha256_is_refused(store: Store, db_url: str, tmp_path: Path, pipeline: Any) -> None:
    manifest = write_model(tmp_path / "models" / "v1", pipeline, "v1")
    register(store, "v1", tmp_path / "models" / "v1", {k: v for k, v in manifest.items() if k != "sha256"})
    assert _readyz(trusted_app(db_url))[0] == 503


@pytest.mark.slow
def test_gunicorn_never_runs_a_tampered_model_and_picks_up_a_good_one(db_url: str, tmp_path: Path,
                                                                      pipeline: Any, store: Store) -> None:
    register(store, "v1", tmp_path / "models" / "v1", write_model(tmp_path / "models" / "v1", pipeline, "v1"))
    tamper(tmp_path / "models" / "v1", pipeline, tmp_path / MARKER)
    port = _free_port()
    env = {**os.environ, "MODERATION_DATABASE_URL": db_url, "PYTHONPATH": str(ROOT),
           "MODERATION_MODEL_DIR": str(tmp_path / "models"), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    log = tmp_path / "server.log"
    with gunicorn_process("tests.test_model_trust", "trusted_app", port, env, log,
                          factory="lambda: trusted_app(model_poll_seconds=0.5)") as proc:
        deadline, status = time.monotonic() + 30, None
        while status is None:
            try:
                status = call(port, "GET", "/readyz")[0]
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
                time.sleep(0.2)
        assert [call(port, "GET", "/readyz")[0] for _ in range(6)] == [503] * 6
        assert not (tmp_path / MARKER).exists()
        register(store, "v2", tmp_path / "models" / "v2", write_model(tmp_path / "models" / "v2", pipeline, "v2"))
        deadline = time.monotonic() + 10
        while not all(status == 200 and answer["model"] == "v2"
                      for status, answer in (call(port, "GET", "/readyz") for _ in range(6))):
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.3)
        assert not (tmp_path / MARKER).exists()
        assert "model v1 refused" in log.read_text()
