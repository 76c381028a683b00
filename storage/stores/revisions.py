"""Document writes: a new document with its chunks, and a revision that keeps the old text."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain.errors import StorageError
from bot.domain.models import ChunkSpan, DocumentVersion, FetchedDocument
from storage.columns import as_utc
from storage.stores.links import insert_link, replace_bands
from storage.tables import ChunkRow, DocumentRow, DocumentVersionRow


def insert_document(
    *,
    session: Session,
    fetched: FetchedDocument,
    source_id: int | None,
    content_hash: str,
    bands: Sequence[int],
    chunks: Sequence[ChunkSpan],
    fetched_at: datetime,
) -> int:
    """Insert a document, its chunks (full-text indexed by the database), its band keys and
    its first source link (``source_id`` at ``fetched.url``); returns its id.

    Raises ``sqlalchemy.exc.IntegrityError`` when the canonical URL or hash is already stored.
    """
    row = DocumentRow(
        source_id=source_id,
        url=fetched.url,
        canonical_url=fetched.canonical_url,
        title=fetched.title,
        speaker=fetched.speaker,
        published_at=fetched.published_at,
        fetched_at=fetched_at,
        kind=fetched.kind.value,
        content_hash=content_hash,
        text=fetched.text,
        language=fetched.language,
        page_starts=list(fetched.page_starts),
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    insert_chunks(session=session, document_id=row.id, chunks=chunks)
    replace_bands(session=session, document_id=row.id, bands=bands)
    insert_link(
        session=session,
        document_id=row.id,
        source_id=source_id,
        url=fetched.url,
        seen_at=fetched_at,
    )
    session.flush()
    return row.id


def revise_document(
    *,
    session: Session,
    document_id: int,
    fetched: FetchedDocument,
    content_hash: str,
    bands: Sequence[int],
    chunks: Sequence[ChunkSpan],
    fetched_at: datetime,
) -> None:
    """Keep the document's current text as a version, then put ``fetched`` in its place.

    Chunks and band keys are replaced, ``version`` goes up by one and ``updated_at`` becomes
    ``fetched_at``; ``fetched_at`` (first seen) is kept. A published date or language the new
    reading lacks is kept from the old. The same text again changes nothing. Raises
    ``StorageError`` for an unknown document and ``sqlalchemy.exc.IntegrityError`` when another
    document already has ``content_hash``.
    """
    row = session.exec(
        select(DocumentRow).where(DocumentRow.id == document_id).with_for_update()
    ).first()
    if row is None:
        raise StorageError(f"no document with id {document_id} to revise")
    if row.content_hash == content_hash:
        return
    session.add(_build_version_row(row))
    session.exec(sa.delete(ChunkRow).where(col(ChunkRow.document_id) == document_id))
    insert_chunks(session=session, document_id=document_id, chunks=chunks)
    replace_bands(session=session, document_id=document_id, bands=bands)
    _apply_revision(row, fetched, content_hash=content_hash, fetched_at=fetched_at)
    session.add(row)
    session.flush()


def _build_version_row(row: DocumentRow) -> DocumentVersionRow:
    assert row.id is not None
    return DocumentVersionRow(
        document_id=row.id,
        version=row.version,
        title=row.title,
        text=row.text,
        content_hash=row.content_hash,
        published_at=row.published_at,
        fetched_at=row.updated_at or row.fetched_at,  # when this text was read
    )


def _apply_revision(
    row: DocumentRow, fetched: FetchedDocument, *, content_hash: str, fetched_at: datetime
) -> None:
    row.text = fetched.text
    row.title = fetched.title
    row.content_hash = content_hash
    row.published_at = fetched.published_at or row.published_at
    row.language = fetched.language or row.language
    row.page_starts = list(fetched.page_starts)
    row.version += 1
    row.updated_at = fetched_at


def insert_chunks(*, session: Session, document_id: int, chunks: Sequence[ChunkSpan]) -> None:
    """One executemany INSERT (the full-text triggers or generated column index them).

    Core rather than ORM objects: a document has a handful of chunks, and building ORM
    instances for them was most of the collector's write time.
    """
    if not chunks:
        return
    rows = [
        {
            "document_id": document_id,
            "ordinal": chunk.ordinal,
            "text": chunk.text,
            "start": chunk.start,
            "end": chunk.end,
        }
        for chunk in chunks
    ]
    session.execute(sa.insert(ChunkRow.__table__), rows)  # type: ignore[attr-defined]


def list_versions(*, session: Session, document_id: int) -> list[DocumentVersion]:
    """Earlier texts of the document, oldest first."""
    statement = (
        select(DocumentVersionRow)
        .where(DocumentVersionRow.document_id == document_id)
        .order_by(col(DocumentVersionRow.version))
    )
    return [_build_version(row) for row in session.exec(statement)]


def _build_version(row: DocumentVersionRow) -> DocumentVersion:
    return DocumentVersion(
        document_id=row.document_id,
        version=row.version,
        title=row.title,
        text=row.text,
        content_hash=row.content_hash,
        fetched_at=as_utc(row.fetched_at),
        published_at=None if row.published_at is None else as_utc(row.published_at),
    )
