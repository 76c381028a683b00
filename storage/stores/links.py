"""Where a document was seen (source links) and its near-duplicate band keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.columns import dialect_insert
from storage.tables import DocumentBandRow, DocumentSourceRow

LINK_KEY = ("document_id", "url")


def insert_link(
    *, session: Session, document_id: int, source_id: int | None, url: str, seen_at: datetime
) -> bool:
    """Record that ``source_id`` carries the document at ``url``; False if already recorded.

    ``INSERT … ON CONFLICT DO NOTHING`` on (document, URL): racing writers never fail.
    """
    values = {
        "document_id": document_id,
        "source_id": source_id,
        "url": url,
        "first_seen_at": seen_at,
    }
    statement = (
        dialect_insert(session, _table())
        .values(values)
        .on_conflict_do_nothing(index_elements=list(LINK_KEY))
    )
    # RETURNING, not rowcount: through psycopg the rowcount of this statement is -1.
    return session.exec(statement.returning(col(DocumentSourceRow.id))).first() is not None


def _table() -> sa.Table:
    return DocumentSourceRow.__table__  # type: ignore[attr-defined,no-any-return]


def list_document_urls(*, session: Session, document_id: int) -> list[str]:
    """Every URL the document was seen at, first seen first."""
    statement = (
        select(DocumentSourceRow.url)
        .where(DocumentSourceRow.document_id == document_id)
        .order_by(col(DocumentSourceRow.first_seen_at), col(DocumentSourceRow.id))
    )
    return list(session.exec(statement))


def replace_bands(*, session: Session, document_id: int, bands: Sequence[int]) -> None:
    """Make ``bands`` the document's band keys (duplicates ignored)."""
    session.exec(sa.delete(DocumentBandRow).where(col(DocumentBandRow.document_id) == document_id))
    rows = [{"band_key": key, "document_id": document_id} for key in set(bands)]
    if rows:  # Core executemany: 32 ORM instances per document were a hot spot
        session.execute(sa.insert(DocumentBandRow.__table__), rows)  # type: ignore[attr-defined]


def find_near_duplicate_ids(*, session: Session, bands: Sequence[int], limit: int) -> list[int]:
    """Ids of documents sharing a band key with ``bands``, most keys shared first."""
    if not bands or limit <= 0:
        return []
    shared = sa.func.count().label("shared")
    statement = (
        select(DocumentBandRow.document_id, shared)
        .where(col(DocumentBandRow.band_key).in_(set(bands)))
        .group_by(col(DocumentBandRow.document_id))
        .order_by(shared.desc(), col(DocumentBandRow.document_id))
        .limit(limit)
    )
    return [document_id for document_id, _ in session.exec(statement)]
