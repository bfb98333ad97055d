"""Every imported comment is in the cross-thread duplicate index (moderation import, the first-start seed import)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from moderation.bootstrap import import_missing
from moderation.cli import main
from moderation.dataset import load_dataset
from moderation.importers import import_dataset
from moderation.store import Store, open_store
from tests.conftest import ROOT, track_app
from tests.helpers import THREAD, write_folder
from tests.test_app_support import auth

SEED = ROOT / "labels" / "kishida-nato"


def _post_copy_elsewhere(db_url: str) -> dict:
    with open_store(db_url) as store:
        key = store.create_api_key("scorer")[0]
    from moderation.app import create_app

    app = track_app(create_app({"database_url": db_url, "testing": True, "log_json": False}))
    text = next(c for c in load_dataset(SEED).comments if c.id == "kishida-nato-002").text
    r = app.test_client().post("/v1/comments", json={
        "id": "copy-1", "text": text, "author": "someone",
        "thread": {"id": "other", "title": "A different story", "body": "", "target": "Something else"}},
        headers=auth(key))
    assert r.status_code == 201, r.get_json()
    app.extensions["moderation"]["models"].close()
    return r.get_json()


def test_a_copy_of_an_imported_comment_under_another_thread_is_a_duplicate(store: Store, env_db: str) -> None:
    result = CliRunner().invoke(main, ["import", str(SEED)])
    assert result.exit_code == 0, result.output
    assert store.dup_count()["entries"] == 58
    body = _post_copy_elsewhere(env_db)
    assert body["duplicate"]["of"] == "kishida-nato-002" and "in thread kishida-nato" in body["duplicate"]["reason"]
    assert body["queue"]["name"] == "duplicate"


def test_the_first_start_seed_import_is_indexed(store: Store, db_url: str) -> None:
    import_missing(store, ROOT / "labels", log=lambda _msg: None)
    assert _post_copy_elsewhere(db_url)["queue"]["name"] == "duplicate"


def test_comments_imported_into_a_stored_thread_are_indexed_on_their_own_text(store: Store, tmp_path: Path) -> None:
    first = "Japan should deepen its security ties with NATO members in Europe."
    import_dataset(store, load_dataset(write_folder(tmp_path / "a", [THREAD], [
        {"id": "a1", "thread_id": "t1", "text": first}])))
    import_dataset(store, load_dataset(write_folder(tmp_path / "b", [], [
        {"id": "b1", "thread_id": "t1", "text": f"> {first}\n\nNo, it should stay neutral and trade with everyone."}]),
        known_threads={"t1"}))
    entries = {e["comment_id"]: e["text"] for e in store.dup_entries()}
    assert entries["b1"] == "no it should stay neutral and trade with everyone"  # the quote of a1 left out
