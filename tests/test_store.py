"""The store on SQLite and PostgreSQL: one-transaction imports, export, labels, registry, migrations."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from moderation.dataset import Comment, Dataset, Thread
from moderation.errors import ConflictError, InputError, NotFoundError
from moderation.store import Store, open_store, schema
from moderation.store import engine as engine_mod


def small_dataset(prefix: str = "") -> Dataset:
    """One thread, three comments, two labelled."""
    t = Thread(f"{prefix}t1", "Japan must strengthen NATO ties", "Body.", "Japan should strengthen NATO ties")
    return Dataset([t], [
        Comment(f"{prefix}c1", t.id, "Yes, closer ties.", stance="favor", off_topic=False, annotator="a"),
        Comment(f"{prefix}c2", t.id, "Stay out of it.", parent_id=f"{prefix}c1", stance="against", annotator="a"),
        Comment(f"{prefix}c3", t.id, "Damn keyboard", score=-6, votes_up=3, votes_down=9,
                quote_attributions=[{"name": "JJE", "posted": "Today 07:29 am JST"}]),
    ])


def test_import_then_export_gives_identical_records(store: Store) -> None:
    ds = small_dataset()
    assert store.import_dataset(ds) == {"threads": 1, "comments": 3, "labels": 2}
    assert store.export_dataset() == ds


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path) -> None:  # noqa: ANN001
    with open_store(f"sqlite:///{tmp_path / 'wal.db'}") as store, store.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_failed_import_stores_nothing(store: Store) -> None:
    store.import_dataset(small_dataset())
    bad = small_dataset("x")
    bad.comments.append(Comment("xc9", "xt1", "refers to nothing", duplicate_of="nowhere"))
    with pytest.raises(InputError, match="duplicate_of names unknown comment 'nowhere'"):
        store.import_dataset(bad)
    assert store.counts() == {"threads": 1, "comments": 3, "labels": 2}


def test_existing_ids_conflict_and_nothing_changes(store: Store) -> None:
    store.import_dataset(small_dataset())
    with pytest.raises(ConflictError, match="thread 't1' is already in the store"):
        store.import_dataset(small_dataset())
    more = Dataset([], [Comment("c1", "t1", "same id again")])
    with pytest.raises(ConflictError, match="comment 'c1' is already in the store"):
        store.import_dataset(more)
    assert store.counts()["comments"] == 3


def test_comments_may_join_a_stored_thread(store: Store) -> None:
    store.import_dataset(small_dataset())
    store.import_dataset(Dataset([], [Comment("c4", "t1", "late reply", parent_id="c2")]))
    assert [c.id for c in store.thread_comments("t1")] == ["c1", "c2", "c3", "c4"]


def test_several_annotators_and_gold(store: Store) -> None:
    store.import_dataset(small_dataset())
    store.add_label("c3", stance="none", off_topic=True, annotator="ann")
    store.add_label("c3", stance="against", off_topic=True, annotator="bob")
    labels = store.comment_labels("c3")
    assert [(lab["annotator"], lab["stance"]) for lab in labels] == [("ann", "none"), ("bob", "against")]
    assert store.export_dataset().comments[2].annotator == "bob"  # latest label without gold
    store.add_label("c3", stance="none", off_topic=True, annotator="lead", is_gold=True, note="throw-away")
    store.add_label("c3", stance="favor", annotator="carl")
    exported = {c.id: c for c in store.export_dataset().comments}
    assert (exported["c3"].stance, exported["c3"].annotator) == ("none", "lead")  # gold wins
    gold = {c.id: c for c in store.export_dataset(gold_only=True).comments}
    assert gold["c3"].stance == "none" and gold["c1"].stance is None
    with pytest.raises(NotFoundError):
        store.add_label("nope", stance="none", annotator="ann")


def test_model_registry(store: Store) -> None:
    assert store.current_model() is None
    store.register_model("v1", "/models/v1", {"version": "v1"})
    store.register_model("v2", "/models/v2", {"version": "v2"})
    assert store.current_model() is None
    store.promote_model("v1")
    assert store.current_model()["version"] == "v1"
    store.promote_model("v2")
    assert store.current_model()["path"] == "/models/v2"
    with pytest.raises(ConflictError):
        store.register_model("v1", "/elsewhere", {})
    with pytest.raises(NotFoundError):
        store.promote_model("v9")
    assert [m["version"] for m in store.list_models()] == ["v1", "v2"]


def test_schema_is_created_once_and_reopening_keeps_data(db_url: str) -> None:
    with open_store(db_url) as store:
        store.import_dataset(small_dataset())
    with open_store(db_url) as again:
        assert engine_mod.current_revision(again.engine) == engine_mod.head_revision()
        assert again.counts()["comments"] == 3


def test_upgrade_from_first_revision_keeps_data(db_url: str) -> None:
    with open_store(db_url, migrate=False) as store:
        first = "0001"
        with store.engine.connect() as conn, conn.begin():
            from alembic import command

            command.upgrade(engine_mod._alembic_config(conn), first)
        store.import_dataset(small_dataset())
        engine_mod.upgrade(store.engine)
        assert engine_mod.current_revision(store.engine) == engine_mod.head_revision()
        assert store.export_dataset() == small_dataset()
        tables = set(inspect(store.engine).get_table_names())
    assert {"threads", "comments", "labels", "users", "api_keys", "models", "queue_items", "decisions"} <= tables


def test_bad_database_url_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="unsupported database 'mysql'"):
        open_store("mysql://root@localhost/x")


def test_quote_attributions_survive_as_json(store: Store) -> None:
    store.import_dataset(small_dataset())
    with store.read() as conn:
        value = conn.execute(select(schema.comments.c.quote_attributions)
                             .where(schema.comments.c.id == "c3")).scalar_one()
    assert value == [{"name": "JJE", "posted": "Today 07:29 am JST"}]
