"""The per-thread adaptation through the real app: a new thread's suggestions change with its first labels, the
same on every worker, the global model's exactly before any label."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from moderation.app.adaptation import thread_adapter
from moderation.app.resources import get_engine, get_store
from moderation.dataset import Comment, Dataset, Thread
from moderation.pages import labelling, tags
from moderation.queue import decide_item
from moderation.store import Store
from moderation.store.stance_labels import stance_label_key, thread_stances
from moderation.verdict import Label
from tests.pages_live import PASSWORD, SEED, make_app, seed_store
from training.train import train

NEW = Thread(id="cats", title="Cats make better pets than dogs, survey says", target="Cats are better pets than dogs",
             body="A survey of pet owners found cats easier to live with than dogs.")
TEXTS = ["Cats purr and ask for nothing, best pets ever.", "My cat purrs on my lap every evening, love it.",
         "A purring cat beats a barking dog any day.", "Cats are clean, quiet and independent.",
         "Nothing calms me like my cat purring.", "Cats: low effort, high reward, and that purr.",
         "Dogs need walks twice a day, cats do not.", "I adore the way my cat purrs when I come home.",
         "Whoever wrote this never had a cat that purrs.", "The survey only asked people who already had cats.",
         "My dog is my best friend, no cat comes close.", "Purr therapy is real, cats win."]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real model trained on the seed thread (it has never seen a thread about pets)."""
    out = tmp_path_factory.mktemp("model") / "m"
    train([str(SEED)], out)
    return out


@pytest.fixture
def apps(store: Store, model_dir: Path, tmp_path: Path):  # noqa: ANN201
    """Two apps ("workers") on one store: the seed thread, the new thread, the trained model promoted."""
    model_dir = Path(shutil.copytree(model_dir, tmp_path / "m"))  # the service loads models under MODEL_DIR only
    seed_store(store)
    store.import_dataset(Dataset([NEW], [Comment(id=f"cats-{i:02d}", thread_id="cats", text=t)
                                         for i, t in enumerate(TEXTS)]))
    manifest = json.loads((model_dir / "model.json").read_text())
    store.register_model(manifest["version"], str(model_dir), manifest)
    store.promote_model(manifest["version"])
    return [make_app(store.url), make_app(store.url)]


def _login(client) -> dict[str, str]:  # noqa: ANN001
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text).group(1)
    assert client.post("/login", data={"name": "ann", "password": PASSWORD, "csrf_token": token}).status_code == 302
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/guidelines").text).group(1)
    return {"X-Requested-With": "fetch", "X-CSRF-Token": token}


def _stances(app) -> dict[str, dict]:  # noqa: ANN001
    with app.test_request_context():
        found = tags.thread_verdicts(NEW, get_store(app).thread_comments("cats"))
    return {cid: v.stance.to_json() for cid, v in found.items()}


def _card_suggestion(client, cid: str) -> str:  # noqa: ANN001
    page = client.get(f"/label/cats?c={cid}").text
    return re.search(r'data-suggest="(\w*)"', page).group(1) + " " + re.search(r"model (\d+)%", page).group(1)


def test_first_labels_change_the_suggestions_on_every_worker(apps) -> None:  # noqa: ANN001
    one, two = (app.test_client() for app in apps)
    headers = _login(one)
    _login(two)
    before = _stances(apps[0])
    shown_before = _card_suggestion(two, "cats-11")
    assert all("adapted" not in s for s in before.values())
    for i in range(6):  # the first six comments, labelled favor through the form of worker one
        saved = one.post("/label/cats/save", data={"comment_id": f"cats-{i:02d}", "stance": "favor"},
                         headers=headers)
        assert saved.status_code == 200
    after_one, after_two = _stances(apps[0]), _stances(apps[1])
    assert after_one == after_two  # worker two, which saved nothing, computes the same suggestion
    assert after_one["cats-11"]["adapted"]["labels"] == 6
    assert after_one["cats-11"]["probabilities"]["favor"] > before["cats-11"]["probabilities"]["favor"] + 0.1
    assert after_one["cats-11"]["adapted"]["global_probabilities"] == before["cats-11"]["probabilities"]
    assert _card_suggestion(two, "cats-11") != shown_before  # what the form shows on the other worker
    key = get_store(apps[1]).create_api_key("scorer", name="t")[0]
    scored = two.post("/v1/score", json={"thread_id": "cats", "text": TEXTS[11], "store": False},
                      headers={"Authorization": f"Bearer {key}"})
    assert scored.status_code == 200
    assert scored.json["stance"]["probabilities"] == after_two["cats-11"]["probabilities"]  # the API adapts too
    # Most uncertain first follows the adapted probabilities.
    with apps[1].test_request_context():
        state = labelling.load(get_store(apps[1]), "cats", "ann", "uncertain")
    order = sorted(after_two, key=lambda cid: max(after_two[cid]["probabilities"].values()))
    assert [c.id for c in state.comments] == order


def test_no_labels_is_the_global_model_and_decisions_count(apps, store: Store) -> None:  # noqa: ANN001
    found = _stances(apps[0])
    with apps[0].test_request_context():
        tagger = get_engine().tagger
        assert thread_adapter(tagger, NEW) is None
    comments = {c.id: c for c in store.thread_comments("cats")}
    record = {"text": comments["cats-03"].text, "target": NEW.target, "title": NEW.title, "body": NEW.body}
    assert found["cats-03"]["probabilities"] == tagger.model.score(record)["probabilities"]
    store.save_scored(comments["cats-10"], queue={"name": "needs-review", "priority": 0.5, "reasons": [],
                                                  "scores": {}})
    decide_item(store, "cats-10", action="relabel", actor="user:mod", label=Label.from_json({"stance": "against"}))
    store.add_label("cats-09", stance="none", annotator="ann")
    store.add_label("cats-09", stance="favor", annotator="lead", is_gold=True, source="adjudication")
    store.add_label("cats-09", stance="against", annotator="bob")
    assert stance_label_key(store, "cats")[0] == 4
    assert thread_stances(store, "cats") == {"cats-10": "against", "cats-09": "favor"}  # gold wins over later
    with apps[0].test_request_context():
        adapter = thread_adapter(tagger, NEW)
    assert adapter is not None and adapter.n_labels_ == 2
