"""Web app: users, API tokens, review queue state, full-text search (issue 7).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

Full-text search differs per dialect and lives only here (the models cannot declare it):

* SQLite: ``mention_fts``, an external-content FTS5 table over ``mention.text``, kept in sync
  by triggers; ``rowid`` is ``mention.id``.
* PostgreSQL: a GIN index on ``to_tsvector('simple', text)``; queries repeat that expression.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

SQLITE_FTS = (
    "CREATE VIRTUAL TABLE mention_fts USING fts5("
    "text, content='mention', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER mention_fts_ai AFTER INSERT ON mention BEGIN "
    "INSERT INTO mention_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER mention_fts_ad AFTER DELETE ON mention BEGIN "
    "INSERT INTO mention_fts(mention_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER mention_fts_au AFTER UPDATE OF text ON mention BEGIN "
    "INSERT INTO mention_fts(mention_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO mention_fts(rowid, text) VALUES (new.id, new.text); END",
    "INSERT INTO mention_fts(mention_fts) VALUES ('rebuild')",
)
SQLITE_FTS_DROP = (
    "DROP TRIGGER IF EXISTS mention_fts_au",
    "DROP TRIGGER IF EXISTS mention_fts_ad",
    "DROP TRIGGER IF EXISTS mention_fts_ai",
    "DROP TABLE IF EXISTS mention_fts",
)
POSTGRES_FTS = (
    "CREATE INDEX ix_mention_text_fts ON mention USING gin (to_tsvector('simple', text))"
)


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def upgrade() -> None:
    """Create the web tables, the keyset index and the dialect's full-text index."""
    op.create_table(
        "web_user",
        sa.Column("id", sa.Integer(), primary_key=True),
        *(_text(name) for name in ("name", "role", "password_hash")),
        _when("created_at"),
        sa.UniqueConstraint("name", name="uq_web_user_name"),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("web_user.id", ondelete="CASCADE", name="fk_api_token_user_id"),
            nullable=False,
        ),
        _text("token_hash"),
        _text("label"),
        _when("created_at"),
        sa.UniqueConstraint("token_hash", name="uq_api_token_token_hash"),
    )
    _create_review_state()
    op.create_index("ix_mention_brand_created_id", "mention_brand", ["created_epoch_us", "id"])
    _create_full_text()


def _create_review_state() -> None:
    op.create_table(
        "review_state",
        sa.Column(
            "mention_id",
            sa.Integer(),
            sa.ForeignKey("mention.id", ondelete="CASCADE", name="fk_review_state_mention_id"),
            primary_key=True,
        ),
        sa.Column("brand", sa.Text(), primary_key=True),
        _text("status"),
        _text("assignee", nullable=True),
        _text("note", nullable=True),
        _when("updated_at"),
        _text("updated_by", nullable=True),
    )
    op.create_index("ix_review_state_status", "review_state", ["status"])


def _create_full_text() -> None:
    dialect = op.get_bind().dialect.name
    statements = SQLITE_FTS if dialect == "sqlite" else (POSTGRES_FTS,)
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    """Drop everything ``upgrade`` created."""
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS_DROP:
            op.execute(statement)
    else:
        op.execute("DROP INDEX IF EXISTS ix_mention_text_fts")
    op.drop_index("ix_mention_brand_created_id", table_name="mention_brand")
    for table in ("review_state", "api_token", "web_user"):
        op.drop_table(table)
