"""What relevance is fitted on, as of a cutoff every worker shares, and the threads stored since a point.

The off-topic features weigh words by an idf fitted on the store's documents. A worker that fitted when the
store was smaller would weigh them differently from one that fitted later, and the same request would get a
different verdict on each (issue 10). So the documents are those up to a cutoff - the store's last thread and
comment sequence numbers when the first worker fitted for a model version - recorded once in the meta table;
every worker serving that version reads the same cutoff and fits on the same documents.
"""

from __future__ import annotations

from sqlalchemy import bindparam, func, select

from moderation.dataset import Thread
from moderation.errors import ConflictError
from moderation.store import schema
from moderation.store.core import StoreBase

_CUTOFF_KEY = "relevance_cutoff:"
_T = schema.threads
# Built once: SQLAlchemy reuses its compiled form (the query runs before every comment is judged).
_THREADS_AFTER = (select(_T.c.seq, _T.c.id, _T.c.title, _T.c.target, _T.c.body).where(_T.c.seq > bindparam("seq"))
                  .order_by(_T.c.seq).limit(bindparam("limit")))


def _thread(r: object) -> Thread:
    return Thread(id=r.id, title=r.title or "", body=r.body or "", target=r.target or "")  # type: ignore[attr-defined]


class RelevanceDocsMixin(StoreBase):
    """The relevance cutoff of a model version, the documents up to it, and threads stored after a point."""

    def relevance_cutoff(self, version: str) -> tuple[int, int]:
        """(thread seq, comment seq) up to which relevance is fitted for ``version``: the store's last ones when
        first asked, then the same for every worker and every later call."""
        t, c = schema.threads, schema.comments
        with self.read() as conn:
            now = (conn.execute(select(func.coalesce(func.max(t.c.seq), 0))).scalar(),
                   conn.execute(select(func.coalesce(func.max(c.c.seq), 0))).scalar())
        key = (_CUTOFF_KEY + version)[:100]
        try:
            value = self.set_meta_default(key, f"{now[0]},{now[1]}")
        except ConflictError:  # another worker recorded it at the same moment: theirs is the cutoff
            value = self.get_meta(key) or f"{now[0]},{now[1]}"
        thread_seq, comment_seq = value.split(",")
        return int(thread_seq), int(comment_seq)

    def fit_documents_upto(self, limit: int, thread_seq: int, comment_seq: int) -> tuple[list[Thread], list[str]]:
        """Up to ``limit`` threads (in order) and the ``limit`` newest comments' texts, none past the cutoff."""
        t, c = schema.threads, schema.comments
        with self.read() as conn:
            threads = [_thread(r) for r in conn.execute(
                select(t.c.id, t.c.title, t.c.target, t.c.body).where(t.c.seq <= thread_seq)
                .order_by(t.c.seq).limit(limit))]
            texts = list(conn.execute(select(c.c.text).where(c.c.seq <= comment_seq)
                                      .order_by(c.c.seq.desc()).limit(limit)).scalars())
        return threads, texts

    def threads_after(self, seq: int, limit: int = 1000) -> list[tuple[int, Thread]]:
        """(seq, thread) of the threads stored after ``seq``, in order (at most ``limit``)."""
        with self.read() as conn:  # asked before every comment is judged: usually answers nothing
            rows = conn.execute(_THREADS_AFTER, {"seq": seq, "limit": limit})
            return [(r.seq, _thread(r)) for r in rows]
