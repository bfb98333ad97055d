"""The queue policy: named rules in one order, the manifest's off-topic threshold, a trained off-topic model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from moderation.app import create_app
from moderation.cli import main
from moderation.dataset import load_dataset
from moderation.labelling.offtopic import default_model, site_model
from moderation.model.artifact import load_model
from moderation.queue import RULES, make_policy, route
from moderation.queue.policy import DEFAULT_OFF_TOPIC
from moderation.queue.report import analyse
from moderation.store import Store
from moderation.verdict import Duplicate, OffTopic, Stance, Verdict
from tests.conftest import ROOT, track_app
from training.train import train

CONFIG = {"queue_off_topic_threshold": None, "queue_duplicate_similarity": 0.8, "queue_review_confidence": 0.6}
SEED = ROOT / "labels" / "kishida-nato"
# Off-topic comments of another kind than the seed's, labelled so the trainer fits an off-topic part.
RECIPES = ["Add the garlic to the pan before the onions soften.", "My sourdough starter died over the holidays.",
           "Bake the lasagna at 180 degrees for forty minutes.", "Fresh basil beats dried basil in every sauce.",
           "Does anyone have a good recipe for miso soup?", "The ramen shop near the station makes great broth.",
           "Slow cooked beef stew needs a splash of red wine.", "I grow tomatoes and peppers on my balcony."]


def _verdict(p_off: float = 0.1, confidence: float | None = 0.9, dup: float | None = None) -> Verdict:
    stance = None if confidence is None else Stance("favor", {"favor": confidence, "against": 1 - confidence})
    return Verdict("c", "t", "text", OffTopic(p_off, "why"), stance=stance,
                   duplicate=Duplicate("d", "copy", dup, "same") if dup is not None else None)


def test_rules_in_order_first_match_routes_and_every_reason_is_kept() -> None:
    policy = make_policy(CONFIG, {})
    assert [r.__name__ for r in RULES] == ["duplicate", "off_topic", "no_stance_model", "uncertain_stance"]
    both = route(_verdict(p_off=0.9, dup=1.0), policy)
    assert (both.queue, both.rule, len(both.reasons)) == ("duplicate", "duplicate", 2)
    assert route(_verdict(p_off=0.9), policy).rule == "off_topic"
    assert route(_verdict(confidence=None), policy).queue == "needs-review"
    assert route(_verdict(confidence=0.55), policy).rule == "uncertain_stance"
    assert route(_verdict(), policy).queue == "auto-approved"


def test_the_manifest_threshold_is_used_unless_the_setting_overrides_it() -> None:
    manifest = {"version": "v9", "thresholds": {"off_topic": 0.37, "off_topic_precision": 0.9}}
    assert make_policy(CONFIG, manifest).off_topic == 0.37
    assert route(_verdict(p_off=0.4), make_policy(CONFIG, manifest)).queue == "off-topic"
    assert make_policy({**CONFIG, "queue_off_topic_threshold": 0.8}, manifest).off_topic == 0.8
    shipped = default_model().info["flag_threshold"]
    assert 0.0 < shipped < 1.0 and shipped != DEFAULT_OFF_TOPIC
    assert make_policy(CONFIG, {"version": "v1"}).off_topic == shipped
    assert make_policy(CONFIG, {"thresholds": {"off_topic": True}}).off_topic == shipped
    # A site model of an older feature format is not served, nor is its threshold used.
    old = {**manifest, "off_topic_relevance": {"format": "moderation-offtopic-linear/1"}}
    assert make_policy(CONFIG, old).off_topic == shipped


def _dataset(folder: Path) -> Path:
    shutil.copytree(SEED, folder)
    with open(folder / "threads.jsonl", "a", encoding="utf-8") as fh:  # a second thread: CV groups by thread
        fh.write(json.dumps({"id": "recipes", "title": "Japan's NATO ties", "body": "", "target": "Japan and NATO"})
                 + "\n")
    with open(folder / "comments.jsonl", "a", encoding="utf-8") as fh:
        for i, text in enumerate(RECIPES):
            fh.write(json.dumps({"id": f"recipe-{i}", "thread_id": "recipes", "text": text, "stance": "none",
                                 "off_topic": True, "annotator": "test"}) + "\n")
    return folder


def test_a_trained_off_topic_model_changes_the_probability_and_the_queue(store: Store, db_url: str,
                                                                        tmp_path: Path) -> None:
    result = train([str(_dataset(tmp_path / "data"))], tmp_path / "model")
    scorer = load_model(tmp_path / "model")
    assert site_model(scorer) is not None and result["manifest"]["off_topic_model"] is True
    store.import_dataset(load_dataset(SEED))
    key = store.create_api_key("scorer")[0]
    texts = ["Absolutely, I agree with you completely.", "Yes.", "So true, well said!", "Thanks for posting this."]

    def answers() -> list[dict]:
        app = track_app(create_app({"database_url": db_url, "testing": True, "log_json": False,
                                    "model_dir": str(tmp_path)}))
        out = [app.test_client().post("/v1/score", json={"text": t, "thread_id": "kishida-nato", "store": False},
                                      headers={"Authorization": f"Bearer {key}"}).get_json() for t in texts]
        app.extensions["moderation"]["models"].close()
        return out

    before = answers()
    store.register_model(result["manifest"]["version"], str(tmp_path / "model"), result["manifest"])
    store.promote_model(result["manifest"]["version"])
    after = answers()
    version = result["manifest"]["version"]
    assert all(b["off_topic"]["source"] == "relevance" for b in before)
    assert all(a["off_topic"]["source"] == f"trained model {version}" for a in after)
    pairs = list(zip(before, after, strict=True))
    assert any(b["off_topic"]["probability"] != a["off_topic"]["probability"] for b, a in pairs)
    assert any((b["queue"]["name"] == "off-topic") != (a["queue"]["name"] == "off-topic") for b, a in pairs), \
        [(b["queue"], a["queue"]) for b, a in pairs]


def test_report_counts_routes_overlaps_and_conflicts_per_rule() -> None:
    policy = make_policy(CONFIG, {})
    got = analyse([_verdict(p_off=0.9, dup=1.0), _verdict(p_off=0.9), _verdict(confidence=0.55), _verdict()],
                  policy)
    rules = {r["rule"]: r for r in got["rules"]}
    assert got["comments"] == 4 and got["fallback"] == {"rule": "confident", "routes": 1}
    assert rules["duplicate"] == {"rule": "duplicate", "fires": 1, "routes": 1, "overlaps": 1, "conflicts": 1,
                                  "queues": ["duplicate"]}
    assert {k: rules["off_topic"][k] for k in ("fires", "routes", "overlaps")} == {"fires": 2, "routes": 1,
                                                                                  "overlaps": 1}
    assert rules["uncertain_stance"]["routes"] == 1 and rules["no_stance_model"]["fires"] == 0


def test_cli_queues_report_reads_the_stored_comments(store: Store, env_db: str) -> None:
    store.import_dataset(load_dataset(SEED))
    result = CliRunner().invoke(main, ["queues", "report"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["comments"] == 58 and report["model_version"] is None
    assert {r["rule"]: r["routes"] for r in report["rules"]}["duplicate"] == 1  # the seed's double post


def test_off_topic_rows_in_worker_processes_are_the_ones_read_in_one(tmp_path: Path, monkeypatch) -> None:
    import numpy as np

    from moderation.labelling import owntext
    from training.data import examples_from
    from training.offtopic_model import dataset_rows

    ds = load_dataset(_dataset(tmp_path / "data"))
    ex = examples_from([ds])
    serial = dataset_rows([ds])
    given = dataset_rows(ex.datasets, ex.own_texts)
    monkeypatch.setattr(owntext, "PARALLEL_FROM", 1)
    parallel = dataset_rows([ds])
    assert len(serial[1]) > 10 and 0 < serial[1].sum() < len(serial[1])
    for a, b, c in zip(serial, parallel, given, strict=True):
        assert np.array_equal(np.asarray(a), np.asarray(b)) and np.array_equal(np.asarray(a), np.asarray(c))
    few = dataset_rows([ds], max_rows=5)
    labelled = {t: int((serial[2] == t).sum()) for t in set(serial[2].tolist())}
    assert 0 < len(few[1]) < len(serial[1])
    assert all(int((few[2] == t).sum()) == labelled[t] for t in set(few[2].tolist()))  # whole threads
