"""The pages in the real browser (Debian's headless Chromium through Playwright), served for real."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from moderation.dataset import Comment
from moderation.pages import queries
from moderation.store import Store
from tests.conftest import SHOTS
from tests.pages_live import PASSWORD, make_app, seed_store, serve

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
THREAD = "kishida-nato"
KEYS = "1231231121"  # ten labels: favor, against, none, ...
STANCE = {"1": "favor", "2": "against", "3": "none"}


@pytest.fixture
def live(store: Store) -> Iterator[tuple[str, object]]:
    """(base URL, store): the seed thread unlabelled, users ann/bob (annotators), mod, lead (admin)."""
    seed_store(store)
    with serve(make_app(store.url)) as base:
        yield base, store


def _page(browser, viewport=None):  # noqa: ANN001, ANN202
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    return context, context.new_page()


def _login(page, base: str, name: str, path: str) -> None:  # noqa: ANN001
    page.goto(base + path)
    assert "/login" in page.url, "a page without a login redirects to the login form"
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(lambda url: "/login" not in url)


def _shown(page) -> str:  # noqa: ANN001
    return page.get_attribute("#card-inner", "data-comment")


def _press_and_wait(page, key: str) -> None:  # noqa: ANN001
    before = _shown(page)
    page.keyboard.press(key)
    page.wait_for_function("id => document.getElementById('card-inner').dataset.comment !== id", arg=before)


def _label_with_keys(page, keys: str) -> list[str]:  # noqa: ANN001
    labelled = []
    for key in keys:
        labelled.append(_shown(page))
        _press_and_wait(page, key)
    return labelled


def test_annotator_labels_ten_with_the_keyboard_one_request_each(browser, live) -> None:  # noqa: ANN001
    base, store = live
    context, page = _page(browser)
    _login(page, base, "ann", f"/label/{THREAD}")
    assert page.url.startswith(f"{base}/label/{THREAD}")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(f"{r.method} {r.url}"))
    labelled = _label_with_keys(page, KEYS)
    # Throughput: one keystroke and one server round trip per label.
    keystrokes, round_trips = len(KEYS), len(requests)
    assert round_trips / len(labelled) == 1.0, requests
    assert keystrokes / len(labelled) == 1.0
    assert all("/save" in r and r.startswith("POST") for r in requests)
    print(f"\nthroughput: {keystrokes / len(labelled):.1f} keystrokes and {round_trips / len(labelled):.1f} "
          f"requests per label over {len(labelled)} labels")
    assert labelled == [f"{THREAD}-{i:03d}" for i in range(1, 11)]
    for cid, key in zip(labelled, KEYS, strict=True):
        [label] = store.comment_labels(cid)
        assert (label["annotator"], label["stance"], label["source"]) == ("ann", STANCE[key], "form")

    # Undo takes back the tenth label and shows that comment again; relabelling it is one key again.
    _press_and_wait(page, "u")
    assert _shown(page) == labelled[-1]
    assert store.comment_labels(labelled[-1]) == []
    assert len(store.comment_labels(labelled[-2])) == 1
    _press_and_wait(page, "2")
    assert [lab["stance"] for lab in store.comment_labels(labelled[-1])] == ["against"]

    # A reply that quotes another comment: the quote drawn as a quote, linked to its source, the source beside.
    page.goto(f"{base}/label/{THREAD}?c={THREAD}-007")
    assert page.locator("blockquote.quote a.src").first.inner_text().startswith("quoted from #2")
    assert page.locator(f"aside.context #src-{THREAD}-002").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "labelling.png"), full_page=True)
    page.keyboard.press("?")
    assert page.locator("dialog#guidelines").is_visible()
    page.keyboard.press("Escape")
    phone, phone_page = _page(browser, {"width": 390, "height": 844})
    _login(phone_page, base, "ann", f"/label/{THREAD}?c={THREAD}-007")
    phone_page.screenshot(path=str(SHOTS / "labelling-phone.png"), full_page=True)
    phone.close()
    context.close()


def test_disagreement_shows_on_agreement_page_and_is_adjudicated(browser, live) -> None:  # noqa: ANN001
    base, store = live
    queries.set_overlap(store, 2)
    for name, keys in (("ann", "11123"), ("bob", "11323")):
        context, page = _page(browser)
        _login(page, base, name, f"/label/{THREAD}")
        _label_with_keys(page, keys)
        context.close()
    context, page = _page(browser)
    _login(page, base, "lead", "/agreement")
    assert page.locator("#kappa tbody tr").first.inner_text().startswith("ann · bob")
    page.click("text=1 open disagreement")
    disputed = page.locator(f"section#d-{THREAD}-003")
    assert disputed.is_visible()
    row = disputed.locator("tr", has_text="bob")
    row.locator("input[name=note]").fill("quotes the other camp; the reply itself takes no side")
    row.locator("button").click()
    page.wait_for_selector("text=No open disagreements")
    gold = [lab for lab in store.comment_labels(f"{THREAD}-003") if lab["is_gold"]]
    assert [(g["stance"], g["annotator"], g["note"]) for g in gold] == [
        ("none", "lead", "quotes the other camp; the reply itself takes no side")]
    exported = {c.id: c for c in store.export_dataset(gold_only=True).comments}
    assert exported[f"{THREAD}-003"].stance == "none" and exported[f"{THREAD}-001"].stance is None
    context.close()


def _queue(store, cid: str, name: str, priority: float, reasons: list[str], **scores) -> None:  # noqa: ANN001
    comment = store.get_comment(cid) if cid.startswith(THREAD) else Comment(cid, THREAD, scores.pop("text"))
    store.save_scored(comment, queue={"name": name, "priority": priority, "reasons": reasons,
                                      "scores": {"stance": None, **scores}, "model_version": None})


def test_moderator_works_a_queue_with_keys(browser, live) -> None:  # noqa: ANN001
    base, store = live
    _queue(store, f"{THREAD}-007", "needs-review", 0.9, ["stance favor at 0.41 < 0.60 confidence"])
    _queue(store, f"{THREAD}-010", "needs-review", 0.5, ["stance against at 0.55 < 0.60 confidence"])
    original = store.get_comment(f"{THREAD}-003").text
    _queue(store, "copy-1", "duplicate", 1.0, ["duplicate of kishida-nato-003 (exact, similarity 1.00)"],
           text=original, duplicate_of=f"{THREAD}-003", duplicate_kind="exact", duplicate_similarity=1.0)
    _queue(store, "copy-2", "duplicate", 0.93, ["duplicate of kishida-nato-003 (near, similarity 0.93)"],
           text=original + " !!", duplicate_of=f"{THREAD}-003", duplicate_kind="near", duplicate_similarity=0.93)
    context, page = _page(browser)
    _login(page, base, "mod", "/queues")
    assert page.locator("#count-needs-review .n").inner_text() == "2"
    page.click("#count-needs-review")
    page.wait_for_selector(".item.selected")
    page.screenshot(path=str(ARTIFACTS / "queue.png"), full_page=True)
    page.keyboard.press("j")
    assert page.locator(".item.selected").get_attribute("data-ids") == f"{THREAD}-010"
    page.keyboard.press("k")
    page.keyboard.press("r")
    page.keyboard.press("7")  # reason 7: other
    page.wait_for_function("() => document.getElementById('queue-count').textContent === '1'")
    page.keyboard.press("a")
    page.wait_for_function("() => document.getElementById('queue-count').textContent === '0'")
    [rejected] = store.decisions_for(f"{THREAD}-007")
    [approved] = store.decisions_for(f"{THREAD}-010")
    assert (rejected["action"], rejected["reason_code"], rejected["actor"]) == ("reject", "other", "mod")
    assert (approved["action"], approved["actor"]) == ("approve", "mod")

    # Two near-copies of one comment: one card, one key, both decided (each in the audit log).
    page.goto(f"{base}/queues/duplicate")
    assert page.locator(".item").count() == 1
    assert page.locator(".item .pair.dup .side").count() == 2
    page.screenshot(path=str(ARTIFACTS / "queue-duplicate.png"), full_page=True)
    page.keyboard.press("r")
    page.keyboard.press("2")  # duplicate
    page.wait_for_function("() => document.getElementById('queue-count').textContent === '0'")
    for cid in ("copy-1", "copy-2"):
        [d] = store.decisions_for(cid)
        assert (d["action"], d["reason_code"], d["label"]["duplicate_of"]) == ("reject", "duplicate", f"{THREAD}-003")
    context.close()


def test_login_redirect_roles_and_csrf(browser, live) -> None:  # noqa: ANN001
    base, store = live
    context, page = _page(browser)
    page.goto(base + "/queues/needs-review")
    assert "/login?next=/queues/needs-review" in page.url
    _login(page, base, "ann", "/queues")
    response = page.goto(base + "/queues")
    assert response.status == 403
    # A form post without the session's CSRF token is refused, and nothing is stored.
    refused = page.request.post(f"{base}/label/{THREAD}/save",
                                form={"comment_id": f"{THREAD}-001", "stance": "favor"})
    assert refused.status == 400 and "CSRF" in refused.text()
    assert store.comment_labels(f"{THREAD}-001") == []
    context.close()
