"""A worker's memo of throttled keys: no store read for a known throttle, never past the store's own window."""

from __future__ import annotations

from moderation.app import create_app
from moderation.app.resources import get_store
from moderation.pages import accounts, signin
from moderation.store import throttle
from tests.conftest import track_app
from tests.pages_live import PASSWORD
from tests.test_pages_signin import _client, _post_login

LIMITS = {"login_failures_per_account": 2, "login_hash_interval_seconds": 0.0}


def _throttle_ann(client) -> None:  # noqa: ANN001
    for _ in range(2):
        assert _post_login(client, "ann", "wrong-password").status_code == 401
    assert _post_login(client, "ann", PASSWORD).status_code == 429  # read from the store, then remembered


def test_a_known_throttle_is_refused_without_a_store_read(db_url: str, monkeypatch) -> None:  # noqa: ANN001
    client = _client(db_url, **LIMITS)
    _throttle_ann(client)
    reads = []
    real = throttle.windows
    monkeypatch.setattr(throttle, "windows", lambda *a: reads.append(1) or real(*a))
    refused = _post_login(client, "ann", PASSWORD)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 900
    assert reads == []
    assert _post_login(client, "bob", PASSWORD).status_code == 302 and reads == [1]  # other keys: the store


def test_the_memo_ends_with_the_stores_window(db_url: str, monkeypatch) -> None:  # noqa: ANN001
    client = _client(db_url, **LIMITS)
    _throttle_ann(client)
    with client.application.test_request_context():
        key = signin._keys("ann")[0]
        store_end = throttle.windows(get_store(), [key], 900.0)[key][1]
        memo = signin.memo()
        assert memo.until([key], store_end - 1) == store_end  # exactly the store's window end, not later
        assert memo.until([key], store_end) is None
    # Past the window (the store's rows are 901 s old): the memo lets the attempt through to the store and hash.
    later = signin.time.time() + 901
    monkeypatch.setattr(signin.time, "time", lambda: later)
    monkeypatch.setattr(throttle.time, "time", lambda: later)
    assert _post_login(client, "ann", PASSWORD).status_code == 302


def test_another_workers_throttle_is_read_from_the_store(db_url: str) -> None:
    first = _client(db_url, **LIMITS)
    _throttle_ann(first)
    # A second app on the same store: a worker whose memo is empty.
    second = track_app(create_app({"database_url": db_url, "secret_key": "test-secret-key", "testing": True,
                                   **LIMITS})).test_client()
    with second.application.app_context():
        assert accounts.authenticate(get_store(), "ann", PASSWORD) is not None  # the password is right
    refused = _post_login(second, "ann", PASSWORD)
    assert refused.status_code == 429 and "too many failed sign-ins" in refused.text


def test_the_memo_is_bounded() -> None:
    memo = signin.ThrottleMemo(limit=2)
    memo.remember("a", 10.0, now=0.0)
    memo.remember("b", 20.0, now=0.0)
    memo.remember("c", 30.0, now=0.0)  # full: the soonest to end ("a") goes
    assert memo.until(["a"], 0.0) is None and memo.until(["b", "c"], 0.0) == 30.0
    memo.remember("d", 40.0, now=25.0)  # full: the ended one ("b") goes first
    assert memo.until(["b"], 0.0) is None and memo.until(["c"], 25.0) == 30.0 and memo.until(["d"], 25.0) == 40.0


def test_csrf_is_still_checked_before_the_memo(db_url: str) -> None:
    client = _client(db_url, **LIMITS)
    _throttle_ann(client)
    client.get("/login")
    response = client.post("/login", data={"name": "ann", "password": PASSWORD})  # no token
    assert response.status_code == 400
