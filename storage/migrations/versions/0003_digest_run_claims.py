"""Digest runs that can be claimed again, and the period each posted digest covered.

Revision ID: 0003
Revises: 0002
Create Date: 2025-03-01 00:00:00

Written by hand.

- ``digest_run`` gains ``claimed_at`` (the latest claim, backfilled from ``created_at``),
  ``attempts``, ``error`` (a failed post's one-line reason), ``period_start``/``period_end``
  (what the posted digest covered: the next one starts at ``period_end``) and ``posted_at``.
- ``subscription`` gains ``created_by`` (the platform user who subscribed).

On SQLite ``digest_run`` is rebuilt (batch mode) to make ``claimed_at`` NOT NULL; no table
refers to ``digest_run``, so nothing cascades.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMES = ("period_start", "period_end", "posted_at")


def upgrade() -> None:
    op.add_column("subscription", sa.Column("created_by", sa.String(), nullable=True))
    op.add_column("digest_run", sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "digest_run",
        sa.Column("attempts", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )
    op.add_column("digest_run", sa.Column("error", sa.Text(), nullable=True))
    for name in TIMES:
        op.add_column("digest_run", sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE digest_run SET claimed_at = created_at")
    with op.batch_alter_table("digest_run") as batch:
        batch.alter_column(
            "claimed_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("digest_run") as batch:
        for name in ("claimed_at", "attempts", "error", *TIMES):
            batch.drop_column(name)
    op.drop_column("subscription", "created_by")
