"""Source rows: settings from a ``SourceSpec``, poll health, document counts."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain.models import DocumentKind, Source, SourceKind, SourceSpec
from storage.columns import as_utc
from storage.tables import DocumentSourceRow, SourceRow

MAX_ERROR_CHARS = 1000


def build_source(row: SourceRow, *, document_count: int = 0) -> Source:
    """The domain ``Source`` for ``row``."""
    assert row.id is not None
    spec = SourceSpec(
        name=row.name,
        url=row.url,
        kind=SourceKind(row.kind),
        tags=tuple(row.tags),
        speaker=row.speaker,
        statements=row.statements,
        document_kind=DocumentKind(row.document_kind),
        poll_minutes=row.poll_minutes,
        link_pattern=row.link_pattern,
        enabled=row.enabled,
        respect_robots=row.respect_robots,
    )
    return Source(
        id=row.id,
        spec=spec,
        etag=row.etag,
        last_modified=row.last_modified,
        last_polled_at=_maybe_utc(row.last_polled_at),
        last_ok_at=_maybe_utc(row.last_ok_at),
        last_error=row.last_error,
        failure_count=row.failure_count,
        document_count=document_count,
    )


def _maybe_utc(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def _apply_spec(row: SourceRow, spec: SourceSpec) -> None:
    row.name = spec.name
    row.url = spec.url
    row.kind = spec.kind.value
    row.tags = list(spec.tags)
    row.speaker = spec.speaker
    row.statements = spec.statements
    row.document_kind = spec.document_kind.value
    row.poll_minutes = spec.poll_minutes
    row.link_pattern = spec.link_pattern
    row.enabled = spec.enabled
    row.respect_robots = spec.respect_robots


def count_documents(*, session: Session, source_ids: list[int]) -> dict[int, int]:
    """How many documents each source carries (sources with none are left out).

    Counted through the document's source links: a syndicated story counts for every source.
    """
    if not source_ids:
        return {}
    statement = (
        select(
            DocumentSourceRow.source_id,
            sa.func.count(sa.distinct(col(DocumentSourceRow.document_id))),
        )
        .where(col(DocumentSourceRow.source_id).in_(source_ids))
        .group_by(col(DocumentSourceRow.source_id))
    )
    return {source_id: count for source_id, count in session.exec(statement) if source_id}


def _build_with_counts(session: Session, rows: list[SourceRow]) -> list[Source]:
    counts = count_documents(session=session, source_ids=[row.id for row in rows if row.id])
    return [build_source(row, document_count=counts.get(row.id or 0, 0)) for row in rows]


def _find_row(session: Session, name: str) -> SourceRow | None:
    return session.exec(select(SourceRow).where(SourceRow.name == name)).first()


def upsert_source(*, session: Session, spec: SourceSpec) -> Source:
    """Create the source named ``spec.name`` or update its settings, keeping its health."""
    row = _find_row(session, spec.name) or SourceRow(
        name=spec.name, kind=spec.kind.value, url=spec.url, document_kind=spec.document_kind.value
    )
    _apply_spec(row, spec)
    session.add(row)
    session.flush()
    return _build_with_counts(session, [row])[0]


def list_sources(*, session: Session, enabled_only: bool = False) -> list[Source]:
    """Every source by name, or only the enabled ones."""
    statement = select(SourceRow).order_by(col(SourceRow.name))
    if enabled_only:
        statement = statement.where(col(SourceRow.enabled).is_(True))
    return _build_with_counts(session, list(session.exec(statement)))


def get_source(*, session: Session, name: str) -> Source | None:
    """The source named ``name``, or None."""
    row = _find_row(session, name)
    return None if row is None else _build_with_counts(session, [row])[0]


def delete_source(*, session: Session, name: str) -> bool:
    """Delete the source named ``name``; its documents keep a NULL source. False if none."""
    result = session.exec(sa.delete(SourceRow).where(col(SourceRow.name) == name))
    return bool(result.rowcount)


def record_poll_ok(
    *,
    session: Session,
    source_id: int,
    at: datetime,
    etag: str | None,
    last_modified: str | None,
) -> None:
    """Store a successful poll: new validators, the error cleared, failures reset."""
    values = {
        "last_polled_at": at,
        "last_ok_at": at,
        "etag": etag,
        "last_modified": last_modified,
        "last_error": None,
        "failure_count": 0,
    }
    session.exec(sa.update(SourceRow).where(col(SourceRow.id) == source_id).values(values))


def record_poll_failure(*, session: Session, source_id: int, at: datetime, error: str) -> None:
    """Store a failed poll: the one-line error and one more consecutive failure."""
    values = {
        "last_polled_at": at,
        "last_error": " ".join(error.split())[:MAX_ERROR_CHARS],
        "failure_count": col(SourceRow.failure_count) + 1,
    }
    session.exec(sa.update(SourceRow).where(col(SourceRow.id) == source_id).values(values))
