"""The Store: one engine, its schema kept current, read and write transactions."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from moderation import settings
from moderation.store import engine as engine_mod
from moderation.store import schema


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class StoreBase:
    """Connection handling shared by the store's mixins."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self._pid = os.getpid()

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    def _check_fork(self) -> None:
        # A forked worker must not reuse the parent's pooled connections.
        if os.getpid() != self._pid:
            self.engine.dispose(close=False)
            self._pid = os.getpid()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction."""
        self._check_fork()
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: all or nothing (SQLite takes its write lock at BEGIN)."""
        self._check_fork()
        with self.engine.connect() as conn:
            conn.execution_options(sqlite_immediate=True)
            with conn.begin():
                yield conn

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
        """Release the engine's connections."""
        self.engine.dispose()


def resolve_url(url: str | None = None) -> str:
    """The store URL: the argument, else MODERATION_DATABASE_URL, else the SQLite default."""
    return engine_mod.normalize_url(url or settings.get("database_url"))
