"""Table definitions (SQLAlchemy Core). Migrations create them; code queries through these objects."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

threads = Table(
    "threads", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(200), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False, default=""),
    Column("target", Text, nullable=False),
    Column("url", Text),
    Column("ingested_at", DateTime(timezone=True), nullable=False),
)

comments = Table(
    "comments", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(200), nullable=False, unique=True),
    Column("thread_id", String(200), ForeignKey("threads.id", ondelete="CASCADE"), nullable=False),
    Column("text", Text, nullable=False),
    Column("author", String(200)),
    Column("created_at", String(64)),
    Column("parent_id", String(200)),
    Column("score", Integer),
    Column("votes_up", Integer),
    Column("votes_down", Integer),
    Column("quote_attributions", JSON),
    Column("ingested_at", DateTime(timezone=True), nullable=False),
    Index("ix_comments_thread", "thread_id", "seq"),
)

# Several annotators per comment; `source` says whether a label came from an import, the form or a
# moderator's decision; `is_gold` marks a lead's adjudicated label.
labels = Table(
    "labels", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("comment_id", String(200), ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
    Column("stance", String(16)),
    Column("off_topic", Boolean),
    Column("duplicate_of", String(200)),
    Column("annotator", String(200)),
    Column("labelled_at", String(64)),
    Column("source", String(16), nullable=False, default="import"),
    Column("is_gold", Boolean, nullable=False, default=False),
    Column("note", Text),
    Index("ix_labels_comment", "comment_id", "seq"),
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(300), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Bumped by logout and password change: a session signed with an older epoch is no longer valid.
    Column("session_epoch", Integer, nullable=False, default=0, server_default="0"),
)

# Failed sign-ins per account and per client address in the current window (migration 0003): shared by every
# worker, so the throttle holds however gunicorn spreads the requests.
login_failures = Table(
    "login_failures", metadata,
    Column("key", String(100), primary_key=True),
    Column("window_start", Float, nullable=False),
    Column("count", Integer, nullable=False),
)

api_keys = Table(
    "api_keys", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("prefix", String(32), nullable=False, unique=True),
    Column("key_hash", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    Column("name", String(200)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

models = Table(
    "models", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version", String(200), nullable=False, unique=True),
    Column("path", Text, nullable=False),
    Column("manifest", JSON, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("promoted_at", DateTime(timezone=True)),
)

queue_items = Table(
    "queue_items", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("comment_id", String(200), ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
    Column("queue", String(64), nullable=False),
    Column("priority", Float, nullable=False, default=0.0),
    Column("reasons", JSON, nullable=False),
    Column("scores", JSON, nullable=False),
    Column("model_version", String(200)),
    Column("group_key", String(200)),
    Column("status", String(16), nullable=False, default="open"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Index("ix_queue_open", "queue", "status", "priority"),
)

# The audit log: one row per decision, never updated.
decisions = Table(
    "decisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("queue_item_id", Integer, ForeignKey("queue_items.id", ondelete="SET NULL")),
    Column("comment_id", String(200), ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
    Column("action", String(16), nullable=False),
    Column("reason_code", String(64)),
    Column("label", JSON),
    Column("actor", String(200), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("scores", JSON),
    Column("model_version", String(200)),
)

# Key/value pairs the service keeps (e.g. a generated secret key).
meta = Table(
    "meta", metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

# The duplicate index (migration 0002, issue 3): one entry per indexed comment (its own text, folded, with its
# MinHash signature) and one row per LSH band hash, so a lookup reads only the entries sharing a band.
# No foreign key to comments: the service may index a scored comment before (or without) storing it.
dup_entries = Table(
    "dup_entries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("comment_id", String(200), nullable=False, unique=True),
    Column("thread_id", String(200)),
    Column("author", String(200)),
    Column("text_hash", BigInteger, nullable=False),
    Column("n_words", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("signature", LargeBinary),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_dup_entries_hash", "text_hash"),
)

dup_bands = Table(
    "dup_bands", metadata,
    Column("band_hash", BigInteger, primary_key=True),
    Column("entry_id", Integer, ForeignKey("dup_entries.id", ondelete="CASCADE"), primary_key=True),
    sqlite_with_rowid=False,
)
