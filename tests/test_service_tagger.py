"""The service on the real labelling module (moderation.labelling.tagger.Tagger), no model yet."""

from __future__ import annotations

from moderation.app import create_app
from moderation.store import Store
from tests.conftest import track_app
from tests.test_app_support import auth, seed


def test_real_tagger_finds_a_repost_and_store_false_leaves_no_trace(store: Store, db_url: str) -> None:
    seed(store)
    key = store.create_api_key("scorer")[0]
    client = track_app(create_app({"database_url": db_url, "testing": True, "log_json": False})).test_client()
    text = "Japan has every reason to work with NATO while China keeps building up its navy."
    first = client.post("/v1/score", json={"id": "p1", "text": text, "thread_id": "t1", "author": "ann",
                                            "store": True},
                        headers=auth(key))
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert body["model_version"] is None and body["stance"] is None and body["duplicate"] is None
    assert 0.0 <= body["off_topic"]["probability"] <= 1.0 and body["own_text"] == text
    probe = client.post("/v1/score", json={"id": "p2", "text": text, "thread_id": "t1", "author": "ann",
                                           "store": False}, headers=auth(key)).get_json()
    assert probe["duplicate"]["of"] == "p1" and probe["queue"]["name"] == "duplicate"
    again = client.post("/v1/score", json={"id": "p3", "text": text, "thread_id": "t1", "author": "bob"},
                        headers=auth(key)).get_json()
    assert again["duplicate"]["of"] == "p1"          # p2 was never stored nor indexed
    quote = client.post("/v1/score", json={"id": "p4", "thread_id": "t1", "author": "cy",
                                           "text": f"\"{text}\"\nNo, Japan should stay out of it."},
                        headers=auth(key)).get_json()
    assert quote["duplicate"] is None and quote["quotes"] and quote["quotes"][0]["source"] == "p1"


def test_a_batch_that_stores_nothing_reads_in_one_transaction(store: Store, db_url: str) -> None:
    from sqlalchemy import event

    seed(store)
    key = store.create_api_key("scorer")[0]
    app = track_app(create_app({"database_url": db_url, "testing": True, "log_json": False}))
    client = app.test_client()
    comments = [{"text": f"Japan has every reason to work with NATO on point {i} while China builds up its navy.",
                 "thread_id": "t1", "id": f"b{i}"} for i in range(5)]
    begun: list[int] = []

    def post(stored: bool) -> None:
        begun.clear()
        r = client.post("/v1/score/batch", json={"comments": comments, "store": stored}, headers=auth(key))
        assert r.status_code == 200 and r.get_json()["count"] == 5, r.get_json()

    post(False)  # opens the app's store, warms the key cache and the thread's workspace
    from moderation.app.resources import get_store

    event.listen(get_store(app).engine, "begin", lambda conn: begun.append(1))
    post(False)
    assert len(begun) == 1  # one snapshot for the five items: each one's duplicate lookup joins it
    post(True)
    assert len(begun) >= 5  # each stored item commits on its own (its index entry with its comment)
