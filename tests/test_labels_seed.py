"""The seed dataset in labels/kishida-nato/ is valid, fully labelled and in step with labels/build_seed.py."""

from __future__ import annotations

import importlib.util
import os
from collections import Counter
from pathlib import Path

import pytest

from moderation.dataset import load_dataset, write_dataset

LABELS = Path(__file__).resolve().parents[1] / "labels"
SEED_PAGE = "000_05dcfb2c2ffcd6e0.txt"


def _build_module():
    """labels/build_seed.py, imported from its file (labels/ is data, not a package)."""
    spec = importlib.util.spec_from_file_location("build_seed", LABELS / "build_seed.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _seeds() -> Path:
    """shared/seeds beside the repository, or $MODERATION_SEEDS."""
    beside = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    if (beside / SEED_PAGE).exists():
        return beside
    env = os.environ.get("MODERATION_SEEDS")
    if env and (Path(env) / SEED_PAGE).exists():
        return Path(env)
    pytest.fail(f"seed page {SEED_PAGE} not found beside the repo nor in $MODERATION_SEEDS")


def test_seed_dataset_loads_and_every_comment_is_labelled():
    ds = load_dataset(LABELS / "kishida-nato")
    (thread,) = ds.threads
    assert thread.id == "kishida-nato"
    assert thread.title == "Japan must strengthen NATO ties to safeguard global peace, PM says"
    assert thread.target == "Japan should strengthen its ties with NATO"
    assert thread.body.startswith("Russia's deepening military cooperation with North Korea")
    assert thread.body.endswith("was blocked by France and criticized by China.")
    assert "Photo:" not in thread.body and "yakuza" not in thread.body
    assert len(ds.comments) == 58
    for c in ds.comments:
        assert c.stance in ("favor", "against", "none") and isinstance(c.off_topic, bool), c.id
        assert (c.annotator, c.labelled_at) == ("seed-team", "2026-11-22T12:00:00Z")
    assert {c.id: c.duplicate_of for c in ds.comments if c.duplicate_of} == {
        "kishida-nato-023": "kishida-nato-022"}
    assert [c.id for c in ds.comments if c.off_topic] == ["kishida-nato-035"]
    assert Counter(c.stance for c in ds.comments) == {"favor": 29, "against": 25, "none": 4}


def test_committed_files_match_the_build_script(tmp_path):
    build = _build_module()
    write_dataset(build.build(_seeds()), tmp_path)
    for name in ("threads.jsonl", "comments.jsonl"):
        assert (tmp_path / name).read_text(encoding="utf-8") == \
            (LABELS / "kishida-nato" / name).read_text(encoding="utf-8"), name
