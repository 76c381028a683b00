"""Degraded analyses: finding them, and deleting one so the document is read again."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain.models import Document
from storage.stores.analyses import find_analysis_id
from storage.stores.documents import build_document
from storage.tables import AnalysisRow, ClaimRow, DocumentRow, IndicatorObsRow, SourceRow


def list_degraded_documents(
    *, session: Session, lens_id: str, model: str, prompt_version: str
) -> list[Document]:
    """Documents whose current text's analysis for (lens, model, prompt version) is degraded;
    oldest fetched first."""
    statement = (
        select(DocumentRow, SourceRow.name)
        .join(AnalysisRow, col(AnalysisRow.document_id) == col(DocumentRow.id))
        .outerjoin(SourceRow, col(SourceRow.id) == col(DocumentRow.source_id))
        .where(
            col(AnalysisRow.content_hash) == col(DocumentRow.content_hash),
            AnalysisRow.lens_id == lens_id,
            AnalysisRow.model == model,
            AnalysisRow.prompt_version == prompt_version,
            col(AnalysisRow.degraded).is_(True),
        )
        .order_by(col(DocumentRow.fetched_at), col(DocumentRow.id))
    )
    return [build_document(row, source_name=name) for row, name in session.exec(statement)]


def delete_analysis(
    *, session: Session, document_id: int, lens_id: str, model: str, prompt_version: str
) -> bool:
    """Delete the analysis of the document's current text for (lens, model, prompt version)
    with its claims and observations; False when there was none.

    Child rows are deleted explicitly rather than left to ``ON DELETE CASCADE``, so the result
    does not depend on a connection having foreign keys switched on.
    """
    analysis_id = find_analysis_id(
        session=session,
        document_id=document_id,
        lens_id=lens_id,
        model=model,
        prompt_version=prompt_version,
    )
    if analysis_id is None:
        return False
    session.exec(sa.delete(ClaimRow).where(col(ClaimRow.analysis_id) == analysis_id))
    session.exec(sa.delete(IndicatorObsRow).where(col(IndicatorObsRow.analysis_id) == analysis_id))
    session.exec(sa.delete(AnalysisRow).where(col(AnalysisRow.id) == analysis_id))
    return True
