"""A starting worker primes its busiest threads (workspace built, stance adaptation fitted) before its first
request, and that changes no verdict: a primed worker answers exactly as a cold one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from moderation.app import create_app
from moderation.app.adaptation import adaptations_for
from moderation.app.resources import get_engine, warm_up
from moderation.dataset import Comment, Dataset, Thread, load_dataset
from moderation.store import Store
from tests.conftest import track_app
from tests.pages_live import SEED
from training.train import train

QUIET = Thread(id="quiet", title="Council approves new bike lanes", target="The bike lanes are a good idea")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model") / "m"
    train([str(SEED)], out)
    return out


def _app(store: Store, **config: object):  # noqa: ANN202
    return track_app(create_app({"database_url": store.url, "secret_key": "k", "testing": True, **config}))


@pytest.fixture
def labelled(store: Store, model_dir: Path, tmp_path: Path) -> tuple[Store, str]:
    """The seed thread with its labels, a quieter thread imported before it, the trained model promoted."""
    store.import_dataset(Dataset([QUIET], [Comment(id="q1", thread_id="quiet", text="Finally, safer cycling.")]))
    store.import_dataset(load_dataset(SEED))
    folder = Path(shutil.copytree(model_dir, tmp_path / "m"))
    manifest = json.loads((folder / "model.json").read_text())
    store.register_model(manifest["version"], str(folder), manifest)
    store.promote_model(manifest["version"])
    return store, store.list_threads()[-1].id


def test_recent_threads_are_the_ones_with_the_newest_comments(store: Store) -> None:
    other = Thread(id="other", title="Another article")
    store.import_dataset(Dataset([QUIET, other], [Comment(id="q1", thread_id="quiet", text="one"),
                                                  Comment(id="o1", thread_id="other", text="two")]))
    assert [t.id for t in store.recent_threads(5)] == ["other", "quiet"]
    store.import_dataset(Dataset([], [Comment(id="q2", thread_id="quiet", text="three")]))
    assert [t.id for t in store.recent_threads(5)] == ["quiet", "other"]
    assert [t.id for t in store.recent_threads(1)] == ["quiet"]


def _entries(app) -> dict:  # noqa: ANN001
    with app.app_context():
        return adaptations_for(get_engine().tagger)._entries


def test_a_starting_worker_fits_its_busiest_threads_adaptation_before_the_first_request(labelled) -> None:  # noqa: ANN001
    store, seed_id = labelled
    primed, unprimed = _app(store), _app(store, warm_threads=0)
    warm_up(primed)  # as gunicorn's post_worker_init does
    warm_up(unprimed)
    entries = _entries(primed)
    assert entries[seed_id].adapter is not None and entries[seed_id].adapter.n_labels_ > 0
    assert "quiet" in entries  # the two most recent threads, the seed thread first
    assert _entries(unprimed) == {}


def test_a_primed_worker_gives_the_verdicts_of_a_cold_one(labelled) -> None:  # noqa: ANN001
    store, seed_id = labelled
    key = store.create_api_key("admin", "site")[0]
    primed, cold = _app(store), _app(store, warm_threads=0)
    warm_up(primed)
    headers = {"Authorization": f"Bearer {key}"}
    texts = [c.text for c in store.thread_comments(seed_id)][::7] + ["Is the ramen shop near the station open?"]
    answers = []
    for app in (primed, cold, primed):
        client = app.test_client()
        batch = client.post("/v1/score/batch", headers=headers,
                            json={"comments": [{"id": f"probe-{i}", "thread_id": seed_id, "text": t}
                                                  for i, t in enumerate(texts)], "store": False})
        assert batch.status_code == 200, batch.text
        answers.append(batch.get_json())
    assert answers[0] == answers[1] == answers[2]
    assert store.counts()["comments"] == 1 + len(store.thread_comments(seed_id))  # priming stored nothing
