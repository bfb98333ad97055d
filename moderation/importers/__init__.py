"""`moderation import PATH`: a dataset folder, a CSV, or a scraped comment page — one transaction each."""

from __future__ import annotations

from pathlib import Path

from moderation.dataset import Dataset, load_dataset
from moderation.errors import InputError
from moderation.importers.csvfile import parse_mapping, read_csv
from moderation.store import Store, stderr_progress

__all__ = ["read_source", "import_path", "parse_mapping"]


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
    return store.import_dataset(dataset, progress=stderr_progress("import") if progress else None)
