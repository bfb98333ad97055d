"""CSV import: one comment a row, columns mapped onto the interchange fields.

The default mapping is the identity: a column named like a comment field (`id`, `thread_id`, `text`,
`author`, `created_at`, `parent_id`, `stance`, `off_topic`, `duplicate_of`, `annotator`, `labelled_at`)
fills that field. Threads come from `thread_title` / `thread_body` / `thread_target` / `thread_url`
columns (first row of each thread wins) or must already be in the store. `--map field=column` renames.
A column the importer does not know is an error (a typo such as `stanse` would otherwise drop a label).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from moderation.dataset import Dataset, Thread, comment_from_record
from moderation.errors import InputError

COMMENT_COLUMNS = ("id", "thread_id", "text", "author", "created_at", "parent_id", "stance", "off_topic",
                   "duplicate_of", "annotator", "labelled_at")
THREAD_COLUMNS = ("thread_title", "thread_body", "thread_target", "thread_url")
REQUIRED = ("id", "thread_id", "text")
_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n"}


def parse_mapping(items: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Parse `field=column` pairs; the field must be one the importer knows."""
    mapping: dict[str, str] = {}
    for item in items:
        field, sep, column = item.partition("=")
        field, column = field.strip(), column.strip()
        if not sep or not field or not column:
            raise InputError(f"--map {item!r}: expected FIELD=COLUMN")
        if field not in COMMENT_COLUMNS + THREAD_COLUMNS:
            raise InputError(f"--map {item!r}: unknown field {field!r}")
        mapping[field] = column
    return mapping


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"{path.name}:{line}: not UTF-8 text") from exc


def _bool(value: str, where: str) -> bool | None:
    v = value.strip().lower()
    if v == "":
        return None
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise InputError(f"{where}: off_topic must be true or false")


def read_csv(path: str | Path, mapping: dict[str, str] | None = None) -> Dataset:
    """Read a comments CSV into a dataset (threads from thread_* columns when present)."""
    path = Path(path)
    mapping = mapping or {}
    text = _decode(path)
    if not text.strip():
        raise InputError(f"{path.name}: the file is empty")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    columns = {f: mapping.get(f, f) for f in COMMENT_COLUMNS + THREAD_COLUMNS}
    for field in REQUIRED:
        if columns[field] not in header:
            how = f" (mapped to {field})" if field in mapping else ""
            raise InputError(f"{path.name}:1: missing column {columns[field]!r}{how}")
    for field, column in mapping.items():
        if column not in header:
            raise InputError(f"{path.name}:1: missing column {column!r} (mapped to {field})")
    unknown = [name for name in header if name not in set(columns.values())]
    if unknown:
        raise InputError(f"{path.name}:1: unknown column {unknown[0]!r}")
    threads: dict[str, Thread] = {}
    comments = []
    thread_locs: list[str] = []
    comment_locs: list[str] = []
    start = reader.line_num + 1  # where a row starts (a quoted field may span lines; line_num is where it ends)
    for row in reader:
        where = f"{path.name}:{start}"
        start = reader.line_num + 1
        if None in row:
            raise InputError(f"{where}: more fields than the header has")
        rec: dict[str, Any] = {}
        for field in COMMENT_COLUMNS:
            value = row.get(columns[field])
            if value is None or (value == "" and field not in REQUIRED):
                continue
            rec[field] = _bool(value, where) if field == "off_topic" else value
        if rec.get("off_topic") is None:
            rec.pop("off_topic", None)
        comment = comment_from_record(rec, where)
        title = (row.get(columns["thread_title"]) or "").strip()
        if title and comment.thread_id not in threads:
            threads[comment.thread_id] = Thread(
                id=comment.thread_id, title=title, body=row.get(columns["thread_body"]) or "",
                target=row.get(columns["thread_target"]) or "", url=row.get(columns["thread_url"]) or None)
            thread_locs.append(where)
        comments.append(comment)
        comment_locs.append(where)
    if not comments:
        raise InputError(f"{path.name}: no rows under the header")
    return Dataset(list(threads.values()), comments, thread_locs=thread_locs, comment_locs=comment_locs)
