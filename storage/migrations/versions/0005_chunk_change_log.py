"""SQLite: a change log of chunks, and the search index's record, for the tantivy chunk index.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 00:00:00

Written by hand; SQLite only (PostgreSQL searches its own ``tsv`` column).

- ``chunk_change``: triggers append the id of every chunk inserted, deleted or updated, in
  order (``seq`` is AUTOINCREMENT, so never reused). The search index applies the log past the
  last entry it holds, then prunes what it applied.
- ``search_index_state``: one row, the generation and last applied ``seq`` of the index on
  disk. The index is trusted only when its own record matches this one (a database restored
  from a backup, or an index from another database, is rebuilt instead).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = [
    """CREATE TABLE chunk_change (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        chunk_id INTEGER NOT NULL
    )""",
    """CREATE TRIGGER chunk_change_insert AFTER INSERT ON chunk BEGIN
        INSERT INTO chunk_change(chunk_id) VALUES (new.id);
    END""",
    """CREATE TRIGGER chunk_change_delete AFTER DELETE ON chunk BEGIN
        INSERT INTO chunk_change(chunk_id) VALUES (old.id);
    END""",
    """CREATE TRIGGER chunk_change_update AFTER UPDATE ON chunk BEGIN
        INSERT INTO chunk_change(chunk_id) VALUES (old.id);
        INSERT INTO chunk_change(chunk_id) VALUES (new.id);
    END""",
    """CREATE TABLE search_index_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        generation TEXT NOT NULL,
        applied_seq INTEGER NOT NULL
    )""",
]
SQLITE_DOWN = [
    "DROP TABLE IF EXISTS search_index_state",
    "DROP TRIGGER IF EXISTS chunk_change_update",
    "DROP TRIGGER IF EXISTS chunk_change_delete",
    "DROP TRIGGER IF EXISTS chunk_change_insert",
    "DROP TABLE IF EXISTS chunk_change",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
