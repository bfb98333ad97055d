"""The foundation tables: threads, comments, labels, users, API keys, models, queues, decisions.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the foundation tables."""
    op.create_table(
        "threads",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(200), nullable=False, unique=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("ingested_at", TS, nullable=False),
    )
    op.create_table(
        "comments",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(200), nullable=False, unique=True),
        sa.Column("thread_id", sa.String(200), sa.ForeignKey("threads.id", ondelete="CASCADE"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("author", sa.String(200)),
        sa.Column("created_at", sa.String(64)),
        sa.Column("parent_id", sa.String(200)),
        sa.Column("score", sa.Integer),
        sa.Column("votes_up", sa.Integer),
        sa.Column("votes_down", sa.Integer),
        sa.Column("quote_attributions", sa.JSON),
        sa.Column("ingested_at", TS, nullable=False),
    )
    op.create_index("ix_comments_thread", "comments", ["thread_id", "seq"])
    op.create_table(
        "labels",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("comment_id", sa.String(200), sa.ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("stance", sa.String(16)),
        sa.Column("off_topic", sa.Boolean),
        sa.Column("duplicate_of", sa.String(200)),
        sa.Column("annotator", sa.String(200)),
        sa.Column("labelled_at", sa.String(64)),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("is_gold", sa.Boolean, nullable=False),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_labels_comment", "labels", ["comment_id", "seq"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("prefix", sa.String(32), nullable=False, unique=True),
        sa.Column("key_hash", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS),
    )
    op.create_table(
        "models",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("version", sa.String(200), nullable=False, unique=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("manifest", sa.JSON, nullable=False),
        sa.Column("registered_at", TS, nullable=False),
        sa.Column("promoted_at", TS),
    )
    op.create_table(
        "queue_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("comment_id", sa.String(200), sa.ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("priority", sa.Float, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("scores", sa.JSON, nullable=False),
        sa.Column("model_version", sa.String(200)),
        sa.Column("group_key", sa.String(200)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("closed_at", TS),
    )
    op.create_index("ix_queue_open", "queue_items", ["queue", "status", "priority"])
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("queue_item_id", sa.Integer, sa.ForeignKey("queue_items.id", ondelete="SET NULL")),
        sa.Column("comment_id", sa.String(200), sa.ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("reason_code", sa.String(64)),
        sa.Column("label", sa.JSON),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("decided_at", TS, nullable=False),
        sa.Column("scores", sa.JSON),
        sa.Column("model_version", sa.String(200)),
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    """Drop the foundation tables."""
    for name in ("meta", "decisions", "queue_items", "models", "api_keys", "users", "labels", "comments",
                 "threads"):
        op.drop_table(name)
