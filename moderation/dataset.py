"""The dataset interchange format: a folder with threads.jsonl and comments.jsonl (DESIGN.md)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from moderation.errors import InputError

STANCES = ("favor", "against", "none")
THREAD_FIELDS = ("id", "title", "body", "target", "url")
# Optional comment fields beyond DESIGN.md's list: the scraped page's votes and quote headers.
COMMENT_FIELDS = (
    "id", "thread_id", "text", "author", "created_at", "parent_id",
    "stance", "off_topic", "duplicate_of", "annotator", "labelled_at",
    "score", "votes_up", "votes_down", "quote_attributions",
)
LABEL_FIELDS = ("stance", "off_topic", "duplicate_of", "annotator", "labelled_at")


@dataclass
class Thread:
    """One article: the claim stance is judged against is `target` (default: the title)."""

    id: str
    title: str
    body: str = ""
    target: str = ""
    url: str | None = None

    def __post_init__(self) -> None:
        if not self.target:
            self.target = self.title

    def to_record(self) -> dict[str, Any]:
        """The thread as an interchange record (None fields left out)."""
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class Comment:
    """One reader comment, with the label fields present only when labelled."""

    id: str
    thread_id: str
    text: str
    author: str | None = None
    created_at: str | None = None
    parent_id: str | None = None
    stance: str | None = None
    off_topic: bool | None = None
    duplicate_of: str | None = None
    annotator: str | None = None
    labelled_at: str | None = None
    score: int | None = None
    votes_up: int | None = None
    votes_down: int | None = None
    quote_attributions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_labelled(self) -> bool:
        """True when a person said anything of this comment."""
        return self.stance is not None or self.off_topic is not None or self.duplicate_of is not None

    def to_record(self) -> dict[str, Any]:
        """The comment as an interchange record (empty optional fields left out)."""
        # A labelled comment says "not a duplicate" explicitly (null), unlike an unlabelled one.
        keep_null = {"duplicate_of"} if self.is_labelled else set()
        rec = {k: v for k, v in asdict(self).items() if v is not None or k in keep_null}
        if not rec.get("quote_attributions"):
            rec.pop("quote_attributions", None)
        return rec


@dataclass
class Dataset:
    """Threads and their comments, in file order."""

    threads: list[Thread] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    # Where each record came from (`file:line`), for errors found after reading; empty when built in code.
    thread_locs: list[str] = field(default_factory=list, repr=False, compare=False)
    comment_locs: list[str] = field(default_factory=list, repr=False, compare=False)

    def thread(self, thread_id: str) -> Thread:
        """The thread with this id (KeyError when absent)."""
        for t in self.threads:
            if t.id == thread_id:
                return t
        raise KeyError(thread_id)


def _check_str(rec: dict, key: str, where: str, *, required: bool, allow_empty: bool = False) -> None:
    if key not in rec or rec[key] is None:
        if required:
            raise InputError(f"{where}: missing field {key!r}")
        return
    if not isinstance(rec[key], str):
        raise InputError(f"{where}: {key} must be a string")
    if required and not allow_empty and not rec[key].strip():
        raise InputError(f"{where}: {key} must not be empty")


def thread_from_record(rec: Any, where: str) -> Thread:
    """Validate one threads.jsonl record; errors name `where` (file:line)."""
    if not isinstance(rec, dict):
        raise InputError(f"{where}: a thread must be a JSON object")
    unknown = set(rec) - set(THREAD_FIELDS)
    if unknown:
        raise InputError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    _check_str(rec, "id", where, required=True)
    _check_str(rec, "title", where, required=True)
    for key in ("body", "target", "url"):
        _check_str(rec, key, where, required=False)
    return Thread(id=rec["id"], title=rec["title"], body=rec.get("body") or "",
                  target=rec.get("target") or "", url=rec.get("url"))


def _check_int(rec: dict, key: str, where: str) -> None:
    value = rec.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise InputError(f"{where}: {key} must be an integer")


def comment_from_record(rec: Any, where: str) -> Comment:
    """Validate one comments.jsonl record; errors name `where` (file:line)."""
    if not isinstance(rec, dict):
        raise InputError(f"{where}: a comment must be a JSON object")
    unknown = set(rec) - set(COMMENT_FIELDS)
    if unknown:
        raise InputError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    _check_str(rec, "id", where, required=True)
    _check_str(rec, "thread_id", where, required=True)
    _check_str(rec, "text", where, required=True)
    for key in ("author", "created_at", "parent_id", "duplicate_of", "annotator", "labelled_at"):
        _check_str(rec, key, where, required=False)
    stance = rec.get("stance")
    if stance is not None and stance not in STANCES:
        raise InputError(f"{where}: stance must be favor, against or none")
    off_topic = rec.get("off_topic")
    if off_topic is not None and not isinstance(off_topic, bool):
        raise InputError(f"{where}: off_topic must be true or false")
    for key in ("score", "votes_up", "votes_down"):
        _check_int(rec, key, where)
    quotes = rec.get("quote_attributions") or []
    if not isinstance(quotes, list) or not all(isinstance(q, dict) for q in quotes):
        raise InputError(f"{where}: quote_attributions must be a list of objects")
    return Comment(**{**{k: rec.get(k) for k in COMMENT_FIELDS}, "quote_attributions": quotes})


def read_jsonl(path: Path) -> Iterator[tuple[str, Any]]:
    """Yield (where, parsed record) for each non-blank line; errors name file and line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path.name}: cannot read: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"{path.name}:{line}: not UTF-8 text") from exc
    for n, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name}:{n}"
        try:
            yield where, json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: {json_error(exc)}") from exc


def json_error(exc: json.JSONDecodeError) -> str:
    """A complete one-line description of a JSON syntax error (the decoder's own message stops at "at")."""
    at = "" if exc.msg.endswith(" at") else " at"
    return f"malformed JSON: {exc.msg}{at} column {exc.colno}"


def validate(dataset: Dataset, *, known_threads: Iterable[str] = (), known_comments: Iterable[str] = (),
             thread_locs: list[str] | None = None, comment_locs: list[str] | None = None) -> None:
    """Check ids are unique and references resolve (within the dataset or the known ids)."""
    tlocs = thread_locs or dataset.thread_locs or ["threads.jsonl"] * len(dataset.threads)
    clocs = comment_locs or dataset.comment_locs or ["comments.jsonl"] * len(dataset.comments)
    thread_ids = set(known_threads)
    for t, loc in zip(dataset.threads, tlocs, strict=True):
        if t.id in thread_ids:
            raise InputError(f"{loc}: duplicate thread id {t.id!r}")
        thread_ids.add(t.id)
    comment_ids = set(known_comments)
    for c, loc in zip(dataset.comments, clocs, strict=True):
        if c.id in comment_ids:
            raise InputError(f"{loc}: duplicate comment id {c.id!r}")
        comment_ids.add(c.id)
        if c.thread_id not in thread_ids:
            raise InputError(f"{loc}: unknown thread {c.thread_id!r}")
    for c, loc in zip(dataset.comments, clocs, strict=True):
        for key in ("parent_id", "duplicate_of"):
            ref = getattr(c, key)
            if ref == c.id:
                raise InputError(f"{loc}: {key} names the comment itself")
            if ref is not None and ref not in comment_ids:
                raise InputError(f"{loc}: {key} names unknown comment {ref!r}")


def require_dataset_folder(folder: str | Path, option: str = "") -> Path:
    """The folder when it holds threads.jsonl and comments.jsonl, else InputError saying what it is instead."""
    folder = Path(folder)
    name = f"{option} {folder}" if option else str(folder)
    if not folder.exists():
        raise InputError(f"{name}: no such folder")
    if not folder.is_dir():
        raise InputError(f"{name}: is a file, not a dataset folder (a folder with threads.jsonl and "
                         "comments.jsonl)")
    for fname in ("threads.jsonl", "comments.jsonl"):
        if not (folder / fname).is_file():
            raise InputError(f"{name}: no {fname}")
    return folder


def load_dataset(folder: str | Path, *, known_threads: Iterable[str] = (),
                 known_comments: Iterable[str] = ()) -> Dataset:
    """Read and validate a dataset folder; raises InputError naming file:line on bad input."""
    folder = require_dataset_folder(folder)
    threads: list[Thread] = []
    comments: list[Comment] = []
    tlocs: list[str] = []
    clocs: list[str] = []
    tpath, cpath = folder / "threads.jsonl", folder / "comments.jsonl"
    for loc, rec in read_jsonl(tpath):
        threads.append(thread_from_record(rec, loc))
        tlocs.append(loc)
    for loc, rec in read_jsonl(cpath):
        comments.append(comment_from_record(rec, loc))
        clocs.append(loc)
    if not threads and not comments:
        raise InputError(f"{folder}: the dataset is empty")
    ds = Dataset(threads, comments, thread_locs=tlocs, comment_locs=clocs)
    validate(ds, known_threads=known_threads, known_comments=known_comments)
    return ds


def write_dataset(dataset: Dataset, folder: str | Path) -> None:
    """Write a dataset folder (UTF-8 JSON Lines, one record a line, keys in a stable order)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "threads.jsonl", "w", encoding="utf-8") as fh:
        for t in dataset.threads:
            fh.write(json.dumps(t.to_record(), ensure_ascii=False) + "\n")
    with open(folder / "comments.jsonl", "w", encoding="utf-8") as fh:
        for c in dataset.comments:
            fh.write(json.dumps(c.to_record(), ensure_ascii=False) + "\n")
