"""Signing in: no open redirect, a throttle before the hash, equal work for unknown names, sessions that end."""

from __future__ import annotations

import re
import time

import pytest

from moderation.app import create_app
from moderation.app.resources import get_store
from moderation.pages import accounts
from moderation.store import open_store
from tests.conftest import track_app
from tests.pages_live import PASSWORD, seed_store


def _client(db_url: str, **config):  # noqa: ANN003, ANN202
    with open_store(db_url) as store:
        seed_store(store)
    app = track_app(create_app({"database_url": db_url, "secret_key": "test-secret-key", "testing": True,
                                **config}))
    return app.test_client()


@pytest.fixture
def client(db_url: str):  # noqa: ANN201
    """A test client on the seed store (users ann, bob, mod, lead)."""
    return _client(db_url)


def _token(client) -> str:  # noqa: ANN001
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text).group(1)


def _post_login(client, name: str, password: str, **extra: str):  # noqa: ANN001, ANN202
    return client.post("/login", data={"name": name, "password": password, "csrf_token": _token(client), **extra})


@pytest.mark.parametrize(("next_page", "location"), [
    ("/\t/evil.example", "/home"), ("/\n/evil.example", "/home"), ("\x00//evil.example", "/home"),
    ("//evil.example/", "/home"), ("/\\evil.example", "/home"), ("\\\\evil.example", "/home"),
    (" //evil.example", "/home"), ("https://evil.example/", "/home"), ("javascript:alert(1)", "/home"),
    ("/%09/evil.example", "/%09/evil.example"), ("/label?thread=x", "/label?thread=x"), ("", "/home"),
])
def test_next_is_only_a_path_on_this_site(client, next_page: str, location: str) -> None:  # noqa: ANN001
    response = _post_login(client, "ann", PASSWORD, next=next_page)
    assert response.status_code == 302 and response.headers["Location"] == location


def test_failed_sign_ins_are_throttled_per_account_before_the_hash(client, monkeypatch) -> None:  # noqa: ANN001
    calls = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda h, p: calls.append(1) or real(h, p))
    for _ in range(10):
        assert _post_login(client, "ann", "wrong-password").status_code == 401
    refused = _post_login(client, "ann", PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "too many failed sign-ins" in refused.text
    assert len(calls) == 10  # the 11th attempt never reached the password hash
    assert _post_login(client, "bob", PASSWORD).status_code == 302  # another account is not locked


def test_password_hashes_are_budgeted_per_worker(db_url: str, monkeypatch) -> None:  # noqa: ANN001
    from moderation.pages import signin

    client = _client(db_url, login_hash_interval_seconds=30.0)
    calls = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda h, p: calls.append(1) or real(h, p))
    monkeypatch.setattr(signin, "_BUDGET", signin._HashBudget())
    assert _post_login(client, "ann", "wrong-password").status_code == 401
    busy = _post_login(client, "bob", PASSWORD)  # within the interval: refused before any hash
    assert busy.status_code == 429 and busy.headers["Retry-After"] == "1" and "sign-in busy" in busy.text
    assert len(calls) == 1
    monkeypatch.setattr(signin._BUDGET, "_last", signin.time.monotonic() - 31.0)  # the interval has passed
    assert _post_login(client, "bob", PASSWORD).status_code == 302 and len(calls) == 2


def test_failed_sign_ins_are_throttled_per_address(db_url: str) -> None:
    client = _client(db_url, login_failures_per_address=3)
    for name in ("ann", "bob", "nobody"):
        assert _post_login(client, name, "wrong-password").status_code == 401
    assert _post_login(client, "mod", PASSWORD).status_code == 429


def test_unknown_and_inactive_names_cost_one_hash_like_a_known_name(client, monkeypatch) -> None:  # noqa: ANN001
    calls = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda h, p: calls.append(1) or real(h, p))
    accounts.update_user(get_store(client.application), "bob", active=False)
    for name in ("ann", "no-such-user", "bob"):
        before = len(calls)
        assert _post_login(client, name, "wrong-password").status_code == 401
        assert len(calls) - before == 1, name


def test_unknown_name_takes_as_long_as_a_wrong_password(client) -> None:  # noqa: ANN001
    def took(name: str) -> float:
        started = time.perf_counter()
        assert _post_login(client, name, "wrong-password").status_code == 401
        return time.perf_counter() - started
    took("no-such-user")  # the dummy hash is made once per process
    known = min(took("ann") for _ in range(3))
    unknown = min(took(f"nobody{i}") for i in range(3))
    assert 0.5 < unknown / known < 2, (known, unknown)


def _signed_in_cookie(client) -> str:  # noqa: ANN001
    assert _post_login(client, "ann", PASSWORD).status_code == 302
    return client.get_cookie("session").value


def _is_signed_in(client, cookie: str) -> bool:  # noqa: ANN001
    client.set_cookie("session", cookie)
    return client.get("/guidelines").status_code == 200


def test_logout_ends_a_copied_session(client) -> None:  # noqa: ANN001
    cookie = _signed_in_cookie(client)
    assert _is_signed_in(client, cookie)
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/guidelines").text).group(1)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert not _is_signed_in(client, cookie)


def test_password_change_ends_old_sessions(client) -> None:  # noqa: ANN001
    cookie = _signed_in_cookie(client)
    accounts.update_user(get_store(client.application), "ann", password="another-password-2")
    assert not _is_signed_in(client, cookie)


def test_a_session_has_a_bounded_lifetime(client) -> None:  # noqa: ANN001
    cookie = _signed_in_cookie(client)
    with client.session_transaction("/home") as sess:
        sess["signed_in_at"] = time.time() - 13 * 3600
    assert client.get("/guidelines").status_code == 302
    assert _is_signed_in(client, cookie)  # the same sign-in, still young


@pytest.mark.parametrize("secure", [False, True])
def test_cookie_flags_follow_the_settings(db_url: str, secure: bool) -> None:
    client = _client(db_url, cookie_secure=secure, cookie_samesite="Strict")
    response = _post_login(client, "ann", PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and ("Secure" in cookie) is secure
    assert ("Strict-Transport-Security" in response.headers) is secure


@pytest.mark.parametrize("path", ["/login", "/healthz", "/v1/openapi.json", "/no-such-page", "/guidelines"])
def test_security_headers_on_every_response(client, path: str) -> None:  # noqa: ANN001
    headers = client.get(path).headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
