"""The few reads and writes the pages need beyond the Store's own methods (labels by thread, the overlap)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from moderation import settings
from moderation.errors import InputError
from moderation.store import Store, schema

OVERLAP_KEY = "label_overlap"
MAX_OVERLAP = 20


def thread_labels(store: Store, thread_id: str) -> list[dict[str, Any]]:
    """Every label of the thread's comments, oldest first."""
    lab, com = schema.labels, schema.comments
    query = (select(lab).join(com, com.c.id == lab.c.comment_id).where(com.c.thread_id == thread_id)
             .order_by(lab.c.seq))
    with store.read() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def all_labels(store: Store) -> list[dict[str, Any]]:
    """Every label in the store with its comment's thread id, oldest first."""
    lab, com = schema.labels, schema.comments
    query = select(lab, com.c.thread_id).join(com, com.c.id == lab.c.comment_id).order_by(lab.c.seq)
    with store.read() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def last_form_label(store: Store, thread_id: str, annotator: str) -> dict[str, Any] | None:
    """The annotator's most recent form label in this thread, or None."""
    lab, com = schema.labels, schema.comments
    query = (select(lab).join(com, com.c.id == lab.c.comment_id)
             .where(com.c.thread_id == thread_id, lab.c.annotator == annotator, lab.c.source == "form",
                    lab.c.is_gold.is_(False))
             .order_by(lab.c.seq.desc()).limit(1))
    with store.read() as conn:
        row = conn.execute(query).first()
    return dict(row._mapping) if row else None


def delete_label(store: Store, seq: int, annotator: str) -> bool:
    """Remove one of the annotator's own form labels (undo); True when a row went."""
    lab = schema.labels
    with store.write() as conn:
        result = conn.execute(delete(lab).where(lab.c.seq == seq, lab.c.annotator == annotator,
                                                lab.c.source == "form"))
        return result.rowcount == 1


def get_overlap(store: Store) -> int:
    """Annotators wanted per comment: the admin's choice kept in the store, else the setting."""
    kept = store.get_meta(OVERLAP_KEY)
    return int(kept) if kept else int(settings.get(OVERLAP_KEY))


def set_overlap(store: Store, value: int) -> int:
    """Keep the admin's overlap in the store (it overrides MODERATION_LABEL_OVERLAP)."""
    if not 1 <= value <= MAX_OVERLAP:
        raise InputError(f"overlap must be from 1 to {MAX_OVERLAP}", field="overlap")
    meta = schema.meta
    with store.write() as conn:
        conn.execute(delete(meta).where(meta.c.key == OVERLAP_KEY))
        conn.execute(meta.insert().values(key=OVERLAP_KEY, value=str(value)))
    return value
