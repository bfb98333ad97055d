"""The pages through Flask's test client: login redirect, roles, CSRF, the labelling order and overlap."""

from __future__ import annotations

import re

import pytest

from moderation.pages import labelling, queries
from moderation.store import Store
from moderation.verdict import OffTopic, Scores, Stance, Verdict
from tests.conftest import track_app
from tests.pages_live import PASSWORD, make_app, seed_store

T = "kishida-nato"


@pytest.fixture
def client(store: Store):  # noqa: ANN201
    """A test client on the seed thread with users ann, bob (annotators), mod and lead (admin)."""
    seed_store(store)
    app = make_app(store.url)
    yield app.test_client()
    models = app.extensions["moderation"].get("models")
    if models is not None:
        models.close()


def _token(client, path: str = "/login") -> str:  # noqa: ANN001
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).text).group(1)


def _login(client, name: str) -> str:  # noqa: ANN001
    response = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": _token(client)})
    assert response.status_code == 302
    return _token(client, "/guidelines")


@pytest.mark.parametrize("path", ["/home", "/label", f"/label/{T}", "/queues", "/queues/needs-review",
                                  "/agreement", "/adjudicate", "/admin/users", "/admin/settings", "/guidelines"])
def test_every_page_redirects_to_login(client, path: str) -> None:  # noqa: ANN001
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(("user", "path", "status"), [
    ("ann", "/label", 200), ("ann", "/guidelines", 200), ("ann", "/queues", 403), ("ann", "/agreement", 403),
    ("mod", "/queues", 200), ("mod", "/adjudicate", 200), ("mod", "/admin/users", 403),
    ("lead", "/admin/users", 200), ("lead", "/admin/settings", 200), ("lead", "/queues/nope", 404),
])
def test_roles(client, user: str, path: str, status: int) -> None:  # noqa: ANN001
    _login(client, user)
    assert client.get(path).status_code == status


def test_wrong_password_and_open_redirect(client) -> None:  # noqa: ANN001
    token = _token(client)
    bad = client.post("/login", data={"name": "ann", "password": "nope", "csrf_token": token})
    assert bad.status_code == 401 and "Wrong name or password" in bad.text
    good = client.post("/login", data={"name": "ann", "password": PASSWORD, "csrf_token": token,
                                       "next": "//evil.example/"})
    assert good.headers["Location"] == "/home"


@pytest.mark.parametrize("path", ["/login", f"/label/{T}/save", "/admin/users", "/logout"])
def test_posts_without_csrf_are_refused(client, path: str) -> None:  # noqa: ANN001
    _login(client, "lead")
    response = client.post(path, data={"comment_id": f"{T}-001", "stance": "favor", "name": "x"})
    assert response.status_code == 400 and "CSRF" in response.text


def test_api_requests_set_no_session_cookie(client) -> None:  # noqa: ANN001
    assert "Set-Cookie" not in client.get("/healthz").headers


def test_save_undo_and_bad_label(store: Store, client, db_url) -> None:  # noqa: ANN001
    token = _login(client, "ann")
    headers = {"X-Requested-With": "fetch", "X-CSRF-Token": token}
    saved = client.post(f"/label/{T}/save", data={"comment_id": f"{T}-005", "stance": "against"}, headers=headers)
    assert saved.status_code == 200 and saved.headers["X-Card-URL"].endswith(f"c={T}-006")
    bad = client.post(f"/label/{T}/save", data={"comment_id": f"{T}-001", "stance": "maybe"}, headers=headers)
    assert bad.status_code == 400 and bad.json["error"]["field"] == "stance"
    undone = client.post(f"/label/{T}/undo", headers=headers)
    assert undone.headers["X-Card-URL"].endswith(f"c={T}-005")
    assert store.last_form_label(T, "ann") is None


def test_overlap_decides_who_labels_what(store) -> None:  # noqa: ANN001
    seed_store(store)
    store.add_label(f"{T}-001", stance="favor", annotator="ann")
    bob = labelling.load(store, T, "bob")
    assert labelling.next_comment(bob, "bob", 1).id == f"{T}-002"
    assert labelling.next_comment(bob, "bob", 2).id == f"{T}-001"
    queries.set_overlap(store, 2)
    assert queries.get_overlap(store) == 2
    ann = labelling.load(store, T, "ann")
    assert labelling.next_comment(ann, "ann", 2).id == f"{T}-002"
    assert labelling.next_comment(ann, "ann", 2, after=f"{T}-058", skipped=frozenset({f"{T}-002"})).id == f"{T}-003"
    assert labelling.progress(ann, "ann", 2) == {"total": 58, "mine": 1, "team": 0, "gold": 0}


class FakeTagger:
    """A stand-in for a tagger with a stance model: comment n is 'against' with confidence 0.4 + n/100."""

    def tag(self, comment, thread, earlier, *, remember: bool = True, sync: bool = True) -> Verdict:  # noqa: ANN001
        top = 0.4 + int(comment.id[-3:]) / 100
        rest = (1 - top) / 2
        return Verdict(comment.id, comment.thread_id, comment.text, OffTopic(0.1, "on topic"),
                       stance=Stance("against", {"favor": rest, "against": top, "none": rest}, ("nato",)))

    def thread_verdicts(self, thread, comments) -> list[Verdict]:  # noqa: ANN001
        return [self.tag(c, thread, comments[:i]) for i, c in enumerate(comments)]


def test_model_suggestion_uncertain_order_and_reason_words(store: Store, db_url) -> None:  # noqa: ANN001
    from moderation.app import create_app

    seed_store(store)
    app = track_app(create_app({"database_url": db_url, "secret_key": "k",
                                "make_tagger": lambda store, model: FakeTagger()}))
    client = app.test_client()
    _login(client, "ann")
    page = client.get(f"/label/{T}?order=uncertain").text
    assert f'data-comment="{T}-001"' in page  # the least confident first
    assert re.search(r'class="stance against suggested[^"]*"', page) and "model 41%" in page
    assert 'data-suggest="against"' in page
    store.save_scored(store.get_comment(f"{T}-002"), queue={
        "name": "needs-review", "priority": 0.5, "reasons": ["stance against at 0.42"], "scores": {}})
    # The page shows the verdict stored with the item (what the API answered), not a fresh tagging of it.
    stored = Verdict(f"{T}-003", T, "Japan, stay out of entanglements", OffTopic(0.9, "far from the article"),
                     stance=Stance("favor", {"favor": 0.68, "against": 0.3, "none": 0.02}, ("entanglements",)))
    for name, cid in (("needs-review", "003"), ("off-topic", "005")):
        store.save_scored(store.get_comment(f"{T}-{cid}"), queue={
            "name": name, "priority": 0.9, "reasons": ["why"], "scores": Scores.of(stored).to_json()})
    _login(client, "mod")
    queue = client.get("/queues/needs-review").text
    assert "<mark>entanglements</mark>" in queue and "model: favor 68%" in queue and "model: against 43%" not in queue
    assert "<mark>NATO</mark>" in queue and "model: against 42%" in queue  # an item queued without a verdict
    off = client.get("/queues/off-topic").text
    assert "<mark>" not in off and "<option selected>off_topic</option>" in off
    assert "<option selected>other</option>" in queue
    app.extensions["moderation"]["models"].close()


@pytest.mark.parametrize("overlap", ["²", "٣", "x"])
def test_overlap_must_be_ascii_digits(client, overlap: str) -> None:  # noqa: ANN001
    token = _login(client, "lead")
    response = client.post("/admin/settings", data={"overlap": overlap, "csrf_token": token})
    assert response.status_code == 400 and "overlap must be a whole number" in response.text
