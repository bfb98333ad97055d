"""Threads, comments and labels: import a dataset in one transaction, export it back."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from moderation.dataset import LABEL_FIELDS, Comment, Dataset, Thread, validate
from moderation.errors import ConflictError, NotFoundError
from moderation.store import schema
from moderation.store.core import StoreBase, utcnow

BATCH = 1000
Progress = Callable[[int, int], None]


def stderr_progress(label: str) -> Progress:
    """A progress callback that prints `label: done/total` lines to stderr."""
    def report(done: int, total: int) -> None:
        print(f"{label}: {done}/{total}", file=sys.stderr, flush=True)
    return report


def _thread_row(t: Thread, now: Any) -> dict[str, Any]:
    return {"id": t.id, "title": t.title, "body": t.body, "target": t.target, "url": t.url, "ingested_at": now}


def _comment_row(c: Comment, now: Any) -> dict[str, Any]:
    return {"id": c.id, "thread_id": c.thread_id, "text": c.text, "author": c.author,
            "created_at": c.created_at, "parent_id": c.parent_id, "score": c.score,
            "votes_up": c.votes_up, "votes_down": c.votes_down,
            "quote_attributions": c.quote_attributions or None, "ingested_at": now}


def _label_row(c: Comment, source: str) -> dict[str, Any]:
    return {"comment_id": c.id, "stance": c.stance, "off_topic": c.off_topic, "duplicate_of": c.duplicate_of,
            "annotator": c.annotator, "labelled_at": c.labelled_at, "source": source, "is_gold": False,
            "note": None}


def _thread_from_row(row: Any) -> Thread:
    return Thread(id=row.id, title=row.title, body=row.body, target=row.target, url=row.url)


def _comment_from_row(row: Any) -> Comment:
    return Comment(id=row.id, thread_id=row.thread_id, text=row.text, author=row.author,
                   created_at=row.created_at, parent_id=row.parent_id, score=row.score,
                   votes_up=row.votes_up, votes_down=row.votes_down,
                   quote_attributions=list(row.quote_attributions or []))


class RecordsMixin(StoreBase):
    """Dataset import/export and per-comment reads."""

    def existing_ids(self, conn: Connection, table: Any, ids: Iterable[str]) -> set[str]:
        """Which of these ids the table already holds."""
        ids = list(ids)
        found: set[str] = set()
        for i in range(0, len(ids), BATCH):
            chunk = ids[i:i + BATCH]
            found |= set(conn.execute(select(table.c.id).where(table.c.id.in_(chunk))).scalars())
        return found

    def import_dataset(self, dataset: Dataset, *, progress: Progress | None = None, label_source: str = "import",
                       dup_entries: Iterable[tuple[dict[str, Any], list[int]]] = ()) -> dict[str, int]:
        """Insert a dataset in ONE transaction: any error (or a kill) leaves the store as it was.

        ``dup_entries`` (one per comment, in order; computed lazily is fine) join the duplicate index with them.
        """
        with self.write() as conn:
            self._rows_in_commit_order(conn)
            clash = self.existing_ids(conn, schema.threads, (t.id for t in dataset.threads))
            if clash:
                raise ConflictError(f"thread {sorted(clash)[0]!r} is already in the store")
            clash = self.existing_ids(conn, schema.comments, (c.id for c in dataset.comments))
            if clash:
                raise ConflictError(f"comment {sorted(clash)[0]!r} is already in the store")
            refs = {c.thread_id for c in dataset.comments} - {t.id for t in dataset.threads}
            known_threads = self.existing_ids(conn, schema.threads, refs)
            crefs = {r for c in dataset.comments for r in (c.parent_id, c.duplicate_of) if r}
            known_comments = self.existing_ids(conn, schema.comments, crefs)
            validate(dataset, known_threads=known_threads, known_comments=known_comments)
            now = utcnow()
            if dataset.threads:
                conn.execute(schema.threads.insert(), [_thread_row(t, now) for t in dataset.threads])
            total = len(dataset.comments)
            entries = iter(dup_entries)
            for i in range(0, total, BATCH):
                chunk = dataset.comments[i:i + BATCH]
                conn.execute(schema.comments.insert(), [_comment_row(c, now) for c in chunk])
                indexed = [e for _, e in zip(chunk, entries, strict=False)]
                if indexed:
                    self._dup_add_rows(conn, indexed)  # type: ignore[attr-defined]  # DupIndexMixin
                labelled = [_label_row(c, label_source) for c in chunk if c.is_labelled]
                if labelled:
                    conn.execute(schema.labels.insert(), labelled)
                if progress:
                    progress(min(i + BATCH, total), total)
        return {"threads": len(dataset.threads), "comments": len(dataset.comments),
                "labels": sum(c.is_labelled for c in dataset.comments)}

    def counts(self) -> dict[str, int]:
        """Rows in the main tables."""
        with self.read() as conn:
            return {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                    for name, table in (("threads", schema.threads), ("comments", schema.comments),
                                        ("labels", schema.labels))}

    def get_thread(self, thread_id: str) -> Thread:
        """One thread (NotFoundError when absent)."""
        with self.read() as conn:
            row = conn.execute(select(schema.threads).where(schema.threads.c.id == thread_id)).first()
        if row is None:
            raise NotFoundError(f"unknown thread {thread_id!r}", field="thread_id")
        return _thread_from_row(row)

    def list_threads(self) -> list[Thread]:
        """Every thread, in import order."""
        with self.read() as conn:
            return [_thread_from_row(r) for r in conn.execute(select(schema.threads).order_by(schema.threads.c.seq))]

    def recent_threads(self, limit: int, scan: int = 5000) -> list[Thread]:
        """Up to ``limit`` threads among the newest ``scan`` comments', most recently active first (a bounded read
        along the comments' primary key, not a pass over every comment)."""
        with self.read() as conn:
            newest = conn.execute(select(schema.comments.c.thread_id).order_by(schema.comments.c.seq.desc())
                                  .limit(scan)).scalars()
            ids = list(dict.fromkeys(newest))[:limit]
            rows = {r.id: r for r in conn.execute(select(schema.threads).where(schema.threads.c.id.in_(ids)))}
        return [_thread_from_row(rows[i]) for i in ids if i in rows]

    def get_comment(self, comment_id: str) -> Comment:
        """One comment without labels (NotFoundError when absent)."""
        with self.read() as conn:
            row = conn.execute(select(schema.comments).where(schema.comments.c.id == comment_id)).first()
        if row is None:
            raise NotFoundError(f"unknown comment {comment_id!r}", field="comment_id")
        return _comment_from_row(row)

    def thread_comments(self, thread_id: str) -> list[Comment]:
        """A thread's comments in order, without labels."""
        with self.read() as conn:
            rows = conn.execute(select(schema.comments).where(schema.comments.c.thread_id == thread_id)
                                .order_by(schema.comments.c.seq))
            return [_comment_from_row(r) for r in rows]

    def add_label(self, comment_id: str, *, stance: str | None = None, off_topic: bool | None = None,
                  duplicate_of: str | None = None, annotator: str, source: str = "form",
                  is_gold: bool = False, note: str | None = None) -> int:
        """Record one person's label of a comment; returns its row id."""
        with self.write() as conn:
            if not self.existing_ids(conn, schema.comments, [comment_id]):
                raise NotFoundError(f"unknown comment {comment_id!r}", field="comment_id")
            self._check_duplicate_of(conn, comment_id, duplicate_of)
            result = conn.execute(schema.labels.insert().values(
                comment_id=comment_id, stance=stance, off_topic=off_topic, duplicate_of=duplicate_of,
                annotator=annotator, labelled_at=utcnow().isoformat(timespec="seconds").replace("+00:00", "Z"),
                source=source, is_gold=is_gold, note=note))
            return int(result.inserted_primary_key[0])

    def comment_labels(self, comment_id: str) -> list[dict[str, Any]]:
        """Every label of a comment, oldest first."""
        with self.read() as conn:
            rows = conn.execute(select(schema.labels).where(schema.labels.c.comment_id == comment_id)
                                .order_by(schema.labels.c.seq))
            return [dict(r._mapping) for r in rows]

    def export_dataset(self, *, gold_only: bool = False) -> Dataset:
        """The store as a dataset: each comment carries its gold label, else its latest label."""
        with self.read() as conn:
            threads = [_thread_from_row(r) for r in conn.execute(select(schema.threads).order_by(schema.threads.c.seq))]
            chosen: dict[str, Any] = {}
            rows = conn.execute(select(schema.labels).order_by(schema.labels.c.seq))
            for row in rows:
                if gold_only and not row.is_gold:
                    continue
                prev = chosen.get(row.comment_id)
                if prev is None or row.is_gold or not prev.is_gold:
                    chosen[row.comment_id] = row
            comments = []
            for row in conn.execute(select(schema.comments).order_by(schema.comments.c.seq)):
                c = _comment_from_row(row)
                label = chosen.get(c.id)
                if label is not None:
                    for key in LABEL_FIELDS:
                        setattr(c, key, getattr(label, key))
                comments.append(c)
        return Dataset(threads, comments)
