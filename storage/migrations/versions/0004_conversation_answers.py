"""Chat turns remember whether they were answered, who gave feedback, and the reply's id.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 00:00:00

Written by hand.

- ``conversation_turn`` gains ``answered`` (False when the documents did not answer; such a turn
  is context, not a claim), ``reply_id`` (the platform's id of Briefbot's reply, so feedback and
  later edits can find it) and ``feedback_by`` (who pressed 👍/👎 last).
- ``processed_event`` gains an index on ``created_at`` (old records are pruned by age).
- ``digest_run`` gains an index on ``message_ts`` (a reply in a thread finds its digest).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "conversation_turn",
        sa.Column("answered", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.add_column("conversation_turn", sa.Column("reply_id", sa.String(), nullable=True))
    op.add_column("conversation_turn", sa.Column("feedback_by", sa.String(), nullable=True))
    op.create_index("ix_processed_event_created_at", "processed_event", ["created_at"])
    op.create_index("ix_digest_run_message_ts", "digest_run", ["message_ts"])


def downgrade() -> None:
    op.drop_index("ix_digest_run_message_ts", table_name="digest_run")
    op.drop_index("ix_processed_event_created_at", table_name="processed_event")
    with op.batch_alter_table("conversation_turn") as batch:
        for name in ("feedback_by", "reply_id", "answered"):
            batch.drop_column(name)
