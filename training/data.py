"""Training examples from datasets: records, labels, and the groups cross-validation keeps together."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from moderation.dataset import STANCES, Dataset
from moderation.errors import UnprocessableError

_KEY = re.compile(r"https?://\S+|@\w+|[^\w ]+")


@dataclass
class Examples:
    """Records with their stance / off-topic labels (None when unlabelled) and thread ids."""

    records: list[dict[str, str]] = field(default_factory=list)
    stance: list[str | None] = field(default_factory=list)
    off_topic: list[bool | None] = field(default_factory=list)
    threads: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    duplicate_of: list[str | None] = field(default_factory=list)


def examples_from(datasets: list[Dataset], *, own_text: bool = True) -> Examples:
    """Every labelled comment as a record judged against its thread's target.

    With own_text (the default, and what the service does) the record's text is the comment's own text: quotes
    of the article and of earlier comments removed, as the tagger removes them before scoring.
    """
    from moderation.labelling.owntext import thread_own_texts

    ex = Examples()
    for ds in datasets:
        threads = {t.id: t for t in ds.threads}
        own: dict[str, str] = {}
        if own_text:
            by_thread: dict[str, list] = {}
            for c in ds.comments:
                by_thread.setdefault(c.thread_id, []).append(c)
            for tid, comments in by_thread.items():
                own.update(thread_own_texts(threads[tid], comments))
        for c in ds.comments:
            if c.stance is None and c.off_topic is None:
                continue
            if c.stance is not None and c.stance not in STANCES:
                raise UnprocessableError(f"comment {c.id}: unknown stance label {c.stance!r}")
            t = threads[c.thread_id]
            text = own.get(c.id) or c.text
            ex.records.append({"text": text, "target": t.target or t.title, "title": t.title, "body": t.body})
            ex.stance.append(c.stance)
            ex.off_topic.append(c.off_topic)
            ex.threads.append(c.thread_id)
            ex.ids.append(c.id)
            ex.duplicate_of.append(c.duplicate_of)
    return ex


def data_hash(ex: Examples) -> str:
    """sha256 over the records and labels, in order: the manifest's training data hash."""
    digest = hashlib.sha256()
    for rec, s, o in zip(ex.records, ex.stance, ex.off_topic, strict=True):
        digest.update(json.dumps([rec, s, o], sort_keys=True, ensure_ascii=False).encode() + b"\n")
    return digest.hexdigest()


def record_key(record: dict[str, str]) -> str:
    """A short sha256 of one record (text, target, title, body): the same comment under another id."""
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def near_duplicate_groups(texts: list[str], links: list[tuple[int, int]] = (), threshold: float = 0.5) -> np.ndarray:
    """Group ids joining texts whose word-bigram Jaccard >= threshold, and the given (i, j) links."""
    from sklearn.feature_extraction.text import CountVectorizer

    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    keys = [_KEY.sub(" ", t.lower()) for t in texts]
    try:
        X = CountVectorizer(ngram_range=(2, 2), binary=True).fit_transform(keys).astype(np.float64)
    except ValueError:  # no bigram anywhere: only the explicit links group
        X = None
    if X is not None:
        sizes = np.asarray(X.sum(axis=1)).ravel()
        inter = (X @ X.T).tocoo()
        for i, j, v in zip(inter.row, inter.col, inter.data, strict=True):
            if i < j and v / max(1.0, sizes[i] + sizes[j] - v) >= threshold:
                parent[find(i)] = find(j)
    for i, j in links:
        parent[find(i)] = find(j)
    return np.array([find(i) for i in range(len(texts))])


def cv_groups(ex: Examples, rows: list[int], group_by: str, n_splits: int) -> tuple[np.ndarray, str]:
    """Groups for the rows: threads when asked and there are enough, else near-duplicate clusters."""
    if group_by == "thread" and len({ex.threads[i] for i in rows}) >= n_splits:
        return np.array([ex.threads[i] for i in rows]), "thread"
    where = {ex.ids[i]: k for k, i in enumerate(rows)}
    links = [(k, where[ex.duplicate_of[i]]) for k, i in enumerate(rows) if ex.duplicate_of[i] in where]
    return near_duplicate_groups([ex.records[i]["text"] for i in rows], links), "near_duplicate"


def check_labels(y: list[Any], what: str) -> None:
    """UnprocessableError when there is nothing to learn from (no rows, one class, a class of one)."""
    if not y:
        raise UnprocessableError(f"no comments labelled with {what} to train on")
    classes, counts = np.unique(np.asarray(y, dtype=object).astype(str), return_counts=True)
    if len(classes) < 2:
        raise UnprocessableError(f"every {what} label is {str(classes[0])!r}: need at least two classes")
    if counts.min() < 2:
        raise UnprocessableError(f"{what} label {str(classes[counts.argmin()])!r} has a single example: need two")
