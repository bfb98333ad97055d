"""`moderation tag --data DIR [--model DIR]`: the tags of every comment as JSON Lines on stdout.

The duplicate index for the run lives in a throwaway SQLite store in a temporary folder: tagging a folder
never writes to the configured store, and the folder's comments are compared with each other (within and
across its threads), not with the store's. Relevance is fitted on the folder's articles and comments.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import click

from moderation.cli import handle_errors
from moderation.errors import ModelError


def load_model(path: Path) -> Any:
    """The stance scorer in a model folder (moderation.model.scorer), or ModelError when it is not there."""
    try:
        from moderation.model import scorer
    except ModuleNotFoundError as exc:
        raise ModelError("stance scoring is not available: moderation.model.scorer is missing") from exc
    for name in ("load_scorer", "load"):
        if callable(getattr(scorer, name, None)):
            return getattr(scorer, name)(path)
    if hasattr(scorer, "Scorer"):
        return scorer.Scorer.load(path)
    raise ModelError("moderation.model.scorer has no load_scorer(path)")


def tag_folder(data: Path, model: Any = None, echo: Any = print, progress: Any = None) -> int:
    """Tag every comment of a dataset folder, thread by thread in file order; returns how many."""
    from moderation.dataset import load_dataset
    from moderation.labelling.relevance import Relevance
    from moderation.labelling.tagger import Tagger
    from moderation.store import open_store

    dataset = load_dataset(data)
    relevance = Relevance.fit([f"{t.title}\n{t.target}\n{t.body}" for t in dataset.threads]
                              + [c.text for c in dataset.comments], threads=dataset.threads,
                              discussions=[(c.thread_id, c.text) for c in dataset.comments])
    by_thread: dict[str, list] = {t.id: [] for t in dataset.threads}
    for c in dataset.comments:
        by_thread[c.thread_id].append(c)
    done = 0
    with (tempfile.TemporaryDirectory(prefix="moderation-tag-") as tmp,
          open_store(f"sqlite:///{Path(tmp) / 'index.db'}") as store):
        tagger = Tagger(store, model=model, relevance=relevance)
        for thread in dataset.threads:
            comments = by_thread[thread.id]
            for i, comment in enumerate(comments):
                echo(json.dumps(tagger.tag(comment, thread, comments[:i]).to_json(), ensure_ascii=False))
                done += 1
                if progress:
                    progress(done, len(dataset.comments))
    return done


@click.command("tag")
@click.option("--data", "data", required=True, type=click.Path(path_type=Path),
              help="A dataset folder (threads.jsonl + comments.jsonl).")
@click.option("--model", "model_dir", type=click.Path(path_type=Path),
              help="A model folder: adds each comment's stance (judged on its own text).")
@handle_errors
def tag(data: Path, model_dir: Path | None) -> None:
    """Tag every comment of a dataset: quotes, own text, duplicate, off-topic (and stance with --model)."""
    from moderation.dataset import require_dataset_folder

    require_dataset_folder(data, "--data")
    model = load_model(model_dir) if model_dir else None

    def progress(done: int, total: int) -> None:
        if done % 100 == 0 or done == total:
            click.echo(f"tagged {done}/{total}", err=True)

    tag_folder(data, model, echo=click.echo, progress=progress)
