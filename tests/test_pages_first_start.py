"""A newcomer's first steps through the test client: the landing page, the sign-in hint, API keys, passwords."""

from __future__ import annotations

import re

import pytest

from moderation.app import create_app
from moderation.pages import accounts, queries
from moderation.store import Store
from tests.conftest import track_app
from tests.pages_live import PASSWORD, make_app, seed_store


@pytest.fixture
def client(store: Store):  # noqa: ANN201
    """A test client on the seed thread with users ann, bob (annotators), mod and lead (admin)."""
    seed_store(store)
    return track_app(create_app({"database_url": store.url, "secret_key": "test-secret-key", "testing": True,
                                 "key_cache_seconds": 0})).test_client()


def _token(client, path: str = "/login") -> str:  # noqa: ANN001
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).text).group(1)


def _login(client, name: str) -> str:  # noqa: ANN001
    response = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": _token(client)})
    assert response.status_code == 302
    return _token(client, "/guidelines")


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_landing_on_an_empty_store_says_to_create_the_first_admin(db_url: str) -> None:
    client = make_app(db_url).test_client()
    page = client.get("/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "Create the first admin on the server (it asks for a password): moderation users create NAME " \
           "--role admin" in _text(page.text)
    assert "moderation keys create --role scorer --name site" in page.text
    login = _text(client.get("/login").text)
    assert "No one can sign in yet: create the first admin on the server with moderation users create NAME " \
           "--role admin ." in login


def test_the_sign_in_hint_changes_once_the_first_admin_exists(db_url: str, monkeypatch) -> None:  # noqa: ANN001
    from moderation.app.resources import get_store
    from moderation.pages import welcome

    clock = [1000.0]
    monkeypatch.setattr(welcome.time, "monotonic", lambda: clock[0])
    client = make_app(db_url).test_client()
    assert "No one can sign in yet" in client.get("/login").text
    store = get_store(client.application)
    accounts.create_user(store, "ann", "annotator", PASSWORD)
    assert "No one can sign in yet" in client.get("/login").text and not store.has_active_admin()
    accounts.create_user(store, "boss", "admin", PASSWORD)
    assert "No one can sign in yet" in client.get("/login").text  # "no" is kept NO_ADMIN_SECONDS
    clock[0] += welcome.NO_ADMIN_SECONDS
    assert "No account? An admin adds you" in client.get("/login").text  # then the store decides again
    accounts.update_user(store, "boss", active=False)
    assert not store.has_active_admin()
    monkeypatch.setattr(welcome, "ADMIN_SEEN_SECONDS", 0.0)  # once "yes" is no longer trusted, the store decides
    assert "No one can sign in yet" in client.get("/login").text


def test_landing_once_an_admin_exists(client) -> None:  # noqa: ANN001
    text = _text(client.get("/").text)
    assert "An admin exists." in text and "users create" not in text
    assert "No account? An admin adds you on the Users page." in _text(client.get("/login").text)
    _login(client, "lead")
    text = _text(client.get("/").text)
    assert "Signed in as lead (admin). Go to your start page" in text and "the API keys page (0 active)" in text


def test_unknown_api_paths_stay_json_404(client) -> None:  # noqa: ANN001
    response = client.get("/v1/nowhere")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_favicon(client) -> None:  # noqa: ANN001
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert 'rel="icon"' in client.get("/login").text


def test_keys_page_creates_once_lists_and_revokes(client, store: Store) -> None:  # noqa: ANN001
    token = _login(client, "lead")
    created = client.post("/admin/keys", data={"role": "scorer", "name": "site", "csrf_token": token})
    assert created.status_code == 201
    key = re.search(r'id="new-key-value">(mod_[^<]+)<', created.text).group(1)
    record = store.verify_api_key(key)
    assert record is not None and (record["role"], record["name"]) == ("scorer", "site")
    listing = client.get("/admin/keys").text
    assert f"mod_{record['prefix']}_" in listing and key not in listing
    assert client.get("/v1/queues", headers={"Authorization": f"Bearer {key}"}).status_code == 403
    refused = client.post(f"/admin/keys/{record['prefix']}/revoke", data={})
    assert refused.status_code == 400 and "CSRF" in refused.text
    assert store.verify_api_key(key) is not None
    revoked = client.post(f"/admin/keys/{record['prefix']}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 302 and store.verify_api_key(key) is None
    assert f"Key mod_{record['prefix']}_… revoked: the API refuses it from the next request on." in \
        client.get("/admin/keys").text
    body = {"text": "hi", "thread_id": "kishida-nato"}
    assert client.post("/v1/score", json=body, headers={"Authorization": f"Bearer {key}"}).status_code == 401


@pytest.mark.parametrize(("user", "status"), [("mod", 403), ("ann", 403)])
def test_keys_page_is_for_admins(client, user: str, status: int) -> None:  # noqa: ANN001
    _login(client, user)
    assert client.get("/admin/keys").status_code == status


def test_admin_resets_a_password(client, store: Store) -> None:  # noqa: ANN001
    token = _login(client, "lead")
    short = client.post("/admin/users/ann/password", data={"password": "short", "csrf_token": token})
    assert short.status_code == 400 and "at least 8 characters" in short.text
    done = client.post("/admin/users/ann/password", data={"password": "a-new-password", "csrf_token": token})
    assert done.status_code == 302
    assert accounts.authenticate(store, "ann", "a-new-password") is not None
    assert accounts.authenticate(store, "ann", PASSWORD) is None


def test_settings_show_the_stored_overlap_and_no_backticks(client, store: Store) -> None:  # noqa: ANN001
    token = _login(client, "lead")
    client.post("/admin/settings", data={"overlap": "2", "csrf_token": token})
    assert queries.get_overlap(store) == 2
    page = client.get("/admin/settings").text
    row = re.search(r'<tr id="setting-label_overlap">(.*?)</tr>', page, re.S).group(1)
    assert "<code>2</code>" in row and "set on this page (the environment says 1)" in row
    assert "`" not in _text(page)
    assert "<code>moderation serve</code>" in page
