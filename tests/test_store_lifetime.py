"""Who holds a store: every open_store() is a new one, and its owner (a test, a command, the app) closes it."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from moderation.app import create_app
from moderation.app.resources import close_app, get_store
from moderation.cli import main
from moderation.store import Store, open_store
from moderation.store import engine as engine_mod
from tests.conftest import open_connections
from tests.test_store import small_dataset


def test_every_open_is_a_new_store_that_its_owner_closes(db_url: str) -> None:
    with open_store(db_url) as first, open_store(db_url) as second:
        assert first is not second and first.engine is not second.engine
        first.import_dataset(small_dataset())
        assert second.counts()["comments"] == 3  # two stores, one database
        assert open_connections(db_url) >= 2  # each keeps its pooled connection
        first.close()
        assert second.counts()["comments"] == 3
    assert open_connections(db_url) == 0


def test_a_store_that_cannot_migrate_leaves_no_connection(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(engine) -> None:  # noqa: ANN001 - an Engine
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        raise RuntimeError("migration failed")

    monkeypatch.setattr(engine_mod, "upgrade", fail)
    with pytest.raises(RuntimeError, match="migration failed"):
        open_store(db_url)
    assert open_connections(db_url) == 0


def test_a_command_closes_its_store_when_it_ends(env_db: str) -> None:
    result = CliRunner().invoke(main, ["keys", "create", "--role", "scorer"])
    assert result.exit_code == 0, result.output
    assert open_connections(env_db) == 0


def test_the_app_holds_one_store_until_it_is_closed(db_url: str) -> None:
    app = create_app({"database_url": db_url, "testing": True, "log_json": False})
    store = get_store(app)
    assert get_store(app) is store and store.ping()
    assert app.test_client().get("/readyz").status_code in (200, 503)  # requests use that same store
    assert get_store(app) is store and open_connections(db_url) > 0
    close_app(app)
    assert open_connections(db_url) == 0


def test_a_forked_child_never_touches_the_parents_connections(store: Store) -> None:
    store.import_dataset(small_dataset())
    assert store.counts()["comments"] == 3  # the parent's pool now holds a connection
    pid = os.fork()
    if pid == 0:  # the child: closing leaves the parent's connections alone; then its own connections
        code = 1
        try:
            store.close()
            code = 0 if store.counts()["comments"] == 3 else 2
            store.close()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert store.counts()["comments"] == 3  # the parent's pooled connection still answers
