"""Document versions, the sources a document was seen at, near-duplicate bands.

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01 00:00:00

Written by hand.

- ``document`` gains ``version``, ``updated_at`` and ``page_starts`` (``language`` is in 0001);
  ``source`` gains ``respect_robots``.
- ``document_version`` keeps earlier texts; ``document_source`` links a document to every
  source and URL it was seen at (backfilled with each document's own source and URL); ``document_band`` holds LSH band keys (not backfilled: older documents get none until
  they are revised, so they are found as duplicates by URL and hash only).
- ``analysis`` records the ``content_hash`` of the text it read (backfilled from the document,
  which had only one text before this revision) and is unique per text, so a revised document
  is analyzed again.

On SQLite, ``analysis`` is rebuilt (batch mode) to change its unique constraint. Dropping the
old table with foreign keys on (the engine turns them on, and PRAGMA can't turn them off inside
the migration's transaction) cascades into ``claim`` and ``indicator_obs``, so their rows are
copied aside and put back. ``chunk`` is never batch-altered: that would drop its FTS triggers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE = "sqlite"
OLD_ANALYSIS_UNIQUE = "uq_analysis_document_id_lens_id_prompt_version_model"
NEW_ANALYSIS_UNIQUE = "uq_analysis_document_hash_lens_prompt_model"
OLD_ANALYSIS_COLUMNS = ["document_id", "lens_id", "prompt_version", "model"]
NEW_ANALYSIS_COLUMNS = ["document_id", "content_hash", "lens_id", "prompt_version", "model"]
ANALYSIS_CHILDREN = ("claim", "indicator_obs")

BACKFILL_LINKS = """
INSERT INTO document_source (document_id, source_id, url, first_seen_at)
SELECT id, source_id, url, fetched_at FROM document
"""
BACKFILL_ANALYSIS_HASH = """
UPDATE analysis SET content_hash =
    (SELECT document.content_hash FROM document WHERE document.id = analysis.document_id)
"""
DELETE_SUPERSEDED_ANALYSES = """
DELETE FROM analysis WHERE content_hash <>
    (SELECT document.content_hash FROM document WHERE document.id = analysis.document_id)
"""


def _utc(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id() -> sa.Column[object]:
    return sa.Column("id", sa.Integer(), nullable=False)


def _document_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["document_id"], ["document.id"], name=f"fk_{table}_document_id_document",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    _add_document_and_source_columns()
    _create_document_version()
    _create_document_source()
    _create_document_band()
    _key_analysis_by_text()


def _add_document_and_source_columns() -> None:
    op.add_column(
        "document",
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )
    op.add_column("document", _utc("updated_at", nullable=True))
    op.add_column(
        "document", sa.Column("page_starts", sa.JSON(), server_default="[]", nullable=False)
    )
    op.add_column(
        "source",
        sa.Column("respect_robots", sa.Boolean(), server_default=sa.true(), nullable=False),
    )


def _create_document_version() -> None:
    op.create_table(
        "document_version",
        _id(),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        _utc("published_at", nullable=True),
        _utc("fetched_at"),
        sa.PrimaryKeyConstraint("id", name="pk_document_version"),
        _document_fk("document_version"),
        sa.UniqueConstraint(
            "document_id", "version", name="uq_document_version_document_id_version"
        ),
    )


def _create_document_source() -> None:
    op.create_table(
        "document_source",
        _id(),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(), nullable=False),
        _utc("first_seen_at"),
        sa.PrimaryKeyConstraint("id", name="pk_document_source"),
        _document_fk("document_source"),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name="fk_document_source_source_id_source",
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint("document_id", "url", name="uq_document_source_document_id_url"),
    )
    op.create_index("ix_document_source_source_id", "document_source", ["source_id"])
    op.execute(BACKFILL_LINKS)


def _create_document_band() -> None:
    op.create_table(
        "document_band",
        sa.Column("band_key", sa.BigInteger(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("band_key", "document_id", name="pk_document_band"),
        _document_fk("document_band"),
    )
    op.create_index("ix_document_band_document_id", "document_band", ["document_id"])


def _key_analysis_by_text() -> None:
    op.add_column("analysis", sa.Column("content_hash", sa.String(), nullable=True))
    op.execute(BACKFILL_ANALYSIS_HASH)
    with _analysis_children_kept():
        with op.batch_alter_table("analysis") as batch:
            batch.alter_column("content_hash", existing_type=sa.String(), nullable=False)
            batch.drop_constraint(OLD_ANALYSIS_UNIQUE, type_="unique")
            batch.create_unique_constraint(NEW_ANALYSIS_UNIQUE, NEW_ANALYSIS_COLUMNS)


@contextmanager
def _analysis_children_kept() -> Iterator[None]:
    """On SQLite, copy claims and observations aside while ``analysis`` is rebuilt."""
    sqlite = op.get_context().dialect.name == SQLITE
    for table in ANALYSIS_CHILDREN if sqlite else ():
        op.execute(f"CREATE TEMP TABLE _kept_{table} AS SELECT * FROM {table}")
    yield
    for table in ANALYSIS_CHILDREN if sqlite else ():
        op.execute(f"DELETE FROM {table}")  # the cascade emptied it; this makes sure
        op.execute(f"INSERT INTO {table} SELECT * FROM _kept_{table}")
        op.execute(f"DROP TABLE _kept_{table}")


def downgrade() -> None:
    op.execute(DELETE_SUPERSEDED_ANALYSES)
    with _analysis_children_kept():
        with op.batch_alter_table("analysis") as batch:
            batch.drop_constraint(NEW_ANALYSIS_UNIQUE, type_="unique")
            batch.create_unique_constraint(OLD_ANALYSIS_UNIQUE, OLD_ANALYSIS_COLUMNS)
            batch.drop_column("content_hash")
    op.drop_index("ix_document_band_document_id", table_name="document_band")
    op.drop_table("document_band")
    op.drop_index("ix_document_source_source_id", table_name="document_source")
    op.drop_table("document_source")
    op.drop_table("document_version")
    op.drop_column("source", "respect_robots")
    for column in ("page_starts", "updated_at", "version"):
        op.drop_column("document", column)
