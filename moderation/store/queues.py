"""Review queues: scored comments stored and queued, listed by priority, closed by one decision."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from moderation.dataset import Comment, Thread
from moderation.errors import ConflictError, NotFoundError
from moderation.store import schema
from moderation.store.core import StoreBase, utcnow

LABEL_KEYS = ("stance", "off_topic", "duplicate_of")
_c = schema.comments
# Built once (SQLAlchemy reuses its compiled form): the scoring path runs it on every request.
_COMMENTS_AFTER = (select(_c.c.seq, _c.c.id, _c.c.thread_id, _c.c.text, _c.c.author, _c.c.parent_id)
                   .where(_c.c.thread_id == bindparam("thread_id"), _c.c.seq > bindparam("after_seq"))
                   .order_by(_c.c.seq))


def _item_dict(row: Any) -> dict[str, Any]:
    return {"id": row.id, "comment_id": row.comment_id, "queue": row.queue, "priority": row.priority,
            "reasons": row.reasons, "scores": row.scores, "model_version": row.model_version,
            "status": row.status, "created_at": row.created_at.isoformat(),
            "thread_id": row.thread_id, "text": row.text, "author": row.author}


class QueuesMixin(StoreBase):
    """Store scored comments, queue them, list queues, record decisions."""

    def _insert_new(self, table: Any) -> Any:
        # INSERT ... ON CONFLICT DO NOTHING: on PostgreSQL a row another transaction is inserting at the same
        # moment makes this wait for it and then skip, where a plain INSERT fails (UniqueViolation).
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    def _ensure_thread(self, conn: Connection, thread: Thread) -> None:
        conn.execute(self._insert_new(schema.threads).values(
            id=thread.id, title=thread.title, body=thread.body, target=thread.target, url=thread.url,
            ingested_at=utcnow()).on_conflict_do_nothing(index_elements=["id"]))

    def _ensure_comment(self, conn: Connection, c: Comment) -> bool:
        # The comment's row is locked (FOR UPDATE; SQLite's write lock is already whole-database) until the
        # transaction ends, so two requests saving one comment run one after the other, as on SQLite.
        by_id = select(schema.comments.c.text).where(schema.comments.c.id == c.id).with_for_update()
        row = conn.execute(by_id).first()
        if row is None:
            inserted = conn.execute(self._insert_new(schema.comments).values(
                id=c.id, thread_id=c.thread_id, text=c.text, author=c.author, created_at=c.created_at,
                parent_id=c.parent_id, ingested_at=utcnow()).on_conflict_do_nothing(index_elements=["id"])
                .returning(schema.comments.c.seq))
            if inserted.first() is not None:
                return True
            row = conn.execute(by_id).one()  # another request stored it while this one waited
        if row.text != c.text:
            raise ConflictError(f"comment {c.id!r} is already stored with another text", field="id")
        return False

    def save_scored(self, comment: Comment, *, thread: Thread | None = None,
                    queue: dict[str, Any] | None = None) -> dict[str, Any]:
        """In one transaction: the inline thread and the comment if new, and its queue item if given."""
        with self.write() as conn:
            self._rows_in_commit_order(conn)
            if thread is not None:
                self._ensure_thread(conn, thread)
            stored = self._ensure_comment(conn, comment)
            item_id = None
            if queue is not None:
                taken = conn.execute(select(schema.queue_items.c.id)
                                     .where(schema.queue_items.c.comment_id == comment.id)).first()
                if taken is not None:
                    raise ConflictError(f"comment {comment.id!r} is already queued", field="id")
                result = conn.execute(schema.queue_items.insert().values(
                    comment_id=comment.id, queue=queue["name"], priority=queue["priority"],
                    reasons=queue["reasons"], scores=queue["scores"], model_version=queue.get("model_version"),
                    group_key=comment.thread_id, status="open", created_at=utcnow()))
                item_id = int(result.inserted_primary_key[0])
        return {"comment_stored": stored, "queue_item_id": item_id}

    def thread_comments_after(self, thread_id: str, after_seq: int) -> list[tuple[int, Comment]]:
        """A thread's comments stored after row `after_seq`, with their row numbers (for incremental caches)."""
        with self.read() as conn:
            rows = conn.execute(_COMMENTS_AFTER, {"thread_id": thread_id, "after_seq": after_seq})
            return [(r.seq, Comment(id=r.id, thread_id=r.thread_id, text=r.text, author=r.author,
                                    parent_id=r.parent_id)) for r in rows]

    def queue_counts(self) -> dict[str, int]:
        """Open items per queue."""
        q = schema.queue_items
        with self.read() as conn:
            rows = conn.execute(select(q.c.queue, func.count()).where(q.c.status == "open").group_by(q.c.queue))
            return {name: int(n) for name, n in rows}

    def queue_oldest(self) -> dict[str, Any]:
        """When the oldest open item of each queue was queued (the pages show its age)."""
        q = schema.queue_items
        with self.read() as conn:
            rows = conn.execute(select(q.c.queue, func.min(q.c.created_at)).where(q.c.status == "open")
                                .group_by(q.c.queue))
            return {name: oldest for name, oldest in rows}

    def queue_items(self, name: str, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """A queue's open items, highest priority first, then oldest first."""
        q, c = schema.queue_items, schema.comments
        query = (select(q, c.c.thread_id, c.c.text, c.c.author).join(c, c.c.id == q.c.comment_id)
                 .where(q.c.queue == name, q.c.status == "open")
                 .order_by(q.c.priority.desc(), q.c.id).limit(limit).offset(offset))
        with self.read() as conn:
            return [_item_dict(r) for r in conn.execute(query)]

    def _merged_label(self, conn: Connection, comment_id: str, label: dict[str, Any]) -> dict[str, Any]:
        # A decision says one thing (e.g. off-topic); keep what earlier labels said of the rest.
        row = conn.execute(select(schema.labels).where(schema.labels.c.comment_id == comment_id)
                           .order_by(schema.labels.c.is_gold.desc(), schema.labels.c.seq.desc()).limit(1)).first()
        merged = {k: getattr(row, k) for k in LABEL_KEYS} if row is not None else dict.fromkeys(LABEL_KEYS)
        merged.update({k: v for k, v in label.items() if k in LABEL_KEYS})
        return merged

    def queue_item_of(self, comment_id: str) -> dict[str, Any]:
        """The comment's latest queue item: id, queue, status, scores, model version (NotFoundError: none)."""
        q = schema.queue_items
        with self.read() as conn:
            item = conn.execute(select(q.c.id, q.c.queue, q.c.status, q.c.scores, q.c.model_version)
                                .where(q.c.comment_id == comment_id).order_by(q.c.id.desc())).first()
        if item is None:
            raise NotFoundError(f"comment {comment_id!r} is not in a queue", field="comment_id")
        return dict(item._mapping)

    def close_item(self, item_id: int, comment_id: str, *, action: str, actor: str, reason_code: str | None,
                   label: dict[str, Any] | None) -> dict[str, Any]:
        """Close an open item (one winner: a conditional UPDATE), log the decision, record its label."""
        q = schema.queue_items
        with self.write() as conn:
            now = utcnow()
            closed = conn.execute(update(q).where(q.c.id == item_id, q.c.status == "open")
                                  .values(status="closed", closed_at=now))
            if closed.rowcount != 1:
                raise ConflictError(f"comment {comment_id!r} has already been decided")
            item = conn.execute(select(q.c.queue, q.c.scores, q.c.model_version).where(q.c.id == item_id)).one()
            merged = self._merged_label(conn, comment_id, label) if label else None
            if merged is not None:
                self._check_duplicate_of(conn, comment_id, merged["duplicate_of"])
            result = conn.execute(schema.decisions.insert().values(
                queue_item_id=item_id, comment_id=comment_id, action=action, reason_code=reason_code,
                label=merged, actor=actor, decided_at=now, scores=item.scores, model_version=item.model_version))
            if merged is not None:
                conn.execute(schema.labels.insert().values(
                    comment_id=comment_id, annotator=actor, source="decision", is_gold=False,
                    labelled_at=now.isoformat(timespec="seconds").replace("+00:00", "Z"),
                    note=f"{action}:{reason_code}" if reason_code else action, **merged))
        return {"decision_id": int(result.inserted_primary_key[0]), "comment_id": comment_id, "action": action,
                "reason_code": reason_code, "label": merged, "actor": actor, "decided_at": now.isoformat(),
                "queue": item.queue, "model_version": item.model_version, "scores": item.scores}

    def decisions_for(self, comment_id: str) -> list[dict[str, Any]]:
        """The audit log rows of a comment, oldest first."""
        with self.read() as conn:
            rows = conn.execute(select(schema.decisions).where(schema.decisions.c.comment_id == comment_id)
                                .order_by(schema.decisions.c.id))
            return [dict(r._mapping) for r in rows]
