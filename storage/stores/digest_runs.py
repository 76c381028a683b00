"""Digest run rows: claimed under a unique key before posting, then marked posted or failed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain.errors import StorageError
from bot.domain.subscriptions import DigestRun, PostedMessage, RunStatus
from storage.columns import as_utc, dialect_insert
from storage.tables import DigestRunRow

RUN_KEY = ("subscription_id", "local_date", "edition")
MAX_ERROR_CHARS = 1000


def _table() -> sa.Table:
    return DigestRunRow.__table__  # type: ignore[attr-defined,no-any-return]


def _maybe_utc(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def build_digest_run(row: DigestRunRow) -> DigestRun:
    """The domain ``DigestRun`` for ``row``."""
    assert row.id is not None
    return DigestRun(
        id=row.id,
        subscription_id=row.subscription_id,
        local_date=row.local_date,
        edition=row.edition,
        status=RunStatus(row.status),
        created_at=as_utc(row.created_at),
        claimed_at=as_utc(row.claimed_at),
        attempts=row.attempts,
        period_start=_maybe_utc(row.period_start),
        period_end=_maybe_utc(row.period_end),
        posted_at=_maybe_utc(row.posted_at),
        message_ts=row.message_ts,
        permalink=row.permalink,
        error=row.error,
        cited_document_ids=tuple(row.cited_document_ids),
    )


def claim_digest_run(
    *,
    session: Session,
    subscription_id: int,
    local_date: date,
    now: datetime,
    abandoned_before: datetime,
    new_edition: bool = False,
) -> DigestRun | None:
    """Claim the digest of ``local_date`` (see ``DigestRunStore.claim_digest_run``)."""
    if new_edition:
        newest = _newest_run(session, subscription_id, local_date)
        if newest is not None and _is_busy(newest, abandoned_before):
            return None  # an edition is being posted right now (a double click, a redelivery)
        edition = 1 if newest is None else newest.edition + 1
        run_id = _insert_run(session, subscription_id, local_date, edition, now)
    else:
        run_id = _insert_run(session, subscription_id, local_date, 1, now)
        if run_id is None:
            run_id = _retake_run(session, subscription_id, local_date, now, abandoned_before)
    return None if run_id is None else get_digest_run(session=session, run_id=run_id)


def _newest_run(session: Session, subscription_id: int, local_date: date) -> DigestRun | None:
    statement = (
        select(DigestRunRow)
        .where(
            DigestRunRow.subscription_id == subscription_id,
            DigestRunRow.local_date == local_date,
        )
        .order_by(col(DigestRunRow.edition).desc())
        .limit(1)
    )
    row = session.exec(statement).first()
    return None if row is None else build_digest_run(row)


def _is_busy(run: DigestRun, abandoned_before: datetime) -> bool:
    return run.status is RunStatus.PENDING and run.claimed_at >= abandoned_before


def _insert_run(
    session: Session, subscription_id: int, local_date: date, edition: int, now: datetime
) -> int | None:
    """``INSERT … ON CONFLICT DO NOTHING``: the run's id, or None when the key is taken."""
    values = {
        "subscription_id": subscription_id,
        "local_date": local_date,
        "edition": edition,
        "status": RunStatus.PENDING.value,
        "cited_document_ids": [],
        "created_at": now,
        "claimed_at": now,
        "attempts": 1,
    }
    statement = (
        dialect_insert(session, _table())
        .values(values)
        .on_conflict_do_nothing(index_elements=list(RUN_KEY))
        .returning(_table().c.id)
    )
    # RETURNING, not rowcount: through psycopg the rowcount of this statement is -1.
    found = session.execute(statement).scalar()
    return None if found is None else int(found)


def _retake_run(
    session: Session,
    subscription_id: int,
    local_date: date,
    now: datetime,
    abandoned_before: datetime,
) -> int | None:
    """Claim again the date's newest run when it failed or its claimer died, and no run of
    that date was posted. One conditional UPDATE: of racing callers, one matches."""
    table = _table()
    other = table.alias("other")
    same_day = (other.c.subscription_id == subscription_id, other.c.local_date == local_date)
    newest = sa.select(other.c.id).where(*same_day).order_by(other.c.edition.desc()).limit(1)
    posted = sa.select(other.c.id).where(*same_day, other.c.status == RunStatus.POSTED.value)
    retakable = sa.or_(
        table.c.status == RunStatus.FAILED.value,
        sa.and_(table.c.status == RunStatus.PENDING.value, table.c.claimed_at < abandoned_before),
    )
    statement = (
        sa.update(table)
        .where(table.c.id == newest.scalar_subquery(), retakable, ~sa.exists(posted))
        .values(
            status=RunStatus.PENDING.value,
            claimed_at=now,
            attempts=table.c.attempts + 1,
            error=None,
        )
        .returning(table.c.id)
    )
    found = session.execute(statement).scalar()
    return None if found is None else int(found)


def get_digest_run(*, session: Session, run_id: int) -> DigestRun:
    """The run with this id; raises ``StorageError`` when it is gone (its subscription was
    deleted)."""
    row = session.get(DigestRunRow, run_id)
    if row is None:
        raise StorageError(f"digest run {run_id} no longer exists")
    session.refresh(row)
    return build_digest_run(row)


def record_digest_posted(
    *,
    session: Session,
    run_id: int,
    message: PostedMessage,
    posted_at: datetime,
    period_start: datetime | None,
    period_end: datetime,
    cited_document_ids: Sequence[int] = (),
) -> DigestRun:
    """Mark the run posted with where its message is and what it covered."""
    values = {
        "status": RunStatus.POSTED.value,
        "message_ts": message.ts,
        "permalink": message.permalink,
        "posted_at": posted_at,
        "period_start": period_start,
        "period_end": period_end,
        "cited_document_ids": list(cited_document_ids),
        "error": None,
    }
    session.execute(sa.update(_table()).where(_table().c.id == run_id).values(values))
    return get_digest_run(session=session, run_id=run_id)


def record_digest_failed(*, session: Session, run_id: int, error: str) -> DigestRun:
    """Mark the run failed with its one-line reason."""
    values = {
        "status": RunStatus.FAILED.value,
        "error": " ".join(error.split())[:MAX_ERROR_CHARS],
    }
    session.execute(sa.update(_table()).where(_table().c.id == run_id).values(values))
    return get_digest_run(session=session, run_id=run_id)


def last_posted_run(*, session: Session, subscription_id: int) -> DigestRun | None:
    """The subscription's posted run with the latest ``period_end``."""
    statement = (
        select(DigestRunRow)
        .where(
            DigestRunRow.subscription_id == subscription_id,
            DigestRunRow.status == RunStatus.POSTED.value,
        )
        .order_by(col(DigestRunRow.period_end).desc(), col(DigestRunRow.id).desc())
        .limit(1)
    )
    row = session.exec(statement).first()
    return None if row is None else build_digest_run(row)


def list_digest_runs(
    *, session: Session, subscription_id: int, local_date: date | None = None
) -> list[DigestRun]:
    """The subscription's runs, oldest local date and edition first."""
    statement = (
        select(DigestRunRow)
        .where(DigestRunRow.subscription_id == subscription_id)
        .order_by(col(DigestRunRow.local_date), col(DigestRunRow.edition))
    )
    if local_date is not None:
        statement = statement.where(DigestRunRow.local_date == local_date)
    return [build_digest_run(row) for row in session.exec(statement)]
