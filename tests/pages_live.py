"""Helpers for the pages' tests: an app on a temp store with the seed thread unlabelled, served for real."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from werkzeug.serving import make_server

from moderation.app import create_app
from moderation.dataset import LABEL_FIELDS, load_dataset
from moderation.pages import accounts
from moderation.store import Store
from tests.conftest import track_app

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "labels" / "kishida-nato"
PASSWORD = "correct-horse-1"
USERS = (("ann", "annotator"), ("bob", "annotator"), ("mod", "moderator"), ("lead", "admin"))


def make_app(db_url: str) -> Flask:
    """The service's app (its factory registers the pages)."""
    return track_app(create_app({"database_url": db_url, "secret_key": "test-secret-key", "testing": True}))


def seed_store(store: Store) -> Store:
    """The store, given the seed thread without its labels and one user per role (password PASSWORD)."""
    dataset = load_dataset(SEED)
    for c in dataset.comments:
        for name in LABEL_FIELDS:
            setattr(c, name, None)
    store.import_dataset(dataset)
    for name, role in USERS:
        accounts.create_user(store, name, role, PASSWORD)
    return store


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """The app on a real HTTP server thread at 127.0.0.1:<free port>; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="pages-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        models = app.extensions["moderation"].get("models")
        if models is not None:
            models.close()  # the model poller must not outlive the test's database
