"""Document reads: dedup lookups, the analysis backlog, passages."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from bot.domain.models import ChunkSpan, Document, DocumentKind, Passage
from storage.columns import as_utc
from storage.tables import AnalysisRow, ChunkRow, DocumentRow, SourceRow


def build_document(row: DocumentRow, *, source_name: str | None = None) -> Document:
    """The domain ``Document`` for ``row``."""
    assert row.id is not None
    return Document(
        id=row.id,
        source_id=row.source_id,
        url=row.url,
        canonical_url=row.canonical_url,
        title=row.title,
        text=row.text,
        kind=DocumentKind(row.kind),
        content_hash=row.content_hash,
        fetched_at=as_utc(row.fetched_at),
        published_at=None if row.published_at is None else as_utc(row.published_at),
        speaker=row.speaker,
        source_name=source_name,
        language=row.language,
        version=row.version,
        updated_at=None if row.updated_at is None else as_utc(row.updated_at),
        page_starts=tuple(row.page_starts),
    )


def _select_documents() -> Select[DocumentRow, str]:
    return select(DocumentRow, SourceRow.name).outerjoin(
        SourceRow, col(SourceRow.id) == col(DocumentRow.source_id)
    )


def _build_all(rows: Sequence[tuple[DocumentRow, str | None]]) -> list[Document]:
    return [build_document(row, source_name=name) for row, name in rows]


def find_document_by_url(*, session: Session, canonical_url: str) -> Document | None:
    """The document stored under this canonical URL, if any."""
    statement = _select_documents().where(DocumentRow.canonical_url == canonical_url)
    found = _build_all(session.exec(statement).all())
    return found[0] if found else None


def find_document_by_hash(*, session: Session, content_hash: str) -> Document | None:
    """The document whose current text has this content hash, if any."""
    statement = _select_documents().where(DocumentRow.content_hash == content_hash)
    found = _build_all(session.exec(statement).all())
    return found[0] if found else None


def get_documents(*, session: Session, ids: Sequence[int]) -> list[Document]:
    """The documents with these ids, in the order asked; unknown ids are left out."""
    if not ids:
        return []
    statement = _select_documents().where(col(DocumentRow.id).in_(list(ids)))
    by_id = {document.id: document for document in _build_all(session.exec(statement).all())}
    return [by_id[document_id] for document_id in ids if document_id in by_id]


def list_documents_to_analyze(
    *, session: Session, lens_id: str, model: str, prompt_version: str
) -> list[Document]:
    """Documents whose current text has no analysis for (lens, model, prompt version).

    New documents and documents revised since their last analysis; oldest fetched first.
    """
    analyzed = (
        select(AnalysisRow.id)
        .where(AnalysisRow.document_id == DocumentRow.id)
        .where(AnalysisRow.content_hash == DocumentRow.content_hash)
        .where(AnalysisRow.lens_id == lens_id)
        .where(AnalysisRow.model == model)
        .where(AnalysisRow.prompt_version == prompt_version)
    )
    statement = (
        _select_documents()
        .where(~sa.exists(analyzed))
        .order_by(col(DocumentRow.fetched_at), col(DocumentRow.id))
    )
    return _build_all(session.exec(statement).all())


def get_passages(
    *, session: Session, scored_chunk_ids: Sequence[tuple[int, float]]
) -> list[Passage]:
    """Passages for ``(chunk_id, score)`` pairs, in the order given."""
    chunk_ids = [chunk_id for chunk_id, _ in scored_chunk_ids]
    if not chunk_ids:
        return []
    chunks = {
        row.id: row for row in session.exec(select(ChunkRow).where(col(ChunkRow.id).in_(chunk_ids)))
    }
    documents = get_documents(
        session=session, ids=sorted({row.document_id for row in chunks.values()})
    )
    by_id = {document.id: document for document in documents}
    return [
        Passage(
            document=by_id[chunks[chunk_id].document_id],
            chunk=_build_span(chunks[chunk_id]),
            score=score,
        )
        for chunk_id, score in scored_chunk_ids
        if chunk_id in chunks
    ]


def _build_span(row: ChunkRow) -> ChunkSpan:
    return ChunkSpan(ordinal=row.ordinal, start=row.start, end=row.end, text=row.text)
