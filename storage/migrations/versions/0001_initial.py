"""Initial schema, with full-text search over chunks.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00

Written by hand. The full-text objects are not in the SQLModel metadata:
SQLite gets an FTS5 external-content table ``chunk_fts`` kept in step by triggers;
PostgreSQL gets a generated ``chunk.tsv`` column with a GIN index.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = [
    """CREATE VIRTUAL TABLE chunk_fts USING fts5(
        text, content='chunk', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER chunk_fts_insert AFTER INSERT ON chunk BEGIN
        INSERT INTO chunk_fts(rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TRIGGER chunk_fts_delete AFTER DELETE ON chunk BEGIN
        INSERT INTO chunk_fts(chunk_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END""",
    """CREATE TRIGGER chunk_fts_update AFTER UPDATE ON chunk BEGIN
        INSERT INTO chunk_fts(chunk_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO chunk_fts(rowid, text) VALUES (new.id, new.text);
    END""",
]
SQLITE_FTS_DROP = [
    "DROP TRIGGER IF EXISTS chunk_fts_update",
    "DROP TRIGGER IF EXISTS chunk_fts_delete",
    "DROP TRIGGER IF EXISTS chunk_fts_insert",
    "DROP TABLE IF EXISTS chunk_fts",
]
POSTGRES_FTS = [
    "ALTER TABLE chunk ADD COLUMN tsv tsvector"
    " GENERATED ALWAYS AS (to_tsvector('english', text)) STORED",
    "CREATE INDEX ix_chunk_tsv ON chunk USING GIN (tsv)",
]
POSTGRES_FTS_DROP = [
    "DROP INDEX IF EXISTS ix_chunk_tsv",
    "ALTER TABLE chunk DROP COLUMN IF EXISTS tsv",
]


def _utc(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id() -> sa.Column[object]:
    return sa.Column("id", sa.Integer(), nullable=False)


def upgrade() -> None:
    _create_sources_and_documents()
    _create_analyses()
    _create_chat_tables()
    _create_fulltext()


def _create_sources_and_documents() -> None:
    op.create_table(
        "source",
        _id(),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("speaker", sa.String(), nullable=True),
        sa.Column("statements", sa.Boolean(), nullable=False),
        sa.Column("document_kind", sa.String(), nullable=False),
        sa.Column("poll_minutes", sa.Integer(), nullable=False),
        sa.Column("link_pattern", sa.String(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("etag", sa.String(), nullable=True),
        sa.Column("last_modified", sa.String(), nullable=True),
        _utc("last_polled_at", nullable=True),
        _utc("last_ok_at", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        _utc("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_source"),
        sa.UniqueConstraint("name", name="uq_source_name"),
    )
    op.create_table(
        "document",
        _id(),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("canonical_url", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("speaker", sa.String(), nullable=True),
        _utc("published_at", nullable=True),
        _utc("fetched_at"),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("language", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_document"),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name="fk_document_source_id_source", ondelete="SET NULL"
        ),
        sa.UniqueConstraint("canonical_url", name="uq_document_canonical_url"),
        sa.UniqueConstraint("content_hash", name="uq_document_content_hash"),
    )
    op.create_index("ix_document_source_id", "document", ["source_id"])
    op.create_index("ix_document_fetched_at", "document", ["fetched_at"])
    op.create_table(
        "chunk",
        _id(),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_chunk"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name="fk_chunk_document_id_document",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("document_id", "ordinal", name="uq_chunk_document_id_ordinal"),
    )


def _create_analyses() -> None:
    op.create_table(
        "analysis",
        _id(),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("lens_id", sa.String(), nullable=False),
        sa.Column("prompt_version", sa.String(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("stance", sa.String(), nullable=False),
        sa.Column("stance_reason", sa.Text(), nullable=False),
        sa.Column("relevance", sa.Float(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("degraded", sa.Boolean(), nullable=False),
        sa.Column("quotes_dropped", sa.Integer(), nullable=False),
        sa.Column("tokens_in", sa.Integer(), nullable=True),
        sa.Column("tokens_out", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        _utc("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_analysis"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name="fk_analysis_document_id_document",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "document_id", "lens_id", "prompt_version", "model",
            name="uq_analysis_document_id_lens_id_prompt_version_model",
        ),
    )
    op.create_index("ix_analysis_lens_id", "analysis", ["lens_id"])
    op.create_table(
        "claim",
        _id(),
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("speaker", sa.String(), nullable=False),
        sa.Column("said_at", sa.Date(), nullable=True),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_claim"),
        sa.ForeignKeyConstraint(
            ["analysis_id"], ["analysis.id"], name="fk_claim_analysis_id_analysis",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name="fk_claim_document_id_document",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_claim_analysis_id", "claim", ["analysis_id"])
    op.create_index("ix_claim_document_id", "claim", ["document_id"])
    op.create_table(
        "indicator_obs",
        _id(),
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(), nullable=False),
        sa.Column("low", sa.Float(), nullable=True),
        sa.Column("high", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_indicator_obs"),
        sa.ForeignKeyConstraint(
            ["analysis_id"], ["analysis.id"], name="fk_indicator_obs_analysis_id_analysis",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name="fk_indicator_obs_document_id_document",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_indicator_obs_analysis_id", "indicator_obs", ["analysis_id"])
    op.create_index("ix_indicator_obs_document_id", "indicator_obs", ["document_id"])
    op.create_index("ix_indicator_obs_indicator", "indicator_obs", ["indicator"])
    op.create_table(
        "llm_call",
        _id(),
        sa.Column("prompt_id", sa.String(), nullable=False),
        sa.Column("prompt_version", sa.String(), nullable=False),
        sa.Column("prompt_sha256", sa.String(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("tokens_in", sa.Integer(), nullable=True),
        sa.Column("tokens_out", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        _utc("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_llm_call"),
    )


def _create_chat_tables() -> None:
    op.create_table(
        "subscription",
        _id(),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("workspace", sa.String(), nullable=True),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("at_time", sa.String(), nullable=False),
        sa.Column("timezone", sa.String(), nullable=False),
        sa.Column("days", sa.String(), nullable=False),
        sa.Column("lens_id", sa.String(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("webhook_url", sa.String(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _utc("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_subscription"),
    )
    op.create_table(
        "digest_run",
        _id(),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("edition", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("message_ts", sa.String(), nullable=True),
        sa.Column("permalink", sa.String(), nullable=True),
        sa.Column("cited_document_ids", sa.JSON(), nullable=False),
        _utc("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_digest_run"),
        sa.ForeignKeyConstraint(
            ["subscription_id"], ["subscription.id"],
            name="fk_digest_run_subscription_id_subscription", ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "subscription_id", "local_date", "edition",
            name="uq_digest_run_subscription_id_local_date_edition",
        ),
    )
    op.create_table(
        "conversation_turn",
        _id(),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("thread", sa.String(), nullable=True),
        sa.Column("user_id", sa.String(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("citations", sa.JSON(), nullable=False),
        sa.Column("feedback", sa.String(), nullable=True),
        _utc("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_conversation_turn"),
    )
    op.create_index(
        "ix_conversation_turn_thread", "conversation_turn", ["platform", "channel", "thread"]
    )
    op.create_table(
        "processed_event",
        _id(),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        _utc("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_processed_event"),
        sa.UniqueConstraint("platform", "event_id", name="uq_processed_event_platform_event_id"),
    )


def _create_fulltext() -> None:
    dialect = op.get_context().dialect.name
    statements = {"sqlite": SQLITE_FTS, "postgresql": POSTGRES_FTS}.get(dialect, [])
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    for statement in {"sqlite": SQLITE_FTS_DROP, "postgresql": POSTGRES_FTS_DROP}.get(dialect, []):
        op.execute(statement)
    for table in (
        "processed_event", "conversation_turn", "digest_run", "subscription", "llm_call",
        "indicator_obs", "claim", "analysis", "chunk", "document", "source",
    ):
        op.drop_table(table)
