"""The Coral Talk External Moderation Phase adapter, against request shapes recorded from Coral's source."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from moderation.app.coral import coral_answer, signature, verify_signature
from moderation.queue import Scored
from moderation.verdict import OffTopic, Route, Verdict
from tests.test_app_support import make_app, service_fixture  # noqa: F401 - the `service` fixture

SECRET = "ssc_0123456789abcdef"
# coralproject/talk external.ts (ExternalModerationRequest), as generateFetchOptions sends it:
# JSON.stringify(data, null, 2), signed per active secret, joined with ",".
RECORDED_NEW = {"action": "NEW", "comment": {"body": "The yakuza boss was arrested in Osaka.", "parentID": None},
                "author": {"id": "u-1", "role": "COMMENTER"}, "story": {"id": "t1", "url": "https://example/t1"},
                "site": {"id": "site-1"}, "tenantID": "tenant-1", "tenantDomain": "comments.example"}
# Older Coral releases nested the tenant and sent the HTML body.
RECORDED_OLD = {"tenant": {"id": "tenant-1", "domain": "comments.example"}, "action": "NEW",
                "comment": {"body": "<p>I <b>support</b> closer NATO ties.</p>", "parentID": "c1"},
                "author": {"id": "u-2", "role": "COMMENTER"}, "story": {"id": "t1", "url": "https://example/t1"},
                "site": {"id": "site-1"}}


def coral_post(client: Any, payload: dict[str, Any], secrets: list[str] | None = None, header: str | None = None
               ) -> Any:
    """POST like Coral does: two-space JSON, X-Coral-Signature over the raw bytes."""
    raw = json.dumps(payload, indent=2).encode()
    sig = header if header is not None else ",".join(signature(s, raw) for s in (secrets or [SECRET]))
    return client.post("/v1/coral/moderate", data=raw, content_type="application/json",
                       headers={"X-Coral-Signature": sig, "User-Agent": "Coral Moderation/9.0.0"})


@pytest.fixture
def coral(db_url: str, service: dict) -> Any:
    """A client whose app knows the signing secret (old and new, as during a rotation)."""
    return make_app(db_url, coral_signing_secrets=f"old-secret,{SECRET}").test_client()


def test_off_topic_comment_is_withheld(coral: Any) -> None:
    r = coral_post(coral, RECORDED_NEW)
    assert r.status_code == 200
    body = r.get_json()
    assert body["status"] == "SYSTEM_WITHHELD" and body["actions"] == [] and body["tags"] == []
    assert body["metadata"]["moderation"]["queue"] == "off-topic"


def test_html_body_on_topic_gets_no_status(coral: Any) -> None:
    body = coral_post(coral, RECORDED_OLD).get_json()
    assert "status" not in body and body["metadata"]["moderation"]["queue"] == "auto-approved"


def test_repost_is_withheld_and_flagged_as_spam(coral: Any) -> None:
    payload = {**RECORDED_NEW, "comment": {"body": "I support closer ties with NATO.", "parentID": None}}
    body = coral_post(coral, payload).get_json()
    assert body["status"] == "SYSTEM_WITHHELD"
    assert body["actions"] == [{"actionType": "FLAG", "reason": "COMMENT_DETECTED_SPAM"}]


def test_signature_from_a_rotated_secret_is_accepted(coral: Any) -> None:
    assert coral_post(coral, RECORDED_OLD, secrets=["gone", "old-secret"]).status_code == 200


@pytest.mark.parametrize("header", ["", "sha256=00", "sha1=abc", "sha256=" + "0" * 64])
def test_bad_signature_is_401(coral: Any, header: str) -> None:
    r = coral_post(coral, RECORDED_NEW, header=header)
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorized"


def test_tampered_body_is_401(coral: Any) -> None:
    raw = json.dumps(RECORDED_NEW, indent=2).encode()
    sig = signature(SECRET, raw)
    r = coral.post("/v1/coral/moderate", data=raw.replace(b"yakuza", b"Yakuza"), content_type="application/json",
                   headers={"X-Coral-Signature": sig})
    assert r.status_code == 401


def test_unknown_story_means_no_opinion(coral: Any) -> None:
    r = coral_post(coral, {**RECORDED_NEW, "story": {"id": "elsewhere", "url": "https://example/x"}})
    assert r.status_code == 200 and r.get_json() == {}


def test_unconfigured_adapter_is_503(service: dict) -> None:
    r = coral_post(service["client"], RECORDED_NEW)
    assert r.status_code == 503 and r.get_json()["error"]["code"] == "unavailable"


def _scored(queue: str) -> Scored:
    verdict = Verdict("c", "t1", "text", OffTopic(0.99, "no shared terms"))
    return Scored(verdict, Route(queue, 0.99, (), queue), stored=False)


def test_answer_uses_only_values_coral_accepts() -> None:
    # external.ts validates: status in GQLCOMMENT_STATUS, actionType FLAG, reason TOXIC/SPAM, tags FEATURED/STAFF.
    for queue in ("duplicate", "off-topic", "needs-review", "auto-approved"):
        answer = coral_answer(_scored(queue), "v1", reject_off_topic=0.98)
        assert answer.get("status") in (None, "REJECTED", "SYSTEM_WITHHELD")
        assert all(a == {"actionType": "FLAG", "reason": "COMMENT_DETECTED_SPAM"} for a in answer["actions"])
    assert coral_answer(_scored("off-topic"), None, reject_off_topic=0.98)["status"] == "REJECTED"
    assert verify_signature(f"sha256=x,{signature('k', b'b')}", b"b", ["k"])


def test_a_replayed_body_is_stored_once_and_gets_the_first_answer(coral: Any, service: dict) -> None:
    store = service["store"]
    before = store.counts()["comments"]
    payload = {**RECORDED_NEW, "comment": {"body": "A new comment on NATO ties, posted once.", "parentID": None}}
    answers = [coral_post(coral, payload).get_json() for _ in range(20)]
    assert store.counts()["comments"] == before + 1
    assert all(a == answers[0] for a in answers) and answers[0]["metadata"]["moderation"]["queue"]
    other = {**payload, "author": {"id": "u-9", "role": "COMMENTER"}}  # another author: another comment
    assert coral_post(coral, other).status_code == 200 and store.counts()["comments"] == before + 2


def test_a_body_replayed_by_ten_clients_at_once_is_stored_once(db_url: str, service: dict) -> None:
    app = make_app(db_url, coral_signing_secrets=SECRET)
    store, before = service["store"], service["store"].counts()["comments"]
    payload = {**RECORDED_NEW, "comment": {"body": "Replayed all at once, on NATO ties.", "parentID": None}}
    barrier, answers = threading.Barrier(10), []

    def replay() -> None:
        with app.test_client() as client:
            barrier.wait()
            r = coral_post(client, payload)
            answers.append((r.status_code, r.get_json()))

    threads = [threading.Thread(target=replay) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.counts()["comments"] == before + 1
    assert all(a == answers[0] for a in answers) and answers[0][0] == 200, answers
