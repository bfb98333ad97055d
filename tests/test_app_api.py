"""The JSON API: scoring, attribute subsets, store=false, batches, queues, decisions and their labels."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from moderation.cli import main
from moderation.store import Store
from tests.test_app_support import auth, service_fixture  # noqa: F401 - the `service` fixture


def test_score_answers_every_attribute_and_stores_only_when_asked(service: dict) -> None:
    client, store = service["client"], service["store"]
    before = store.counts()
    probe = client.post("/v1/score", json={"id": "s0", "text": "I support NATO ties.", "thread_id": "t1"},
                        headers=auth(service["keys"]["scorer"]))
    assert probe.status_code == 200 and probe.get_json()["stored"] is False and store.counts() == before
    r = client.post("/v1/score", json={"id": "s1", "text": "I support NATO ties.", "thread_id": "t1",
                                       "store": True}, headers=auth(service["keys"]["scorer"]))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["model_version"] == "v1" and body["stored"] is True
    assert body["stance"]["label"] == "favor" and set(body["stance"]["probabilities"]) == {"favor", "against",
                                                                                           "none"}
    assert body["off_topic"]["probability"] < 0.5 and body["duplicate"] is None and body["quotes"] == []
    assert body["queue"] == {"name": "auto-approved", "priority": 0.0, "reasons": body["queue"]["reasons"],
                             "rule": "confident"}
    assert store.get_comment("s1").text == "I support NATO ties."
    assert store.queue_counts() == {}


def test_subset_of_attributes_and_store_false(service: dict) -> None:
    client, store = service["client"], service["store"]
    r = client.post("/v1/score", json={"id": "s2", "text": "The yakuza boss was arrested.", "thread_id": "t1",
                                       "attributes": ["off_topic", "queue"], "store": False},
                    headers=auth(service["keys"]["scorer"]))
    body = r.get_json()
    assert set(body) == {"id", "thread_id", "model_version", "stored", "off_topic", "queue"}
    assert body["stored"] is False and body["queue"]["name"] == "off-topic"
    assert "off-topic probability 0.95" in body["queue"]["reasons"][0]
    assert store.counts()["comments"] == 2


def test_inline_thread_and_duplicate_routing(service: dict) -> None:
    client, key = service["client"], service["keys"]["scorer"]
    thread = {"title": "A new article", "body": "About NATO."}
    first = client.post("/v1/score", json={"text": "Same words here.", "thread": thread, "store": True},
                        headers=auth(key))
    second = client.post("/v1/score", json={"text": "Same words here.", "thread": thread}, headers=auth(key))
    assert first.get_json()["thread_id"] == second.get_json()["thread_id"]
    assert second.get_json()["duplicate"]["of"] == first.get_json()["id"]
    assert second.get_json()["queue"]["name"] == "duplicate"


def test_batch_scores_in_order(service: dict) -> None:
    comments = [{"text": f"I support point {i}.", "thread_id": "t1"} for i in range(5)]
    r = service["client"].post("/v1/score/batch", json={"comments": comments, "store": False},
                               headers=auth(service["keys"]["scorer"]))
    body = r.get_json()
    assert r.status_code == 200 and body["count"] == 5
    assert [x["stance"]["label"] for x in body["results"]] == ["favor"] * 5


def _ingest(client: Any, key: str, cid: str, text: str) -> dict[str, Any]:
    r = client.post("/v1/comments", json={"id": cid, "text": text, "thread_id": "t1", "author": "reader"},
                    headers=auth(key))
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_queues_list_highest_priority_first(service: dict) -> None:
    client, keys = service["client"], service["keys"]
    _ingest(client, keys["scorer"], "q1", "Kishida and NATO, hmm.")          # favor 0.4 -> priority 0.6
    _ingest(client, keys["scorer"], "q2", "I am against nothing and support all.")  # favor 0.9: auto-approved
    _ingest(client, keys["scorer"], "q3", "Yakuza news again.")               # off-topic
    _ingest(client, keys["scorer"], "q4", "Another thought on Japan.")       # needs-review
    counts = client.get("/v1/queues", headers=auth(keys["moderator"])).get_json()["queues"]
    assert counts == {"duplicate": 0, "off-topic": 1, "needs-review": 2, "auto-approved": 1}
    page = client.get("/v1/queues/needs-review?limit=10", headers=auth(keys["moderator"])).get_json()
    assert [i["comment_id"] for i in page["items"]] == ["q1", "q4"]
    assert page["items"][0]["scores"]["stance"] == "favor" and page["items"][0]["model_version"] == "v1"


def test_decisions_audit_and_round_trip_into_export(service: dict, tmp_path: Path, monkeypatch: Any) -> None:
    client, keys, store = service["client"], service["keys"], service["store"]
    _ingest(client, keys["scorer"], "d1", "Yakuza news again.")
    _ingest(client, keys["scorer"], "d2", "Kishida and NATO, hmm.")
    _ingest(client, keys["scorer"], "d3", "Japan is right to go.")
    r1 = client.post("/v1/comments/d1/decision", json={"action": "reject", "reason_code": "off_topic"},
                     headers=auth(keys["moderator"]))
    r2 = client.post("/v1/comments/d2/decision", json={"action": "relabel", "label": {"stance": "favor"}},
                     headers=auth(keys["moderator"]))
    r3 = client.post("/v1/comments/d3/decision", json={"action": "reject", "reason_code": "abuse"},
                     headers=auth(keys["admin"]))
    assert r1.status_code == r2.status_code == r3.status_code == 200
    assert r1.get_json()["label"] == {"stance": None, "off_topic": True, "duplicate_of": None}
    audit = store.decisions_for("d1")[0]
    assert audit["actor"] == "key:moderator-test" and audit["model_version"] == "v1"
    assert audit["scores"]["off_topic"] == 0.95 and audit["reason_code"] == "off_topic"
    assert store.decisions_for("d3")[0]["label"] is None
    assert [lab["source"] for lab in store.comment_labels("d2")] == ["decision"]
    monkeypatch.setenv("MODERATION_DATABASE_URL", store.url)
    result = CliRunner().invoke(main, ["export", str(tmp_path / "out")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = {c["id"]: c for c in map(json.loads, (tmp_path / "out" / "comments.jsonl").read_text().splitlines())}
    assert rows["d1"]["off_topic"] is True and rows["d1"]["annotator"] == "key:moderator-test"
    assert rows["d2"]["stance"] == "favor"
    assert "stance" not in rows["d3"] and "off_topic" not in rows["d3"]


def test_two_concurrent_decisions_one_wins(service: dict) -> None:
    app, keys = service["app"], service["keys"]
    _ingest(service["client"], keys["scorer"], "r1", "Kishida and NATO, hmm.")
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def decide(action: dict[str, Any]) -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post("/v1/comments/r1/decision", json=action,
                                    headers=auth(keys["moderator"])).status_code)

    actions = [{"action": "approve"}, {"action": "reject", "reason_code": "spam"}] * 2
    threads = [threading.Thread(target=decide, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 409, 409, 409]
    assert len(service["store"].decisions_for("r1")) == 1


def test_keys_command_creates_a_working_key(store: Store, env_db: str) -> None:
    result = CliRunner().invoke(main, ["keys", "create", "--role", "moderator", "--name", "ops"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["key"].startswith("mod_") and record["role"] == "moderator"
    assert store.verify_api_key(record["key"])["name"] == "ops"
    assert record["key"] not in json.dumps([dict(r, created_at=None) for r in store.list_api_keys()])
    bad = CliRunner().invoke(main, ["keys", "create", "--role", "root"])
    assert bad.exit_code == 2 and "root" in bad.output
    revoke = CliRunner().invoke(main, ["keys", "revoke", record["prefix"]])
    assert revoke.exit_code == 0 and store.verify_api_key(record["key"]) is None


def test_a_revoked_key_stops_working_within_key_cache_seconds(service: dict) -> None:
    client, store = service["client"], service["store"]
    key, prefix = service["keys"]["scorer"], service["keys"]["scorer"].split("_")[1]
    body = {"text": "I support it.", "thread_id": "t1", "store": False}
    assert client.post("/v1/score", json=body, headers=auth(key)).status_code == 200
    store.revoke_api_key(prefix)
    time.sleep(2.2)  # MODERATION_KEY_CACHE_SECONDS is 2
    assert client.post("/v1/score", json=body, headers=auth(key)).status_code == 401


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/v1/score", {"text": "x", "thread_id": "t1", "stance": "favor"}, "stance"),
    ("/v1/comments", {"text": "x", "thread_id": "t1", "off_topic": True}, "off_topic"),
    ("/v1/score", {"text": "x", "thread": {"title": "T", "claim": "c"}}, "thread.claim"),
    ("/v1/score/batch", {"comments": [{"text": "x", "thread_id": "t1"}], "stor": False}, "stor"),
    ("/v1/score/batch", {"comments": [{"text": "x", "thread_id": "t1", "store": False}]}, "comments[0].store"),
])
def test_unknown_body_fields_are_refused_by_name(service: dict, path: str, body: dict, field: str) -> None:
    before = service["store"].counts()
    r = service["client"].post(path, json=body, headers=auth(service["keys"]["scorer"]))
    assert r.status_code == 400
    error = r.get_json()["error"]
    assert error["field"] == field and error["message"].startswith(f"unknown field {field!r} (expected ")
    assert service["store"].counts() == before


def test_unknown_decision_field_is_refused(service: dict) -> None:
    r = service["client"].post("/v1/comments/nope/decision", json={"action": "approve", "reason": "spam"},
                               headers=auth(service["keys"]["moderator"]))
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "reason"
