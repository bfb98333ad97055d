"""Shared by the service tests: a stand-in tagger and model loader (the labelling contract), keys, apps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation.app import create_app
from moderation.app.resources import get_store
from moderation.dataset import Comment, Dataset, Thread
from moderation.labelling.workspace import Workspaces
from moderation.model.trust import sha256_file
from moderation.store import Store
from moderation.verdict import Duplicate, OffTopic, Stance, Verdict
from tests.conftest import track_app

THREAD = Thread(id="t1", title="Japan must strengthen NATO ties", body="Kishida went to the NATO summit.",
                target="Japan should strengthen its ties with NATO")


class FakeTagger:
    """Follows the labelling contract: tag(comment, thread, earlier, remember=) -> Verdict (no index here)."""

    def __init__(self, store: Store, model: Any = None) -> None:
        self.store = store
        self.model = model
        self.workspaces = Workspaces()

    def tag(self, comment: Comment, thread: Thread, earlier: list[Comment], *, remember: bool = True,
            sync: bool = True) -> Verdict:
        """A verdict from word rules, with the model's version folded into the stance reasons."""
        text = comment.text
        dup = next((c for c in earlier if c.text == text and c.id != comment.id), None)
        p_off = 0.95 if "yakuza" in text.lower() else 0.05
        stance = None
        if self.model is not None:
            favor = 0.9 if "support" in text.lower() else 0.1 if "against" in text.lower() else 0.4
            rest = (1 - favor) / 2
            probs = {"favor": favor, "against": rest, "none": rest}
            stance = Stance(max(probs, key=probs.get), probs, (f"model {self.model['version']}",))
        return Verdict(comment.id, comment.thread_id, text, OffTopic(p_off, "shares no terms", score=1 - p_off),
                       stance=stance, duplicate=Duplicate(dup.id, "repost", 1.0, "same text") if dup else None,
                       reasons=("fake tagger",), model_version=self.model["version"] if self.model else None)

    def thread_verdicts(self, thread: Thread, comments: list[Comment]) -> list[Verdict]:
        """Each comment's verdict against the comments before it."""
        return [self.tag(c, thread, comments[:i], remember=False) for i, c in enumerate(comments)]


def fake_loader(path: str, sha256: str) -> dict[str, Any]:
    """A 'model': its manifest, read from the folder (once its model.joblib still has the registry's hash)."""
    assert sha256_file(Path(path) / "model.joblib") == sha256
    return json.loads((Path(path) / "model.json").read_text())


def register_fake_model(store: Store, root: Path, version: str, promote: bool = True) -> None:
    """Write a model folder for fake_loader and register (and promote) it, with its joblib's sha256."""
    folder = root / version
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.joblib").write_bytes(f"fake model {version}".encode())
    manifest = {"version": version, "sha256": sha256_file(folder / "model.joblib")}
    (folder / "model.json").write_text(json.dumps(manifest))
    store.register_model(version, str(folder), manifest)
    if promote:
        store.promote_model(version)


def make_app(db_url: str, **config: Any) -> Flask:
    """An app on db_url with the fake tagger and loader."""
    return track_app(create_app({"database_url": db_url, "testing": True, "make_tagger": FakeTagger,
                                 "loader": fake_loader, "log_json": False, **config}))


def seed(store: Store) -> None:
    """The thread t1 with two comments."""
    store.import_dataset(Dataset([THREAD], [
        Comment(id="c1", thread_id="t1", text="I support closer ties with NATO."),
        Comment(id="c2", thread_id="t1", text="Japan should stay neutral.", parent_id="c1")]))


def auth(key: str) -> dict[str, str]:
    """The Authorization header for a key."""
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(name="service")
def service_fixture(db_url: str, tmp_path: Path) -> dict[str, Any]:
    """A seeded store (the app's own) with a promoted fake model, an app, a client and one key per role."""
    app = make_app(db_url)
    store = get_store(app)
    seed(store)
    register_fake_model(store, tmp_path / "models", "v1")
    keys = {role: store.create_api_key(role, name=f"{role}-test")[0] for role in ("scorer", "moderator", "admin")}
    client: FlaskClient = app.test_client()
    yield {"app": app, "client": client, "store": store, "keys": keys, "tmp": tmp_path}
    app.extensions["moderation"]["models"] and app.extensions["moderation"]["models"].close()
