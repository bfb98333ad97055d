"""The Store: one engine, its schema kept current, read and write transactions."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from sqlalchemy import select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from moderation import settings
from moderation.errors import ConflictError, UnprocessableError
from moderation.store import engine as engine_mod
from moderation.store import schema

# What a store that stops answering mid-operation raises (connection refused or lost, SQLite file locked past
# its timeout): callers catch this name, not the driver's.
StoreUnavailable = OperationalError
_ROWS_LOCK = (0x726F7773, 0)  # "rows": PostgreSQL's two-key advisory lock that puts thread and comment rows in order
_TAKE_ROWS_LOCK = text("SELECT pg_advisory_xact_lock(:c, :k)").bindparams(c=_ROWS_LOCK[0], k=_ROWS_LOCK[1])


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class StoreBase:
    """Connection handling shared by the store's mixins; whoever opens a store closes it (or uses `with`)."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self._pid = os.getpid()
        self._unit = threading.local()  # this thread's atomic() block: its ExitStack and (once begun) connection

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    def _check_fork(self) -> None:
        # A forked worker must not reuse the parent's pooled connections.
        if os.getpid() != self._pid:
            self.engine.dispose(close=False)
            self._pid = os.getpid()

    def _rows_in_commit_order(self, conn: Connection) -> None:
        """Before inserting threads or comments: their row numbers (seq) follow commit order.

        PostgreSQL hands out seq at INSERT and shows the row at COMMIT, so a later row could commit first, and a
        reader that asks for "rows after the last seq I hold" (the workspaces, the relevance feed) would skip the
        earlier one for good. Inserting transactions take this lock, held until they end, so a row's seq is only
        handed out once every lower one is committed or gone. SQLite's write transactions are serial already."""
        if self.dialect == "postgresql":
            conn.execute(_TAKE_ROWS_LOCK)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction. Inside atomic(): before the block's first write, one read transaction shared by
        all its reads (one snapshot, one BEGIN and COMMIT for the lot); once it has written, its transaction, to
        read its own writes."""
        conn = getattr(self._unit, "conn", None)
        if conn is not None:
            yield conn
            return
        if getattr(self._unit, "stack", None) is not None:
            if getattr(self._unit, "rconn", None) is None:
                self._check_fork()
                reads = ExitStack()
                rconn = reads.enter_context(self.engine.connect())
                reads.enter_context(rconn.begin())
                self._unit.reads, self._unit.rconn = reads, rconn
            yield self._unit.rconn
            return
        self._check_fork()
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def _end_reads(self) -> None:
        # The block's shared read transaction ends (committed; it wrote nothing) before its write transaction
        # begins: SQLite's write lock is taken at BEGIN IMMEDIATE on another connection, never by upgrading a read.
        reads = getattr(self._unit, "reads", None)
        self._unit.reads = self._unit.rconn = None
        if reads is not None:
            reads.close()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: all or nothing (SQLite takes its write lock at BEGIN).

        Inside atomic() it joins the block's one transaction (a SAVEPOINT keeps this part all or nothing),
        begun at the block's first write. A unique-key violation (two requests inserting one key at the same
        moment, which PostgreSQL reports at INSERT) is a ConflictError, as the check-then-insert gives.
        """
        stack = getattr(self._unit, "stack", None)
        try:
            if stack is None:
                with self._transaction() as conn:
                    yield conn
                return
            if getattr(self._unit, "conn", None) is None:
                self._end_reads()
                self._unit.conn = stack.enter_context(self._transaction())
            with self._unit.conn.begin_nested():
                yield self._unit.conn
        except IntegrityError as exc:
            if not _unique_violation(exc):
                raise
            raise ConflictError("another request stored the same key at the same moment; retry to see it") from exc

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        self._check_fork()
        with self.engine.connect() as conn:
            conn.execution_options(sqlite_immediate=True)
            with conn.begin():
                yield conn

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Every write of this block (on this thread) in one transaction: all committed at its end, or none.

        Its reads before the first write share one read transaction (ended when the first write begins); nothing
        else is begun until the first write. Locks a write takes (SQLite's write lock, PostgreSQL's row and
        advisory locks) are held until the block ends. Nested blocks join the outer one.
        """
        if getattr(self._unit, "stack", None) is not None:
            yield
            return
        stack = ExitStack()
        self._unit.stack, self._unit.conn = stack, None
        try:
            with stack:  # its exit commits the block's transaction, or rolls it back on an exception
                yield
        finally:
            self._end_reads()
            self._unit.stack = self._unit.conn = None

    def _check_duplicate_of(self, conn: Connection, comment_id: str, duplicate_of: str | None) -> None:
        # A label naming a comment the store does not hold (or the comment itself) would be exported and then
        # refused by `moderation import`: refuse it here instead.
        if duplicate_of is None:
            return
        if duplicate_of == comment_id:
            raise UnprocessableError("a comment cannot be a duplicate of itself", field="duplicate_of")
        if conn.execute(select(schema.comments.c.id).where(schema.comments.c.id == duplicate_of)).first() is None:
            raise UnprocessableError(f"duplicate_of names unknown comment {duplicate_of!r}", field="duplicate_of")

    def get_meta(self, key: str) -> str | None:
        """A value from the meta table."""
        with self.read() as conn:
            return conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == key)).scalar()

    def set_meta_default(self, key: str, value: str) -> str:
        """Store value under key unless one is there; returns the stored value (race-safe)."""
        with self.write() as conn:
            current = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == key)).scalar()
            if current is not None:
                return current
            conn.execute(schema.meta.insert().values(key=key, value=value))
            return value

    def ping(self) -> bool:
        """True when the store answers a query."""
        with self.read() as conn:
            conn.exec_driver_sql("SELECT 1")
        return True

    def close(self) -> None:
        """Close the engine's pooled connections (in a forked child: drop the parent's without touching them)."""
        self._check_fork()
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _unique_violation(exc: IntegrityError) -> bool:
    orig = exc.orig
    return getattr(orig, "sqlstate", None) == "23505" or getattr(orig, "sqlite_errorname", None) in {
        "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}


def resolve_url(url: str | None = None) -> str:
    """The store URL: the argument, else MODERATION_DATABASE_URL, else the SQLite default."""
    return engine_mod.normalize_url(url or settings.get("database_url"))
