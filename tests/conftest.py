"""Fixtures: every store-backed test runs on SQLite and on PostgreSQL (a fresh schema per test)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from moderation.store import Store, forget_stores, open_store

# The suite signs in many times a second; tests/test_pages_signin.py tests the hash budget with its default.
os.environ.setdefault("MODERATION_LOGIN_HASH_INTERVAL_SECONDS", "0")
PG_URL = os.environ.get("MODERATION_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = [b.strip() for b in os.environ.get("MODERATION_TEST_BACKENDS", "sqlite,postgresql").split(",")
            if b.strip()]
ROOT = Path(__file__).resolve().parents[1]


def seeds_dir() -> Path:
    """The shared seed pages: $MODERATION_SEEDS, else ../shared/seeds beside the repository."""
    return Path(os.environ.get("MODERATION_SEEDS", ROOT.parent / "shared" / "seeds"))


_APPS: list = []


def track_app(app):  # noqa: ANN001, ANN201 - a Flask app
    """Remember an app so its model poller is stopped before its database goes away."""
    _APPS.append(app)
    return app


def _close_apps() -> None:
    while _APPS:
        holder = _APPS.pop().extensions.get("moderation", {}).get("models")
        if holder is not None:
            holder.close()


@pytest.fixture(autouse=True)
def _model_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """MODERATION_MODEL_DIR is each test's temp folder: the service loads only registered models inside it."""
    monkeypatch.setenv("MODERATION_MODEL_DIR", str(tmp_path))


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        _close_apps()
        forget_stores()
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        _close_apps()
        forget_stores()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def store(db_url: str) -> Store:
    """An opened, migrated, empty store."""
    return open_store(db_url)


@pytest.fixture
def env_db(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """MODERATION_DATABASE_URL set to the test database, the working directory a temp folder."""
    monkeypatch.setenv("MODERATION_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    return db_url


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One headless Chromium (Debian's, driven by Playwright) for the module: the browser tests' fixture."""
    from tests.test_pages_browser import ARGS, CHROMIUM, playwright_api

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()
