"""The duplicate index: entries (folded own text, MinHash signature) and their LSH band hashes.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create dup_entries and dup_bands (band rows clustered by band hash: a lookup is an index seek)."""
    op.create_table(
        "dup_entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("comment_id", sa.String(200), nullable=False, unique=True),
        sa.Column("thread_id", sa.String(200)),
        sa.Column("author", sa.String(200)),
        sa.Column("text_hash", sa.BigInteger, nullable=False),
        sa.Column("n_words", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("signature", sa.LargeBinary),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_dup_entries_hash", "dup_entries", ["text_hash"])
    op.create_table(
        "dup_bands",
        sa.Column("band_hash", sa.BigInteger, primary_key=True),
        sa.Column("entry_id", sa.Integer, sa.ForeignKey("dup_entries.id", ondelete="CASCADE"), primary_key=True),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    """Drop the duplicate index."""
    op.drop_table("dup_bands")
    op.drop_table("dup_entries")
