"""What `moderation serve` does before it listens: seed data in, a model trained and promoted."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from moderation import settings
from moderation.dataset import load_dataset
from moderation.importers import import_dataset
from moderation.store import Store

Log = Callable[[str], None]


def labels_dir() -> Path:
    """The labelled datasets folder: the setting, else the repository's labels/, else ./labels."""
    configured = settings.get("labels_dir")
    if configured:
        return Path(configured)
    repo_labels = Path(__file__).resolve().parents[1] / "labels"
    return repo_labels if repo_labels.is_dir() else Path("labels")


def dataset_folders(root: Path) -> list[Path]:
    """Every dataset folder directly under root (one holding threads.jsonl), sorted by name."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / "threads.jsonl").is_file())


def import_missing(store: Store, root: Path, log: Log) -> list[str]:
    """Import each dataset under root whose threads the store does not have yet."""
    known = {t.id for t in store.list_threads()}
    imported = []
    for folder in dataset_folders(root):
        dataset = load_dataset(folder)
        if {t.id for t in dataset.threads} <= known:
            continue
        import_dataset(store, dataset)
        log(f"imported {folder.name}: {len(dataset.comments)} comments")
        imported.append(folder.name)
    return imported


def ensure_model(store: Store, root: Path, log: Log) -> str | None:
    """Train, register and promote a model from the labelled datasets when the registry has none."""
    current = store.current_model()
    if current is not None:
        return current["version"]
    folders = dataset_folders(root)
    if not folders:
        log(f"no labelled datasets under {root}: serving without a model")
        return None
    from training.promote import promote
    from training.train import train

    out = Path(settings.get("model_dir")).resolve() / "default"
    log(f"training the default model from {', '.join(f.name for f in folders)} ...")
    result = train([str(f) for f in folders], out / "staging")
    version = result["manifest"]["version"]
    final = out.parent / version
    if final.exists():
        shutil.rmtree(out / "staging")
    else:
        (out / "staging").rename(final)
    shutil.rmtree(out, ignore_errors=True)
    result["path"] = str(final)
    outcome = promote(store, result)
    log(f"model {version}: {outcome['reason']}")
    return version


def prepare_default(store: Store, log: Log = print) -> dict[str, Any]:
    """Import the seed datasets and make sure a model is promoted; returns a summary."""
    root = labels_dir()
    imported = import_missing(store, root, log)
    version = ensure_model(store, root, log)
    return {"store": store.engine.url.render_as_string(hide_password=True), "imported": imported,
            "model": version}
