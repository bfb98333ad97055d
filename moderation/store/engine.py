"""Engines for SQLite (WAL, foreign keys on) and PostgreSQL, and schema migrations on first use."""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.pool import QueuePool

from moderation.errors import InputError, UnavailableError

MIGRATIONS = Path(__file__).with_name("migrations")
_ADVISORY_KEY = 0x6D6F6465  # "mode": one PostgreSQL advisory lock serialises migrations
_lock = threading.Lock()


def normalize_url(url: str) -> str:
    """Accept postgres:// and postgresql:// URLs and pick the psycopg (v3) driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API objects
    # The driver's own transaction handling defers BEGIN; we emit BEGIN ourselves (see _sqlite_begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # Writers take the write lock up front (BEGIN IMMEDIATE) so busy_timeout applies instead of a
    # deadlock error on lock upgrade; readers start deferred transactions and never block writers (WAL).
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    url = normalize_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InputError(f"MODERATION_DATABASE_URL: not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        # Pooled connections: opening a file and running the pragmas costs ~1.5 ms, several times a
        # request otherwise. The pool is dropped after a fork (StoreBase._check_fork).
        engine = create_engine(url, poolclass=QueuePool, pool_size=8, max_overflow=16,
                               connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if backend == "postgresql":
        # No pre-ping: a "SELECT 1" round trip on every checkout (several per request) tripled the service's
        # paced p99 (55-65 ms against 15-17 ms, benchmarks/serve.py). A connection lost to a server restart
        # fails one request; SQLAlchemy then invalidates the whole pool, and pool_recycle retires idle ones.
        return create_engine(url, pool_pre_ping=False, pool_recycle=1800, pool_size=5, max_overflow=10)
    raise InputError(f"MODERATION_DATABASE_URL: unsupported database {backend!r} (use sqlite or postgresql)")


def _alembic_config(conn: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    """The newest migration's revision id."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Only one process migrates at a time (several gunicorn workers start together)."""
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            yield
            return
        with open(str(Path(database).resolve()) + ".migrate-lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _ADVISORY_KEY})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _ADVISORY_KEY})
            conn.commit()


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration, keeping existing data."""
    head = head_revision()
    try:
        if current_revision(engine) == head:
            return
        with (_lock, _migration_lock(engine), engine.connect() as conn,
              conn.execution_options(sqlite_immediate=True).begin()):
            if MigrationContext.configure(conn).get_current_revision() == head:
                return
            command.upgrade(_alembic_config(conn), "head")
    except OperationalError as exc:
        # Host, user and database name go to the log, not to the caller (a 503 is answered to anyone).
        logging.getLogger("moderation.store").error("cannot reach the store at %s: %s", engine.url,
                                                    str(exc.orig).strip().splitlines()[0])
        raise UnavailableError(f"cannot reach the store ({engine.dialect.name}); the server log has the "
                               "details") from exc
