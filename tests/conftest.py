"""Fixtures: every store-backed test runs on SQLite and on PostgreSQL (a fresh schema per test).

Whoever opens a store closes it (the app its own, a test its own, `with open_store(url) as store:`); after each
test the fixture checks that no connection to its database is left open.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from moderation.store import Store, open_store

# The suite signs in many times a second; tests/test_pages_signin.py tests the hash budget with its default.
os.environ.setdefault("MODERATION_LOGIN_HASH_INTERVAL_SECONDS", "0")
PG_URL = os.environ.get("MODERATION_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = [b.strip() for b in os.environ.get("MODERATION_TEST_BACKENDS", "sqlite,postgresql").split(",")
            if b.strip()]
ROOT = Path(__file__).resolve().parents[1]
# Where the browser tests write their screenshots: a temporary folder, so a test run leaves the checkout as it was;
# MODERATION_SCREENSHOTS_DIR=docs/screenshots redraws the README's pictures.
SHOTS = Path(os.environ.get("MODERATION_SCREENSHOTS_DIR") or Path(tempfile.gettempdir()) / "moderation-screenshots")


def seeds_dir() -> Path:
    """The shared seed pages: $MODERATION_SEEDS, else ../shared/seeds beside the repository."""
    return Path(os.environ.get("MODERATION_SEEDS", ROOT.parent / "shared" / "seeds"))


_APPS: list = []


def track_app(app):  # noqa: ANN001, ANN201 - a Flask app
    """Remember an app so its model poller is stopped and its store closed before its database goes away."""
    _APPS.append(app)
    return app


def _close_apps() -> None:
    from moderation.app.resources import close_app

    while _APPS:
        close_app(_APPS.pop())


def open_connections(url: str) -> int:
    """Connections open to a test database: this process's handles on the SQLite file (and its WAL), or the
    PostgreSQL sessions named after the test's schema (any process)."""
    if url.startswith("sqlite:///"):
        path = os.path.realpath(url[len("sqlite:///"):])
        found = 0
        for fd in os.listdir("/proc/self/fd"):
            try:
                found += os.readlink(f"/proc/self/fd/{fd}") in (path, path + "-wal")
            except OSError:  # the listing's own handle, gone by now
                continue
        return found
    name = parse_qs(urlsplit(url).query)["application_name"][0]
    admin = create_engine(PG_URL, poolclass=NullPool)
    try:
        with admin.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :n"),
                                {"n": name}).scalar_one()
    finally:
        admin.dispose()


def _check_closed(url: str) -> None:
    # A server process that just stopped may need a moment to be gone from pg_stat_activity.
    deadline = time.monotonic() + 5
    while (left := open_connections(url)) and time.monotonic() < deadline and not url.startswith("sqlite"):
        time.sleep(0.1)
    if left:
        pytest.fail(f"{left} connection(s) to the test database left open: close every store opened "
                    "(`with open_store(url) as store:`, or the `store` fixture)", pytrace=False)


@pytest.fixture(autouse=True)
def _model_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """MODERATION_MODEL_DIR is each test's temp folder: the service loads only registered models inside it."""
    monkeypatch.setenv("MODERATION_MODEL_DIR", str(tmp_path))


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        yield url
        _close_apps()
        _check_closed(url)
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}&application_name={schema}"
    try:
        yield url
        _close_apps()
        _check_closed(url)
    finally:
        _close_apps()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """An opened, migrated, empty store, closed after the test."""
    with open_store(db_url) as opened:
        yield opened


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
