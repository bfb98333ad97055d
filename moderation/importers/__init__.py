"""`moderation import PATH`: a dataset folder, a CSV, or a scraped comment page — one transaction each."""

from __future__ import annotations

import contextlib
from pathlib import Path

from moderation.dataset import Dataset, load_dataset
from moderation.errors import InputError, NotFoundError
from moderation.importers.csvfile import parse_mapping, read_csv
from moderation.store import Store, stderr_progress
from moderation.store.records import Progress

__all__ = ["read_source", "import_dataset", "import_path", "parse_mapping"]


def _read_page(path: Path, *, thread_id: str | None, target: str, article: str | None) -> Dataset:
    from moderation.importers.scraped import parse_scraped_page

    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"{path.name}:{line}: not UTF-8 text") from exc
    if not text.strip():
        raise InputError(f"{path.name}: the file is empty")
    body = ""
    if article:
        try:
            body = Path(article).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"--article {article}: cannot read: {exc}") from exc
    return parse_scraped_page(text, source=path.name, thread_id=thread_id or path.stem, target=target,
                              body=body)


def read_source(path: str | Path, *, mapping: dict[str, str] | None = None, thread_id: str | None = None,
                target: str = "", article: str | None = None) -> Dataset:
    """Read any supported source into a dataset, validated; nothing is stored yet."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_dir():
        return load_dataset(path)
    if path.suffix.lower() == ".csv":
        return read_csv(path, mapping)
    if path.suffix.lower() in {".txt", ".text", ".html", ".htm"}:
        return _read_page(path, thread_id=thread_id, target=target, article=article)
    raise InputError(f"{path.name}: unknown kind of file (expected a dataset folder, .csv or a .txt page)")


def import_path(store: Store, path: str | Path, *, progress: bool = False, **options: object) -> dict[str, int]:
    """Read a source and import it in one transaction; returns what was imported."""
    dataset = read_source(path, **options)  # type: ignore[arg-type]
    return import_dataset(store, dataset, progress=stderr_progress("import") if progress else None)


def import_dataset(store: Store, dataset: Dataset, *, progress: Progress | None = None) -> dict[str, int]:
    """Store a dataset in one transaction, every comment's own text in the duplicate index with it."""
    from moderation.labelling.imported import dup_entries

    stored = {}
    for tid in {c.thread_id for c in dataset.comments} - {t.id for t in dataset.threads}:
        with contextlib.suppress(NotFoundError):  # an unknown thread: the store's import refuses, naming it
            stored[tid] = (store.get_thread(tid), store.thread_comments(tid))
    return store.import_dataset(dataset, progress=progress, dup_entries=dup_entries(dataset, stored))
