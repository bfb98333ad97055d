"""Consistency under faults and races: no phantom duplicate-index entries, 409 (never 500) for one id posted at once."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from moderation.app import create_app
from moderation.app.resources import get_store
from moderation.dataset import Comment, load_dataset, write_dataset
from moderation.errors import UnprocessableError
from moderation.store import Store, open_store
from tests.conftest import track_app
from tests.test_app_support import auth, seed, service_fixture  # noqa: F401 - the `service` fixture
from tests.test_service_gunicorn import call, server  # noqa: F401 - the `server` fixture

TEXT = "Japan should deepen its security ties with NATO, whatever Beijing says about it this year."


@pytest.fixture
def tagged(db_url: str) -> dict[str, Any]:
    """An app with the real tagger (its duplicate index in the store) and no model, on a seeded store (its own)."""
    app = track_app(create_app({"database_url": db_url, "testing": True, "log_json": False}))
    store = get_store(app)
    seed(store)
    key = store.create_api_key("scorer", name="scorer-test")[0]
    return {"client": app.test_client(), "store": store, "key": key}


def _post(client: Any, key: str, cid: str, text: str = TEXT) -> Any:
    return client.post("/v1/comments", json={"id": cid, "text": text, "thread_id": "t1"}, headers=auth(key))


def test_a_copy_of_a_stored_comment_is_found(tagged: dict) -> None:
    assert _post(tagged["client"], tagged["key"], "a").status_code == 201
    r = _post(tagged["client"], tagged["key"], "b")
    assert r.status_code == 201 and r.get_json()["duplicate"]["of"] == "a"


def test_a_request_failing_after_the_lookup_leaves_no_phantom_entry(tagged: dict,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    store: Store = tagged["store"]

    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(store, "save_scored", fail)
    assert _post(tagged["client"], tagged["key"], "lost").status_code == 500
    monkeypatch.undo()
    assert store.dup_count()["entries"] == 0
    r = _post(tagged["client"], tagged["key"], "real")
    assert r.status_code == 201 and r.get_json()["duplicate"] is None  # not a copy of the comment never stored
    assert _post(tagged["client"], tagged["key"], "copy").get_json()["duplicate"]["of"] == "real"


def _race(post: Any, ids: list[str], n: int = 10) -> list[Counter]:
    """For each id, n threads post it at the same moment; the statuses they got."""
    outcomes = []
    for cid in ids:
        barrier, statuses = threading.Barrier(n), []

        def one(cid: str = cid, barrier: threading.Barrier = barrier, statuses: list = statuses) -> None:
            barrier.wait()
            statuses.append(post(cid))

        threads = [threading.Thread(target=one) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        outcomes.append(Counter(statuses))
    return outcomes


def test_one_id_posted_by_ten_threads_at_once_is_stored_once(service: dict) -> None:
    app, key, store = service["app"], service["keys"]["scorer"], service["store"]

    def post(cid: str) -> int:
        with app.test_client() as client:
            r = _post(client, key, cid)
            assert r.status_code in (201, 409), r.get_json()
            return r.status_code

    outcomes = _race(post, [f"race{i}" for i in range(15)])
    assert all(o == Counter({201: 1, 409: 9}) for o in outcomes), outcomes
    assert sum(store.queue_counts().values()) == 15


@pytest.mark.slow
def test_one_id_posted_at_once_through_gunicorn_gives_409_not_500(server: dict) -> None:  # noqa: F811
    def post(cid: str) -> int:
        status, body = call(server["port"], "POST", "/v1/comments", {"id": cid, "text": TEXT, "thread_id": "t1"},
                            server["key"])
        assert status in (201, 409), body
        return status

    outcomes = _race(post, [f"g{i}" for i in range(15)])
    assert all(o == Counter({201: 1, 409: 9}) for o in outcomes), outcomes
    assert all(server["store"].get_comment(f"g{i}").text == TEXT for i in range(15))


def test_atomic_commits_all_or_nothing(store: Store) -> None:
    seed(store)
    with pytest.raises(RuntimeError), store.atomic():
        store.save_scored(Comment(id="x1", thread_id="t1", text="one"))
        raise RuntimeError("after the first write")
    with store.atomic():
        store.save_scored(Comment(id="x2", thread_id="t1", text="two"))
        assert store.get_comment("x2").text == "two"  # its own write, read in its transaction
    assert [c.id for c in store.thread_comments("t1")][-1] == "x2"
    assert "x1" not in {c.id for c in store.thread_comments("t1")}


def test_reads_of_an_atomic_block_share_one_transaction_until_its_first_write(store: Store) -> None:
    from sqlalchemy import event

    seed(store)
    begins: list[int] = []

    def count(conn: object) -> None:
        begins.append(1)

    event.listen(store.engine, "begin", count)
    try:
        with store.atomic():
            for _ in range(3):  # three reads: one read transaction
                assert store.get_comment("c1").text == "I support closer ties with NATO."
            assert len(begins) == 1
            store.save_scored(Comment(id="x3", thread_id="t1", text="three"))  # the write: its own transaction
            assert store.get_comment("x3").text == "three"
        assert len(begins) == 2
    finally:
        event.remove(store.engine, "begin", count)
    assert store.get_comment("x3").text == "three"


def test_a_relabel_naming_an_unknown_duplicate_is_422_and_export_import_round_trips(service: dict,
                                                                                    tmp_path: Path) -> None:
    client, keys, store = service["client"], service["keys"], service["store"]
    assert _post(client, keys["scorer"], "n1", "Kishida went again; more ties, fine by me.").status_code == 201

    def relabel(label: dict[str, Any]) -> Any:
        return client.post("/v1/comments/n1/decision", json={"action": "relabel", "label": label},
                           headers=auth(keys["moderator"]))

    for ghost in ("ghost", "n1"):
        r = relabel({"duplicate_of": ghost})
        assert r.status_code == 422 and r.get_json()["error"]["field"] == "duplicate_of", r.get_json()
    assert store.decisions_for("n1") == [] and store.comment_labels("n1") == []  # nothing half-recorded
    assert relabel({"duplicate_of": "c1", "stance": "favor"}).status_code == 200
    with pytest.raises(UnprocessableError, match="unknown comment 'ghost'"):
        store.add_label("n1", duplicate_of="ghost", annotator="ann")
    write_dataset(store.export_dataset(), tmp_path / "export")
    with open_store(f"sqlite:///{tmp_path / 'again.db'}") as again:
        again.import_dataset(load_dataset(tmp_path / "export"))
        assert again.get_comment("n1").text == store.get_comment("n1").text
    exported = {c.id: c for c in load_dataset(tmp_path / "export").comments}
    assert exported["n1"].duplicate_of == "c1" and exported["n1"].stance == "favor"


def test_a_comment_committing_after_a_later_one_is_not_skipped_by_the_workspaces(store: Store) -> None:
    """Row numbers are handed out at INSERT, rows become visible at COMMIT: were a later comment (higher seq) to
    commit first, a worker reading "after the last seq I hold" would skip the earlier one for good, and its
    verdicts would differ from a fresh worker's. Storing serialises comment inserts to commit order instead."""
    from moderation.labelling.workspace import Workspaces

    seed(store)
    inserted, release, second_done = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with store.atomic():
                store.save_scored(Comment(id="early", thread_id="t1", text="The first of two, slow to commit."))
                inserted.set()
                release.wait(10)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    def second() -> None:
        try:
            store.save_scored(Comment(id="late", thread_id="t1", text="The second of two, quick to commit."))
            second_done.set()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    workspaces = Workspaces()
    before = [c.id for c in workspaces.stored(store, "t1")]
    a = threading.Thread(target=first)
    a.start()
    assert inserted.wait(10)
    b = threading.Thread(target=second)
    b.start()
    second_done.wait(1.0)  # without the serialisation it commits at once, ahead of the first
    while_waiting = [c.id for c in workspaces.stored(store, "t1")]  # a worker reads in between
    release.set()
    a.join(10)
    b.join(10)
    assert not errors, errors
    assert "early" not in while_waiting  # not committed yet
    assert [c.id for c in workspaces.stored(store, "t1")] == [*before, "early", "late"]
    assert [c.id for c in Workspaces().stored(store, "t1")] == [*before, "early", "late"]  # a fresh worker agrees
