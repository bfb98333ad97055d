"""Input that used to answer 500: lone surrogates, deep nesting, '²' as a number, the work budget, a store down."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from moderation.app import create_app
from tests.conftest import track_app
from tests.test_app_coral import RECORDED_NEW, SECRET, coral_post
from tests.test_app_errors import check_error
from tests.test_app_support import auth, make_app, service_fixture  # noqa: F401 - the `service` fixture

OK = '"text": "I support it.", "thread_id": "t1"'
DEEP = b'{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
BIG = json.dumps({"comments": [{"text": "x" * 19_000, "thread_id": "t1"}] * 20}).encode()
# (name, path, raw JSON body, expected status, field); the bodies carry \ud800 as JSON escapes, as a client sends
BAD_BODIES = [
    ("surrogate in text", "/v1/score", b'{"text": "hi \\ud800", "thread_id": "t1"}', 400, "text"),
    ("surrogate in author", "/v1/comments", b'{' + OK.encode() + b', "author": "\\udfff"}', 400, "author"),
    ("surrogate in thread id", "/v1/score", b'{"text": "hi", "thread_id": "t\\ud800"}', 400, "thread_id"),
    ("surrogate in comment id", "/v1/comments", b'{' + OK.encode() + b', "id": "\\ud800"}', 400, "id"),
    ("surrogate in inline thread", "/v1/score", b'{"text": "hi", "thread": {"title": "T", "body": "\\ud800"}}',
     400, "thread.body"),
    ("surrogate in a batch", "/v1/score/batch", b'{"comments": [{' + OK.encode() + b'}, {"text": "\\ud800", '
     b'"thread_id": "t1"}]}', 400, "comments[1].text"),
    ("deep nesting", "/v1/score", DEEP, 400, None),
    ("deep nesting in a batch", "/v1/score/batch", DEEP.replace(b'"text"', b'"comments"'), 400, None),
    ("over the work budget", "/v1/score/batch", BIG, 413, "comments"),
]


@pytest.mark.parametrize(("name", "path", "body", "status", "field"), BAD_BODIES, ids=[c[0] for c in BAD_BODIES])
def test_bad_bodies_answer_the_error_shape(service: dict, name: str, path: str, body: bytes, status: int,
                                           field: str | None) -> None:
    response = service["client"].post(path, data=body, content_type="application/json",
                                      headers=auth(service["keys"]["scorer"]))
    check_error(response, status, "too_large" if status == 413 else "bad_request", field)


@pytest.mark.parametrize(("payload", "field"), [
    ({**RECORDED_NEW, "comment": {"body": "hi \ud800", "parentID": None}}, "comment.body"),
    ({**RECORDED_NEW, "story": {"id": "t1\ud800"}}, "story.id"),
    ({**RECORDED_NEW, "author": {"id": "\udfff"}}, "author.id"),
    ({**RECORDED_NEW, "comment": {"body": "hi", "parentID": "\ud800"}}, "comment.parentID"),
], ids=["body", "story id", "author id", "parent id"])
def test_coral_surrogates_answer_400(db_url: str, service: dict, payload: dict[str, Any], field: str) -> None:
    client = make_app(db_url, coral_signing_secrets=SECRET).test_client()
    check_error(coral_post(client, payload), 400, "bad_request", field)


@pytest.mark.parametrize("query", ["limit=%C2%B2", "offset=%C2%B2", "limit=%D9%A3"])
def test_unicode_digits_are_not_page_numbers(service: dict, query: str) -> None:
    response = service["client"].get(f"/v1/queues/duplicate?{query}", headers=auth(service["keys"]["moderator"]))
    check_error(response, 400, "bad_request", query.split("=")[0])


def test_work_budget_counts_an_inline_thread_once(service: dict) -> None:
    thread = {"title": "T", "body": "b" * 150_000}
    one = {"text": "I support it.", "thread": thread}
    client, key = service["client"], service["keys"]["scorer"]
    assert client.post("/v1/score/batch", json={"comments": [one] * 3, "store": False},
                       headers=auth(key)).status_code == 200
    check_error(client.post("/v1/score", json={"text": "hi", "thread": {"title": "T", "body": "b" * 200_001}},
                            headers=auth(key)), 413, "too_large", "text")


DOWN = "postgresql+psycopg://nobody@127.0.0.1:1/nodb"


@pytest.mark.parametrize("path", ["/login", "/home", "/v1/queues", "/metrics"])
def test_store_down_is_a_503_that_names_no_host(path: str) -> None:
    app = track_app(create_app({"database_url": DOWN, "testing": True, "log_json": False}))
    response = app.test_client().get(path, headers={"Authorization": "Bearer x"})
    text = response.get_data(as_text=True)
    assert response.status_code == 503, text
    assert "127.0.0.1" not in text and "nobody" not in text and "nodb" not in text
    if not path.startswith(("/login", "/home")):
        check_error(response, 503, "unavailable", None)
    else:
        assert "<html" in text.lower()


def test_store_lost_mid_request_is_a_503(service: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    def lost(*_: Any, **__: Any) -> Any:
        raise OperationalError("SELECT", {}, Exception('connection to server at "db.internal" failed'))
    monkeypatch.setattr(type(service["store"]), "queue_counts", lost)
    response = service["client"].get("/v1/queues", headers=auth(service["keys"]["moderator"]))
    check_error(response, 503, "unavailable", None)
    assert "db.internal" not in response.get_data(as_text=True)


def test_refused_model_names_no_absolute_path(service: dict) -> None:
    from moderation.errors import ModelError

    def refuse(path: str, sha256: str | None = None) -> Any:
        raise ModelError(f"{path}: model.joblib does not match the sha256 in model.json (tampered or corrupt)")
    app = make_app(service["app"].config["MODERATION"]["database_url"], loader=refuse)
    client = app.test_client()
    response = client.post("/v1/score", json={"text": "hi", "thread_id": "t1"},
                           headers=auth(service["keys"]["scorer"]))
    # A refused model is never used: the comment is scored without one (a person reads it), and neither the
    # answer nor the readiness check shows the model folder's absolute path.
    assert response.status_code == 200 and response.get_json()["model_version"] is None
    assert response.get_json()["queue"]["name"] == "needs-review"
    ready = client.get("/readyz")
    assert ready.status_code == 503
    for r in (response, ready):
        assert str(service["tmp"]) not in r.get_data(as_text=True)
