"""What relevance is fitted on, as of a cutoff every worker shares, and the threads stored since a point.

The off-topic features weigh words by an idf fitted on the store's documents. A worker that fitted when the
store was smaller would weigh them differently from one that fitted later, and the same request would get a
different verdict on each (issue 10). So the documents are those up to a cutoff - the store's last thread and
comment sequence numbers when the first worker fitted for a model version - recorded once in the meta table;
every worker serving that version reads the same cutoff and fits on the same documents.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, literal_column, null, select, union_all

from moderation.dataset import Comment, Thread
from moderation.errors import ConflictError
from moderation.store import schema
from moderation.store.core import StoreBase

_CUTOFF_KEY = "relevance_cutoff:"
_T = schema.threads
# Built once: SQLAlchemy reuses its compiled form (the query runs before every comment is judged).
_THREADS_AFTER = (select(_T.c.seq, _T.c.id, _T.c.title, _T.c.target, _T.c.body).where(_T.c.seq > bindparam("seq"))
                  .order_by(_T.c.seq).limit(bindparam("limit")))


_C = schema.comments
_COMMENTS_AFTER = (select(_C.c.seq, _C.c.thread_id, _C.c.text).where(_C.c.seq > bindparam("comment_seq"))
                   .order_by(_C.c.seq).limit(bindparam("limit")))


def _news_query() -> Any:
    """One statement: a thread's comments after a row (kind 0), the store's threads after another (kind 1) and
    the store's comments after a third (kind 2: the other threads' discussions)."""
    c = schema.comments
    comments = select(literal_column("0").label("kind"), c.c.seq, c.c.id, c.c.thread_id.label("a"),
                      c.c.text.label("b"), c.c.author.label("c"), c.c.parent_id.label("d")).where(
        c.c.thread_id == bindparam("thread_id"), c.c.seq > bindparam("after_seq"))
    t = _THREADS_AFTER.subquery()
    threads = select(literal_column("1"), t.c.seq, t.c.id, t.c.title, t.c.target, t.c.body, null())
    a = _COMMENTS_AFTER.subquery()
    others = select(literal_column("2"), a.c.seq, null(), a.c.thread_id, a.c.text, null(), null())
    news = union_all(comments, threads, others).subquery()
    return select(news).order_by(news.c.kind, news.c.seq)


_NEWS = _news_query()


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

    def discussions_upto(self, thread_seq: int, comment_seq: int, per_thread: int) -> list[tuple[int, str, str]]:
        """(seq, thread id, text) of the first ``per_thread`` comments of each thread up to the cutoff, in order."""
        c, t = schema.comments, schema.threads
        rank = func.row_number().over(partition_by=c.c.thread_id, order_by=c.c.seq).label("rank")
        first = (select(c.c.seq, c.c.thread_id, c.c.text, rank).join(t, t.c.id == c.c.thread_id)
                 .where(c.c.seq <= comment_seq, t.c.seq <= thread_seq).subquery())
        with self.read() as conn:
            rows = conn.execute(select(first.c.seq, first.c.thread_id, first.c.text)
                                .where(first.c.rank <= per_thread).order_by(first.c.seq))
            return [(r.seq, r.thread_id, r.text) for r in rows]

    def comments_after(self, seq: int, limit: int = 1000) -> list[tuple[int, str, str]]:
        """(seq, thread id, text) of the comments stored after ``seq``, in order (at most ``limit``)."""
        with self.read() as conn:
            return [(r.seq, r.thread_id, r.text) for r in conn.execute(_COMMENTS_AFTER,
                                                                      {"comment_seq": seq, "limit": limit})]

    def threads_after(self, seq: int, limit: int = 1000) -> list[tuple[int, Thread]]:
        """(seq, thread) of the threads stored after ``seq``, in order (at most ``limit``)."""
        with self.read() as conn:  # asked before every comment is judged: usually answers nothing
            rows = conn.execute(_THREADS_AFTER, {"seq": seq, "limit": limit})
            return [(r.seq, _thread(r)) for r in rows]

    def thread_news(self, thread_id: str, after_seq: int, threads_after: int, comments_after: int,
                    limit: int = 1000) -> tuple[list[tuple[int, Comment]], list[tuple[int, Thread]],
                                                list[tuple[int, str, str]]]:
        """``thread_comments_after(thread_id, after_seq)``, ``threads_after(threads_after, limit)`` and
        ``comments_after(comments_after, limit)`` in one statement (one round trip, one snapshot)."""
        comments: list[tuple[int, Comment]] = []
        threads: list[tuple[int, Thread]] = []
        others: list[tuple[int, str, str]] = []
        with self.read() as conn:
            for r in conn.execute(_NEWS, {"thread_id": thread_id, "after_seq": after_seq, "seq": threads_after,
                                          "comment_seq": comments_after, "limit": limit}):
                if r.kind == 0:
                    comments.append((r.seq, Comment(id=r.id, thread_id=r.a, text=r.b, author=r.c, parent_id=r.d)))
                elif r.kind == 1:
                    threads.append((r.seq, Thread(id=r.id, title=r.a or "", body=r.c or "", target=r.b or "")))
                else:
                    others.append((r.seq, r.a, r.b))
        return comments, threads, others
