"""The off-topic model: the shipped default, first comments, unsaturated probabilities, a site's own model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderation.dataset import Comment, Dataset, Thread, load_dataset, write_dataset
from moderation.labelling import offtopic
from moderation.labelling.offtopic import FEATURES, LinearModel, default_model, sha256_file
from moderation.labelling.relevance import Relevance
from moderation.labelling.tagger import Tagger
from moderation.model.artifact import load_model
from moderation.queue import make_policy, route
from moderation.queue.policy import default_off_topic_threshold
from moderation.store import Store
from tests.test_model_data import make_dataset
from training.offtopic_model import fit_logistic, significant, threshold_at
from training.train import train

SEED = Path(__file__).resolve().parents[1] / "labels" / "kishida-nato"
CONFIG = {"queue_off_topic_threshold": None, "queue_duplicate_similarity": 0.8, "queue_review_confidence": 0.6}


def test_default_model_is_the_checked_file_over_the_current_features() -> None:
    assert sha256_file(offtopic.DEFAULT_PATH) == offtopic.DEFAULT_SHA256
    model = default_model()
    assert model.features == FEATURES and len(model.coef) == len(FEATURES)
    assert {"FNC-1 train", "SemEval train", "Perspectrum train"} == set(model.info["trained_on"])
    again = LinearModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert again == model


def test_a_changed_default_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = json.loads(offtopic.DEFAULT_PATH.read_text())
    spec["intercept"] += 1.0
    (tmp_path / "m.json").write_text(json.dumps(spec))
    monkeypatch.setattr(offtopic, "DEFAULT_PATH", tmp_path / "m.json")
    offtopic.default_model.cache_clear()
    try:
        with pytest.raises(ValueError, match="sha256"):
            offtopic.default_model()
    finally:
        monkeypatch.undo()
        offtopic.default_model.cache_clear()


def _title_only() -> tuple[Thread, Relevance]:
    """A store holding one thread with a title and nothing else (no article, no comment, no other thread)."""
    thread = Thread(id="t", title="Japan must strengthen NATO ties to safeguard global peace, PM says")
    rel = Relevance.fit([thread.title, "Japan and NATO should work together.", "Ramen near the station."],
                        threads=[thread])
    return thread, rel


def test_a_thread_with_only_a_title_judges_its_first_comment_on_the_title() -> None:
    thread, rel = _title_only()
    on = rel.score("Japan working with NATO makes the region safer.", thread)
    off = rel.score("Is the ramen shop near the station still open?", thread)
    assert on["probability"] < off["probability"], (on, off)
    assert on["probability"] < default_off_topic_threshold(), on
    assert "the title/target" in on["reason"] and f"[{default_model().name}]" in on["reason"]


@pytest.mark.xfail(strict=True, reason="measured: 0.220 < the threshold 0.315 since the first comments' shift "
                   "(0.362 before it). In a store holding one thread, the training rows' on-topic first comments "
                   "with no word in common with the title were flagged at 22% (Perspectrum) and 87% (SemEval) "
                   "out of fold before the shift: the old flag came with those")
def test_an_unrelated_first_comment_under_a_lone_title_is_flagged() -> None:
    thread, rel = _title_only()
    off = rel.score("Is the ramen shop near the station still open?", thread)
    assert off["probability"] >= default_off_topic_threshold(), off


def test_probabilities_rank_without_ties_and_reasons_name_the_closest_part(store: Store) -> None:
    ds = load_dataset(SEED)
    rel = Relevance.fit([f"{t.title}\n{t.target}\n{t.body}" for t in ds.threads] + [c.text for c in ds.comments],
                        threads=ds.threads)
    tagger = Tagger(store, relevance=rel)
    tags = [tagger.tag(c, ds.threads[0], ds.comments[:i], remember=False).to_json()
            for i, c in enumerate(ds.comments)]
    p = [t["off_topic"]["probability"] for t in tags]
    assert all(0.0 < q < 1.0 for q in p)
    unique = {t["own_text"] for t in tags}
    assert len(set(p)) >= len(unique) - 1  # distinct texts, distinct scores (no 4-place rounding)
    reasons = [t["off_topic"]["reason"] for t in tags]
    assert any("closest to earlier comment kishida-nato-0" in r for r in reasons)
    assert any("closest to the article (similarity 0." in r for r in reasons)


def test_threshold_at_90_percent_precision() -> None:
    import numpy as np

    y = np.array([1, 1, 1, 0, 1, 0, 0, 0])
    p = np.array([0.9, 0.8, 0.7, 0.65, 0.6, 0.3, 0.2, 0.1])
    assert threshold_at(y, p) == (0.7, 1.0)
    assert threshold_at(y, p, 0.75) == (0.6, 0.8)


def test_a_fit_reaches_its_optimum_and_nudged_rows_publish_the_same_digits() -> None:
    """Another machine sums the features in another order: the fit (to its optimum) must publish the same."""
    import numpy as np

    rng = np.random.default_rng(3)
    Z = rng.normal(size=(3000, 12))
    Z[:, 1] = Z[:, 0] + 1e-3 * rng.normal(size=3000)  # two nearly collinear features, as the nc_ copies are
    y = (Z @ rng.normal(size=12) + rng.normal(size=3000) > 0).astype(float)
    w = rng.uniform(0.5, 2.0, size=3000)
    coef, b = fit_logistic(Z, y, w, 10.0)
    nudged = Z * (1 + rng.integers(-4, 5, Z.shape) * np.finfo(float).eps)
    coef2, b2 = fit_logistic(nudged, y, w, 10.0)
    assert [significant(v) for v in (*coef, b)] == [significant(v) for v in (*coef2, b2)]
    # and it is the optimum: the penalised loss's gradient vanishes there
    p = 1 / (1 + np.exp(-(Z @ coef + b)))
    wn = w / w.sum() * len(y)
    assert np.max(np.abs(Z.T @ (wn * (p - y)) + coef / 10.0)) < 1e-6
    assert abs(float(np.sum(wn * (p - y)))) < 1e-6


def _site_data(tmp_path: Path) -> Path:
    """The generated threads, plus off-topic comments of another kind (a site whose moderators flag these)."""
    ds = make_dataset(90, targets=3)
    extra = [Comment(id=f"x{i}", thread_id=f"t{i % 3}", text=f"Great recipe {i}, I will cook it tonight",
                     stance="none", off_topic=True) for i in range(12)]
    write_dataset(Dataset(ds.threads, ds.comments + extra), tmp_path / "site")
    return tmp_path / "site"


def test_a_site_trained_model_changes_the_served_probability_and_the_queue(tmp_path: Path, store: Store) -> None:
    data = _site_data(tmp_path)
    result = train([data], tmp_path / "m", seed=0, grid=(1.0,), n_splits=3, features={"semantic": 0.0})
    manifest = result["manifest"]
    assert isinstance(manifest["thresholds"]["off_topic"], float)
    assert 0.0 < manifest["thresholds"]["off_topic_precision"] <= 0.9
    assert manifest["off_topic_relevance"]["refines"] == default_model().name
    scorer = load_model(tmp_path / "m")
    ds = load_dataset(data)
    rel = Relevance.fit([f"{t.title}\n{t.body}" for t in ds.threads] + [c.text for c in ds.comments],
                        threads=ds.threads, discussions=[(c.thread_id, c.text) for c in ds.comments])
    thread = ds.threads[0]
    comments = [c for c in ds.comments if c.thread_id == thread.id]
    default_tagger, site_tagger = Tagger(store, relevance=rel), Tagger(store, model=scorer, relevance=rel)
    default_policy, site_policy = make_policy(CONFIG, {}), make_policy(CONFIG, manifest)
    assert site_policy.off_topic == manifest["thresholds"]["off_topic"] != default_policy.off_topic
    queues: dict[str, list[tuple[bool, str, str]]] = {"default": [], "site": []}
    for i, c in enumerate(comments):
        d = default_tagger.tag(c, thread, comments[:i], remember=False)
        s = site_tagger.tag(c, thread, comments[:i], remember=False)
        assert d.off_topic.probability != s.off_topic.probability
        assert "[site model " in s.off_topic.reason and "[default model" in d.off_topic.reason
        assert s.off_topic.source == f"trained model {scorer.version}" and d.off_topic.source == "relevance"
        queues["default"].append((bool(c.off_topic), route(d, default_policy).queue, c.id))
        queues["site"].append((bool(c.off_topic), route(s, site_policy).queue, c.id))
    flagged = {k: [(off, cid) for off, name, cid in v if name == "off-topic"] for k, v in queues.items()}
    wrong = {k: sum(not off for off, _ in v) for k, v in flagged.items()}
    assert wrong["site"] < wrong["default"], flagged  # the site's labels: these generated comments are on topic
    assert sum(off for off, _ in flagged["site"]) >= 0.8 * len(flagged["site"]), flagged  # ~ its 90% precision
    assert sum(cid.startswith("x") for _, cid in flagged["site"]) >= 2, flagged  # the recipes stay flagged


def _quoting_thread() -> Dataset:
    """Two threads whose comments quote earlier ones: some quote-replies on topic, some off-topic."""
    threads = [Thread(id="t0", title="Council votes to close the harbour bridge for repairs",
                      body="The city council voted on Monday to close the harbour bridge for six months of repairs."),
               Thread(id="t1", title="Bakery wins the national bread prize",
                      body="A small bakery in the old town won the national bread prize for its sourdough loaf.")]
    comments = [Comment(id="a0", thread_id="t0", text="Closing the bridge for six months will wreck the commute.",
                        off_topic=False),
                Comment(id="a1", thread_id="t0", text="My cat likes sleeping on the warm laptop keyboard all day.",
                        off_topic=True),
                Comment(id="a2", thread_id="t0", text="> Closing the bridge for six months will wreck the commute.\n"
                        "The ferry can take the extra traffic while the repairs last.", off_topic=False),
                Comment(id="a3", thread_id="t0", text="> My cat likes sleeping on the warm laptop keyboard all day.\n"
                        "Mine prefers the radiator in winter, cats are funny.", off_topic=True),
                Comment(id="b0", thread_id="t1", text="Their sourdough loaf really is the best bread in town.",
                        off_topic=False)]
    return Dataset(threads, comments)


def test_the_trainers_quote_flags_are_the_taggers_and_it_serves_the_site_models_quote_cap(store: Store) -> None:
    from training.data import examples_from
    from training.offtopic_model import labelled_rows

    ds = _quoting_thread()
    ex = examples_from([ds])
    X, _, _, ids, quoted = labelled_rows(ex.datasets, ex.own_texts)
    rel = Relevance.fit([f"{t.title}\n{t.target}\n{t.body}" for t in ds.threads] + [c.text for c in ds.comments],
                        threads=ds.threads, discussions=[(c.thread_id, c.text) for c in ds.comments])
    uncapped = LinearModel.from_dict({**default_model().to_dict(), "name": "site", "quote_cap": 1.0})
    assert default_model().quote_cap == offtopic.QUOTE_CAP < uncapped.quote_cap == 1.0

    class Site:  # a loaded model whose manifest carries the site's off-topic model, and no stance
        manifest = {"off_topic_relevance": uncapped.to_dict()}
        version = "v1"

        def score(self, record: dict) -> None:
            return None

    default_tagger, site_tagger = Tagger(store, relevance=rel), Tagger(store, model=Site(), relevance=rel)
    served = {}
    for thread in ds.threads:
        comments = [c for c in ds.comments if c.thread_id == thread.id]
        for i, c in enumerate(comments):
            d = default_tagger.tag(c, thread, comments[:i], remember=False)
            s = site_tagger.tag(c, thread, comments[:i], remember=False)
            served[c.id] = (bool(d.quotes), d.off_topic.probability, s.off_topic.probability)
    assert [served[i][0] for i in ids] == quoted.tolist() == [False, False, True, True, False]
    for k, cid in enumerate(ids):
        raw = default_model().probability(X[k])
        assert served[cid][1] == pytest.approx(raw * (offtopic.QUOTE_CAP if quoted[k] else 1.0), abs=1e-12)
        assert served[cid][2] == pytest.approx(raw, abs=1e-12)  # the site model's cap is 1: no scaling


def test_the_quote_cap_is_the_products_unless_the_out_of_fold_labels_say_otherwise() -> None:
    import numpy as np

    from training.offtopic_model import QUOTE_CAPS, choose_quote_cap

    rng = np.random.default_rng(0)
    y = (rng.random(400) < 0.3).astype(float)
    oof = np.clip(np.where(y == 1, 0.85, 0.1) + rng.normal(0, 0.05, 400), 0.01, 0.99)
    quoted = rng.random(400) < 0.2
    on_topic_quotes = choose_quote_cap(np.where(quoted, 0.0, y), np.where(quoted, 0.6, oof), quoted)
    assert on_topic_quotes["quote_cap"] == offtopic.QUOTE_CAP == QUOTE_CAPS[0]  # quote-replies are on topic here
    assert np.allclose(on_topic_quotes["oof"][quoted], 0.6 * offtopic.QUOTE_CAP)
    off_topic_quotes = choose_quote_cap(y, oof, quoted)  # quoting says nothing: the model is right as it is
    assert off_topic_quotes["quote_cap"] == 1.0 and np.array_equal(off_topic_quotes["oof"], oof)
    losses = off_topic_quotes["log_loss_by_quote_cap"]
    assert losses["1.0"] < losses[str(offtopic.QUOTE_CAP)]
    tie = choose_quote_cap(y, oof, np.zeros(400, dtype=bool))  # nothing quotes: the product's cap stays
    assert tie["quote_cap"] == offtopic.QUOTE_CAP
