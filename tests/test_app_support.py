"""Shared by the service tests: a stand-in tagger and model loader (the labelling contract), keys, apps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation.app import create_app
from moderation.dataset import Comment, Dataset, Thread
from moderation.store import Store, open_store
from tests.conftest import track_app

THREAD = Thread(id="t1", title="Japan must strengthen NATO ties", body="Kishida went to the NATO summit.",
                target="Japan should strengthen its ties with NATO")


class FakeTagger:
    """Follows the labelling contract: tag(comment, thread, earlier, remember=) -> dict (no index here)."""

    def __init__(self, store: Store, model: Any = None) -> None:
        self.store = store
        self.model = model

    def tag(self, comment: Comment, thread: Thread, earlier: list[Comment], *, remember: bool = True
            ) -> dict[str, Any]:
        """Tags from word rules, with the model's version folded into the stance reasons."""
        text = comment.text
        dup = next((c for c in earlier if c.text == text and c.id != comment.id), None)
        p_off = 0.95 if "yakuza" in text.lower() else 0.05
        tags: dict[str, Any] = {
            "id": comment.id, "own_text": text, "quotes": [],
            "duplicate": ({"of": dup.id, "kind": "repost", "similarity": 1.0, "reason": "same text"}
                          if dup else None),
            "off_topic": {"probability": p_off, "score": 1 - p_off, "reason": "shares no terms"},
            "reasons": ["fake tagger"]}
        if self.model is not None:
            favor = 0.9 if "support" in text.lower() else 0.1 if "against" in text.lower() else 0.4
            rest = (1 - favor) / 2
            probs = {"favor": favor, "against": rest, "none": rest}
            tags["stance"] = {"label": max(probs, key=probs.get), "probabilities": probs,
                              "reasons": [f"model {self.model['version']}"]}
        return tags



def fake_loader(path: str) -> dict[str, Any]:
    """A 'model': its manifest, read from the folder."""
    return json.loads((Path(path) / "model.json").read_text())


def register_fake_model(store: Store, root: Path, version: str, promote: bool = True) -> None:
    """Write a model folder for fake_loader and register (and promote) it."""
    folder = root / version
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"version": version}
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
    """A seeded store with a promoted fake model, an app, a client and one key per role."""
    store = open_store(db_url)
    seed(store)
    register_fake_model(store, tmp_path / "models", "v1")
    app = make_app(db_url)
    keys = {role: store.create_api_key(role, name=f"{role}-test")[0] for role in ("scorer", "moderator", "admin")}
    client: FlaskClient = app.test_client()
    yield {"app": app, "client": client, "store": store, "keys": keys, "tmp": tmp_path}
    app.extensions["moderation"]["models"] and app.extensions["moderation"]["models"].close()
