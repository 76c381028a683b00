"""Analysis rows with their claims and indicator observations.

An analysis reads one text of a document (its ``content_hash``). Lists show only analyses of
each document's current text: once a revised document is analyzed again, the reading of its
old text (whose offsets point into that text) drops out of the ledger and the series.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain.errors import StorageError
from bot.domain.models import (
    AnalysisResult,
    Claim,
    ClaimScope,
    IndicatorObservation,
    Stance,
    StoredAnalysis,
    StoredClaim,
    StoredObservation,
)
from storage.columns import as_utc
from storage.stores.documents import build_document
from storage.tables import AnalysisRow, ClaimRow, DocumentRow, IndicatorObsRow, SourceRow


def insert_analysis(
    *,
    session: Session,
    document_id: int,
    lens_id: str,
    result: AnalysisResult,
    created_at: datetime,
    content_hash: str | None = None,
) -> int:
    """Insert an analysis of the text with ``content_hash`` (default: the document's current
    text), with its claims and observations; returns its id.

    Raises ``sqlalchemy.exc.IntegrityError`` when that text already has an analysis for this
    (lens, prompt version, model), and ``StorageError`` when there is no such document.
    """
    current_hash = find_content_hash(session=session, document_id=document_id)
    if current_hash is None:
        raise StorageError(f"no document with id {document_id} to analyze")
    row = AnalysisRow(
        document_id=document_id,
        content_hash=content_hash or current_hash,
        lens_id=lens_id,
        prompt_version=result.prompt_version,
        model=result.model,
        stance=result.stance.value,
        stance_reason=result.stance_reason,
        relevance=result.relevance,
        summary=result.summary,
        degraded=result.degraded,
        quotes_dropped=result.quotes_dropped,
        tokens_in=result.tokens_in,
        tokens_out=result.tokens_out,
        latency_ms=result.latency_ms,
        created_at=created_at,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    session.add_all(_build_claim_row(row.id, document_id, claim) for claim in result.claims)
    session.add_all(_build_obs_row(row.id, document_id, obs) for obs in result.indicators)
    session.flush()
    return row.id


def _build_claim_row(analysis_id: int, document_id: int, claim: Claim) -> ClaimRow:
    return ClaimRow(
        analysis_id=analysis_id,
        document_id=document_id,
        speaker=claim.speaker,
        said_at=claim.said_at,
        quote=claim.quote,
        start=claim.start,
        end=claim.end,
        scope=claim.scope.value,
    )


def _build_obs_row(
    analysis_id: int, document_id: int, obs: IndicatorObservation
) -> IndicatorObsRow:
    return IndicatorObsRow(
        analysis_id=analysis_id,
        document_id=document_id,
        indicator=obs.indicator,
        low=obs.low,
        high=obs.high,
        unit=obs.unit,
        as_of=obs.as_of,
        quote=obs.quote,
        start=obs.start,
        end=obs.end,
    )


def find_content_hash(*, session: Session, document_id: int) -> str | None:
    """The content hash of the document's current text, or None for an unknown document."""
    statement = select(DocumentRow.content_hash).where(DocumentRow.id == document_id)
    return session.exec(statement).first()


def find_analysis_id(
    *, session: Session, document_id: int, lens_id: str, model: str, prompt_version: str
) -> int | None:
    """The id of the analysis of the document's current text for this lens, model and prompt
    version, if any."""
    statement = select(AnalysisRow.id).where(
        AnalysisRow.document_id == document_id,
        AnalysisRow.content_hash == _current_hash_of(document_id),
        AnalysisRow.lens_id == lens_id,
        AnalysisRow.model == model,
        AnalysisRow.prompt_version == prompt_version,
    )
    return session.exec(statement).first()


def _current_hash_of(document_id: int) -> sa.ScalarSelect[str]:
    return select(DocumentRow.content_hash).where(DocumentRow.id == document_id).scalar_subquery()


def _reads_current_text() -> sa.ColumnElement[bool]:
    """The analysis read the document's current text (use with both tables joined)."""
    return col(AnalysisRow.content_hash) == col(DocumentRow.content_hash)


def build_claim(row: ClaimRow) -> Claim:
    """The domain ``Claim`` for ``row``."""
    return Claim(
        speaker=row.speaker,
        quote=row.quote,
        start=row.start,
        end=row.end,
        scope=ClaimScope(row.scope),
        said_at=row.said_at,
    )


def build_observation(row: IndicatorObsRow) -> IndicatorObservation:
    """The domain ``IndicatorObservation`` for ``row``."""
    return IndicatorObservation(
        indicator=row.indicator,
        quote=row.quote,
        start=row.start,
        end=row.end,
        low=row.low,
        high=row.high,
        unit=row.unit,
        as_of=row.as_of,
    )


def list_analyses(
    *, session: Session, lens_id: str, since: datetime | None = None
) -> list[StoredAnalysis]:
    """Analyses under ``lens_id`` made at or after ``since``, newest document first.

    By analysis time, not fetch time: a document fetched just before a digest was built but
    analyzed just after belongs to the next digest instead of to neither.
    """
    statement = (
        select(AnalysisRow, DocumentRow, SourceRow.name)
        .join(DocumentRow, col(DocumentRow.id) == col(AnalysisRow.document_id))
        .outerjoin(SourceRow, col(SourceRow.id) == col(DocumentRow.source_id))
        .where(AnalysisRow.lens_id == lens_id, _reads_current_text())
        .order_by(col(DocumentRow.fetched_at).desc(), col(AnalysisRow.id).desc())
    )
    if since is not None:
        statement = statement.where(col(AnalysisRow.created_at) >= since)
    rows = session.exec(statement).all()
    analysis_ids = [analysis.id for analysis, _, _ in rows if analysis.id is not None]
    claims = _load_claims(session, analysis_ids)
    observations = _load_observations(session, analysis_ids)
    return [
        StoredAnalysis(
            id=analysis.id or 0,
            document=build_document(document, source_name=source_name),
            result=_build_result(analysis, claims[analysis.id], observations[analysis.id]),
            lens_id=analysis.lens_id,
            created_at=as_utc(analysis.created_at),
        )
        for analysis, document, source_name in rows
    ]


def _build_result(
    row: AnalysisRow, claims: Sequence[Claim], observations: Sequence[IndicatorObservation]
) -> AnalysisResult:
    return AnalysisResult(
        stance=Stance(row.stance),
        stance_reason=row.stance_reason,
        relevance=row.relevance,
        summary=row.summary,
        claims=tuple(claims),
        indicators=tuple(observations),
        quotes_dropped=row.quotes_dropped,
        degraded=row.degraded,
        model=row.model,
        prompt_version=row.prompt_version,
        tokens_in=row.tokens_in or 0,
        tokens_out=row.tokens_out or 0,
        latency_ms=row.latency_ms or 0,
    )


def _load_claims(session: Session, analysis_ids: list[int]) -> defaultdict[int | None, list[Claim]]:
    by_analysis: defaultdict[int | None, list[Claim]] = defaultdict(list)
    if analysis_ids:
        statement = (
            select(ClaimRow)
            .where(col(ClaimRow.analysis_id).in_(analysis_ids))
            .order_by(col(ClaimRow.id))
        )
        for row in session.exec(statement):
            by_analysis[row.analysis_id].append(build_claim(row))
    return by_analysis


def _load_observations(
    session: Session, analysis_ids: list[int]
) -> defaultdict[int | None, list[IndicatorObservation]]:
    by_analysis: defaultdict[int | None, list[IndicatorObservation]] = defaultdict(list)
    if analysis_ids:
        statement = (
            select(IndicatorObsRow)
            .where(col(IndicatorObsRow.analysis_id).in_(analysis_ids))
            .order_by(col(IndicatorObsRow.id))
        )
        for row in session.exec(statement):
            by_analysis[row.analysis_id].append(build_observation(row))
    return by_analysis


def list_claims(*, session: Session, lens_id: str) -> list[StoredClaim]:
    """Every claim found under ``lens_id``, oldest said first (undated last)."""
    statement = (
        select(ClaimRow, DocumentRow, SourceRow.name)
        .join(AnalysisRow, col(AnalysisRow.id) == col(ClaimRow.analysis_id))
        .join(DocumentRow, col(DocumentRow.id) == col(ClaimRow.document_id))
        .outerjoin(SourceRow, col(SourceRow.id) == col(DocumentRow.source_id))
        .where(AnalysisRow.lens_id == lens_id, _reads_current_text())
        .order_by(sa.nulls_last(col(ClaimRow.said_at).asc()), col(ClaimRow.id))
    )
    return [
        StoredClaim(claim=build_claim(claim), document=build_document(document, source_name=name))
        for claim, document, name in session.exec(statement)
    ]


def list_observations(*, session: Session, lens_id: str) -> list[StoredObservation]:
    """Every indicator observation under ``lens_id``, oldest as-of first (undated last)."""
    statement = (
        select(IndicatorObsRow, DocumentRow, SourceRow.name)
        .join(AnalysisRow, col(AnalysisRow.id) == col(IndicatorObsRow.analysis_id))
        .join(DocumentRow, col(DocumentRow.id) == col(IndicatorObsRow.document_id))
        .outerjoin(SourceRow, col(SourceRow.id) == col(DocumentRow.source_id))
        .where(AnalysisRow.lens_id == lens_id, _reads_current_text())
        .order_by(sa.nulls_last(col(IndicatorObsRow.as_of).asc()), col(IndicatorObsRow.id))
    )
    return [
        StoredObservation(
            observation=build_observation(obs), document=build_document(document, source_name=name)
        )
        for obs, document, name in session.exec(statement)
    ]
