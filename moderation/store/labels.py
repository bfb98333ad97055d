"""Labels as the pages read them (by thread, by annotator), undo of a form label, and meta values set."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from moderation.store import schema
from moderation.store.core import StoreBase

_lab, _com = schema.labels, schema.comments


class LabelsMixin(StoreBase):
    """Reads and writes of the labels table beyond the dataset import/export."""

    def thread_labels(self, thread_id: str) -> list[dict[str, Any]]:
        """Every label of the thread's comments, oldest first."""
        query = (select(_lab).join(_com, _com.c.id == _lab.c.comment_id).where(_com.c.thread_id == thread_id)
                 .order_by(_lab.c.seq))
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def all_labels(self) -> list[dict[str, Any]]:
        """Every label in the store with its comment's thread id, oldest first."""
        query = select(_lab, _com.c.thread_id).join(_com, _com.c.id == _lab.c.comment_id).order_by(_lab.c.seq)
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def last_form_label(self, thread_id: str, annotator: str) -> dict[str, Any] | None:
        """The annotator's most recent (not gold) form label in this thread, or None."""
        query = (select(_lab).join(_com, _com.c.id == _lab.c.comment_id)
                 .where(_com.c.thread_id == thread_id, _lab.c.annotator == annotator, _lab.c.source == "form",
                        _lab.c.is_gold.is_(False))
                 .order_by(_lab.c.seq.desc()).limit(1))
        with self.read() as conn:
            row = conn.execute(query).first()
        return dict(row._mapping) if row else None

    def delete_form_label(self, seq: int, annotator: str) -> bool:
        """Remove one of the annotator's own form labels (undo); True when a row went."""
        with self.write() as conn:
            result = conn.execute(delete(_lab).where(_lab.c.seq == seq, _lab.c.annotator == annotator,
                                                     _lab.c.source == "form"))
            return result.rowcount == 1

    def set_meta(self, key: str, value: str) -> str:
        """Store value under key, replacing what was there."""
        meta = schema.meta
        with self.write() as conn:
            conn.execute(delete(meta).where(meta.c.key == key))
            conn.execute(meta.insert().values(key=key, value=value))
        return value
