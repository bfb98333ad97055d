"""Chromium at 1280 and 390 px: no page scrolls sideways on a phone; the landing page's next step; API keys;
the queue item's context and age; adjudication with keys. Screenshots go to docs/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from moderation.dataset import Comment
from moderation.pages import queries
from moderation.store import Store
from tests.conftest import SHOTS
from tests.pages_live import make_app, seed_store, serve
from tests.test_pages_browser import THREAD, _login, _page

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}
PAGES = [  # (user or None, path, screenshot name or None)
    (None, "/", "landing"), (None, "/login", None), ("lead", "/label", "label-index"),
    ("lead", f"/label/{THREAD}", None), ("lead", "/queues", None), ("lead", "/queues/needs-review", None),
    ("lead", "/agreement", "agreement"), ("lead", "/adjudicate", "adjudicate"), ("lead", "/admin/users", None),
    ("lead", "/admin/keys", None), ("lead", "/admin/settings", "settings"), ("lead", "/guidelines", None),
]


def stock(store) -> None:  # noqa: ANN001
    """Labels by two annotators (overlap 2) with disagreements, and queue items with reasons and a duplicate."""
    queries.set_overlap(store, 2)
    for i, (a, b) in enumerate((("favor", "favor"), ("against", "none"), ("none", "none"), ("favor", "against"))):
        cid = f"{THREAD}-{i + 1:03d}"
        store.add_label(cid, stance=a, off_topic=False, annotator="ann")
        store.add_label(cid, stance=b, off_topic=i == 3, annotator="bob")
    for cid, priority in ((f"{THREAD}-007", 0.9), (f"{THREAD}-010", 0.5)):
        store.save_scored(store.get_comment(cid), queue={
            "name": "needs-review", "priority": priority, "reasons": ["stance favor at 0.41 < 0.60 confidence"],
            "scores": {"stance": None}, "model_version": None})
    store.save_scored(Comment("copy-1", THREAD, store.get_comment(f"{THREAD}-003").text), queue={
        "name": "duplicate", "priority": 1.0, "reasons": ["duplicate of kishida-nato-003 (exact, similarity 1.00)"],
        "scores": {"stance": None, "duplicate_of": f"{THREAD}-003", "duplicate_kind": "exact",
                   "duplicate_similarity": 1.0}, "model_version": None})


@pytest.fixture
def stocked(store: Store) -> Iterator[tuple[str, object]]:
    """(base URL, store) with labels, disagreements and queue items."""
    seed_store(store)
    stock(store)
    with serve(make_app(store.url)) as base:
        yield base, store


def _width(page) -> int:  # noqa: ANN001
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize(("viewport", "suffix"), [(WIDE, ""), (PHONE, "-phone")], ids=["1280", "390"])
def test_every_page_fits_the_screen(browser, stocked, viewport: dict, suffix: str) -> None:  # noqa: ANN001
    base, _ = stocked
    context, page = _page(browser, viewport)
    signed_in = False
    wide = {}
    for user, path, shot in PAGES:
        if user and not signed_in:
            _login(page, base, user, path)
            signed_in = True
        response = page.goto(base + path)
        assert response.status == 200, path
        width = _width(page)
        if width > viewport["width"]:
            wide[path] = width
        if shot:
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"{shot}{suffix}.png"), full_page=True)
    assert wide == {}, f"pages wider than {viewport['width']} px: {wide}"
    context.close()


@pytest.fixture
def empty(db_url: str) -> Iterator[str]:
    """The base URL of a service on an empty store: no admin, no key."""
    with serve(make_app(db_url)) as base:
        yield base


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "390"])
def test_landing_page_says_the_next_step(browser, empty: str, viewport: dict) -> None:  # noqa: ANN001
    context, page = _page(browser, viewport)
    page.goto(empty + "/")
    step = page.locator("#step-admin")
    assert step.locator("pre.cmd").inner_text() == "moderation users create NAME --role admin"
    assert "Create the first admin" in step.inner_text()
    assert _width(page) <= viewport["width"]
    page.click("nav.top a.signin")
    assert "moderation users create NAME --role admin" in page.locator("#no-account").inner_text()
    assert page.evaluate("fetch('/favicon.ico').then(r => r.status)") == 200
    context.close()


def test_admin_creates_and_revokes_a_key(browser, stocked) -> None:  # noqa: ANN001
    base, store = stocked
    context, page = _page(browser, PHONE)
    _login(page, base, "lead", "/admin/keys")
    assert page.locator("#no-keys").is_visible()
    page.select_option("select[name=role]", "scorer")
    page.fill("input[name=name]", "site backend")
    page.click("text=Create key")
    key = page.locator("#new-key-value").inner_text()
    assert key.startswith("mod_") and store.verify_api_key(key)["name"] == "site backend"
    assert _width(page) <= PHONE["width"]
    page.screenshot(path=str(SHOTS / "keys-phone.png"), full_page=True)
    page.goto(base + "/admin/keys")
    assert key not in page.content(), "the key is shown once"
    prefix = store.verify_api_key(key)["prefix"]
    page.click(f"#key-{prefix} button.revoke")
    page.wait_for_selector(f"text=Key mod_{prefix}_… revoked")
    assert store.verify_api_key(key) is None and "revoked" in page.locator(f"#key-{prefix}").inner_text()
    context.close()


def test_queue_item_shows_its_thread_target_and_age(browser, stocked) -> None:  # noqa: ANN001
    base, store = stocked
    for viewport, suffix in ((WIDE, ""), (PHONE, "-phone")):
        context, page = _page(browser, viewport)
        _login(page, base, "mod", "/queues")
        card = page.locator("#count-needs-review")
        assert "to review · oldest waiting" in card.inner_text()
        assert "no decision needed" in page.locator("#count-auto-approved").inner_text()
        page.click("#count-needs-review")
        item = page.locator(".item.selected")
        thread = store.get_thread(THREAD)
        assert item.locator(".thread-title").inner_text() == thread.title
        assert item.locator(".thread-target").inner_text() == thread.target
        assert item.locator(".age").inner_text().endswith((" s", " min"))
        page.keyboard.press("r")
        picker = item.locator("#picker-reject")
        assert picker.is_visible(), "the reject picker opens inside the selected item"
        assert _width(page) <= viewport["width"]
        page.screenshot(path=str(SHOTS / f"queue{suffix}.png"), full_page=True)
        page.keyboard.press("Escape")
        context.close()


def test_adjudication_with_keys(browser, stocked) -> None:  # noqa: ANN001
    base, store = stocked
    context, page = _page(browser, PHONE)
    _login(page, base, "lead", "/adjudicate")
    assert page.locator("#left").inner_text() == "2 left"
    article = page.locator(f"#article-{THREAD}")
    assert article.locator(".target b").inner_text() == store.get_thread(THREAD).target
    assert "False" not in page.locator("#cases").inner_text() and "None" not in page.locator("#cases").inner_text()
    first = page.locator(".case.selected")
    cid = first.get_attribute("id").removeprefix("d-")
    posted = store.get_comment(cid).text
    assert first.locator(".posted").inner_text().split() == posted.split()
    page.keyboard.press("n")
    page.keyboard.type("the reply takes no side")
    page.keyboard.press("Escape")
    page.keyboard.press("2")
    page.wait_for_selector("text=Gold label stored for")
    assert page.locator(".flash").first.inner_text() == (
        f"Gold label stored for {cid}: none, on-topic, not a duplicate (from bob). 1 disagreement left.")
    assert page.locator("#left").inner_text() == "1 left"
    [gold] = [lab for lab in store.comment_labels(cid) if lab["is_gold"]]
    assert (gold["stance"], gold["annotator"], gold["note"]) == ("none", "lead", "the reply takes no side")
    page.keyboard.press("j")
    page.keyboard.press("1")
    page.wait_for_selector("text=No open disagreements")
    assert "0 disagreements left." in page.locator(".flash").first.inner_text()
    context.close()


def test_quotes_and_paragraphs_kept_in_adjudication(browser, db_url: str, store: Store) -> None:  # noqa: ANN001
    seed_store(store)
    quoting = f"{THREAD}-007"  # a reply that quotes comment 2
    for who, stance in (("ann", "favor"), ("bob", "against")):
        store.add_label(quoting, stance=stance, off_topic=False, annotator=who)
    with serve(make_app(db_url)) as base:
        context, page = _page(browser, WIDE)
        _login(page, base, "lead", "/adjudicate")
        case = page.locator(f"#d-{quoting}")
        assert case.locator("blockquote.quote .src").first.inner_text().startswith("quoted from")
        context.close()
