"""``AnalysisRepository``: analyses, the claim ledger, indicator series and the llm_call log."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from bot.domain.models import (
    AnalysisResult,
    Document,
    LLMCall,
    StoredAnalysis,
    StoredClaim,
    StoredObservation,
)
from storage.sessions import SessionScope
from storage.stores import analyses, llm_calls, redo


class AnalysisRepository(SessionScope):
    """The ``AnalysisStore`` and ``LLMCallLog`` halves of ``SqlStore``."""

    def save_analysis(
        self,
        document_id: int,
        *,
        lens_id: str,
        result: AnalysisResult,
        created_at: datetime,
        content_hash: str | None = None,
    ) -> int:
        """Store an analysis of the document's current text, with its claims and observations;
        returns its id.

        When that text already has an analysis for (lens, prompt version, model), nothing is
        written and the stored analysis's id is returned.
        """
        try:
            with self._session(pass_conflicts=True) as session:
                return analyses.insert_analysis(
                    session=session,
                    document_id=document_id,
                    lens_id=lens_id,
                    result=result,
                    created_at=created_at,
                    content_hash=content_hash,
                )
        except sa.exc.IntegrityError as exc:
            return self._find_analysis(document_id, lens_id, result, exc)

    def _find_analysis(
        self, document_id: int, lens_id: str, result: AnalysisResult, exc: sa.exc.IntegrityError
    ) -> int:
        with self._session() as session:
            existing = analyses.find_analysis_id(
                session=session,
                document_id=document_id,
                lens_id=lens_id,
                model=result.model,
                prompt_version=result.prompt_version,
            )
        if existing is None:
            raise self._build_error("refused an analysis", exc) from exc
        return existing

    def list_analyses(self, *, lens_id: str, since: datetime | None = None) -> list[StoredAnalysis]:
        """Analyses of documents fetched at or after ``since`` (all when None), newest first."""
        with self._session() as session:
            return analyses.list_analyses(session=session, lens_id=lens_id, since=since)

    def list_claims(self, *, lens_id: str) -> list[StoredClaim]:
        """Every claim in the ledger, oldest said first."""
        with self._session() as session:
            return analyses.list_claims(session=session, lens_id=lens_id)

    def list_observations(self, *, lens_id: str) -> list[StoredObservation]:
        """Every indicator observation, oldest as-of first."""
        with self._session() as session:
            return analyses.list_observations(session=session, lens_id=lens_id)

    def degraded_documents(
        self, *, lens_id: str, model: str, prompt_version: str
    ) -> list[Document]:
        """Documents whose current text's analysis for this (lens, model, prompt version) was
        made by the offline analyzer standing in for the LLM; oldest fetched first."""
        with self._session() as session:
            return redo.list_degraded_documents(
                session=session, lens_id=lens_id, model=model, prompt_version=prompt_version
            )

    def delete_analysis(
        self, document_id: int, *, lens_id: str, model: str, prompt_version: str
    ) -> bool:
        """Delete the analysis of the document's current text for this (lens, model, prompt
        version) with its claims and observations; False when there was none.

        Analyses of the document's earlier texts are left alone.
        """
        with self._session() as session:
            return redo.delete_analysis(
                session=session,
                document_id=document_id,
                lens_id=lens_id,
                model=model,
                prompt_version=prompt_version,
            )

    # LLM calls ---------------------------------------------------------------------------

    def record_llm_call(self, call: LLMCall) -> None:
        """Append ``call`` to the llm_call log (prompt id, ``id@vN`` label, sha256, usage)."""
        with self._session() as session:
            llm_calls.insert_llm_call(session=session, call=call)

    def list_llm_calls(self) -> list[LLMCall]:
        """Every recorded LLM call, oldest first."""
        with self._session() as session:
            return llm_calls.list_llm_calls(session=session)
