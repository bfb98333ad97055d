"""Every error path answers the one JSON error shape with the right status (a table)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_app_support import auth, service_fixture  # noqa: F401 - the `service` fixture

LONG = "x" * 20_001
OK = {"text": "I support it.", "thread_id": "t1"}


def post(client: Any, path: str, key: str | None, body: Any = None, *, raw: bytes | None = None,
         content_type: str = "application/json") -> Any:
    """POST json (or raw bytes) with an optional key."""
    headers = auth(key) if key else {}
    if raw is not None:
        return client.post(path, data=raw, headers=headers, content_type=content_type)
    return client.post(path, json=body, headers=headers)


CASES = [
    # (name, method, path, key role, body / raw, expected status, code, field)
    ("malformed json", "post", "/v1/score", "scorer", b'{"text": ', 400, "bad_request", None),
    ("not an object", "post", "/v1/score", "scorer", [1, 2], 400, "bad_request", None),
    ("wrong content type", "post", "/v1/score", "scorer", b"text=hi", 415, "unsupported_media_type", None),
    ("missing text", "post", "/v1/score", "scorer", {"thread_id": "t1"}, 400, "bad_request", "text"),
    ("empty text", "post", "/v1/score", "scorer", {"text": "  ", "thread_id": "t1"}, 400, "bad_request", "text"),
    ("text not a string", "post", "/v1/score", "scorer", {"text": 5, "thread_id": "t1"}, 400, "bad_request",
     "text"),
    ("text over the limit", "post", "/v1/score", "scorer", {"text": LONG, "thread_id": "t1"}, 413, "too_large",
     "text"),
    ("NUL in text", "post", "/v1/comments", "scorer", {"text": "a\x00b", "thread_id": "t1"}, 400, "bad_request",
     "text"),
    ("NUL in author", "post", "/v1/comments", "scorer", {**OK, "author": "\x00"}, 400, "bad_request", "author"),
    ("no thread", "post", "/v1/score", "scorer", {"text": "hi"}, 400, "bad_request", "thread_id"),
    ("unknown thread", "post", "/v1/score", "scorer", {"text": "hi", "thread_id": "nope"}, 404, "not_found",
     "thread_id"),
    ("unknown attribute", "post", "/v1/score", "scorer", {**OK, "attributes": ["colour"]}, 400, "bad_request",
     "attributes"),
    ("store not a bool", "post", "/v1/score", "scorer", {**OK, "store": "no"}, 400, "bad_request", "store"),
    ("batch too large", "post", "/v1/score/batch", "scorer", {"comments": [OK] * 257}, 413, "too_large",
     "comments"),
    ("batch empty", "post", "/v1/score/batch", "scorer", {"comments": []}, 400, "bad_request", "comments"),
    ("batch item text over the limit", "post", "/v1/score/batch", "scorer",
     {"comments": [OK, {"text": LONG, "thread_id": "t1"}]}, 413, "too_large", "comments[1].text"),
    ("body over the limit", "post", "/v1/score", "scorer", b'{"text": "' + b"a" * 1_000_001 + b'"}', 413,
     "too_large", None),
    ("no key", "post", "/v1/score", None, OK, 401, "unauthorized", None),
    ("bad key", "post", "/v1/score", "bogus", OK, 401, "unauthorized", None),
    ("wrong role for queues", "get", "/v1/queues", "scorer", None, 403, "forbidden", None),
    ("wrong role for decision", "post", "/v1/comments/c1/decision", "scorer", {"action": "approve"}, 403,
     "forbidden", None),
    ("unknown queue", "get", "/v1/queues/nope", "moderator", None, 404, "not_found", "name"),
    ("bad page limit", "get", "/v1/queues/duplicate?limit=x", "moderator", None, 400, "bad_request", "limit"),
    ("decision on an unqueued comment", "post", "/v1/comments/c1/decision", "moderator", {"action": "approve"},
     404, "not_found", "comment_id"),
    ("unknown action", "post", "/v1/comments/c1/decision", "moderator", {"action": "smite"}, 400, "bad_request",
     "action"),
    ("reject without reason", "post", "/v1/comments/c1/decision", "moderator", {"action": "reject"}, 400,
     "bad_request", "reason_code"),
    ("relabel with a bad stance", "post", "/v1/comments/c1/decision", "moderator",
     {"action": "relabel", "label": {"stance": "maybe"}}, 400, "bad_request", "label.stance"),
    ("store false on ingest", "post", "/v1/comments", "scorer", {**OK, "store": False}, 400, "bad_request",
     "store"),
    ("unknown route", "get", "/v1/nothing", None, None, 404, "not_found", None),
    ("wrong method", "get", "/v1/score", "scorer", None, 405, "method_not_allowed", None),
]


def check_error(response: Any, status: int, code: str, field: str | None) -> None:
    """The one error shape, exactly: {"error": {"code", "message", "field"?}} and nothing else."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    expected_keys = {"code", "message"} | ({"field"} if field else set())
    assert set(body["error"]) == expected_keys
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert "Traceback" not in body["error"]["message"]
    if field:
        assert body["error"]["field"] == field


@pytest.mark.parametrize(("name", "method", "path", "role", "body", "status", "code", "field"), CASES,
                         ids=[c[0] for c in CASES])
def test_error_table(service: dict, name: str, method: str, path: str, role: str | None, body: Any,
                     status: int, code: str, field: str | None) -> None:
    client = service["client"]
    key = service["keys"].get(role, "mod_abc_def") if role else None
    if method == "get":
        response = client.get(path, headers=auth(key) if key else {})
    elif isinstance(body, bytes):
        ctype = "application/x-www-form-urlencoded" if code == "unsupported_media_type" else "application/json"
        response = post(client, path, key, raw=body, content_type=ctype)
    else:
        response = post(client, path, key, body)
    check_error(response, status, code, field)


def test_conflicting_decision_is_409(service: dict) -> None:
    client, keys = service["client"], service["keys"]
    r = client.post("/v1/comments", json={"id": "n1", "text": "I support NATO.", "thread_id": "t1"},
                    headers=auth(keys["scorer"]))
    assert r.status_code == 201
    first = client.post("/v1/comments/n1/decision", json={"action": "approve"}, headers=auth(keys["moderator"]))
    assert first.status_code == 200
    second = client.post("/v1/comments/n1/decision", json={"action": "reject", "reason_code": "spam"},
                         headers=auth(keys["admin"]))
    check_error(second, 409, "conflict", None)


def test_unexpected_error_is_500_in_the_shape_without_traceback(service: dict, caplog: Any) -> None:
    app = service["app"]

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("secret internals")

    app.extensions["moderation"]["models"] = None
    app.extensions["moderation"]["make_tagger"] = broken
    r = service["client"].post("/v1/score", json=OK, headers=auth(service["keys"]["scorer"]))
    check_error(r, 500, "internal", None)
    assert "secret internals" not in r.get_data(as_text=True)
    assert "secret internals" in caplog.text and "Traceback" in caplog.text
