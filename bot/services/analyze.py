"""Analyze: read every new document once under the lens and store what it found."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

from bot.domain.errors import AnalysisError
from bot.domain.models import AnalysisResult, Document, Lens
from bot.ports import AnalysisStore, Analyzer, Clock, DocumentStore


@dataclass(frozen=True, slots=True)
class DocumentOutcome:
    """One document's analysis, or why it failed."""

    title: str
    claims: int = 0
    indicators: int = 0
    quotes_dropped: int = 0
    error: str | None = None
    degraded: bool = False
    tokens: int = 0  # LLM tokens spent (in + out)


@dataclass(slots=True)
class AnalyzeReport:
    """All documents analyzed in one pass."""

    outcomes: list[DocumentOutcome] = field(default_factory=list)

    @property
    def analyzed(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.error is None)

    @property
    def claims(self) -> int:
        return sum(outcome.claims for outcome in self.outcomes)

    @property
    def indicators(self) -> int:
        return sum(outcome.indicators for outcome in self.outcomes)

    @property
    def quotes_dropped(self) -> int:
        return sum(outcome.quotes_dropped for outcome in self.outcomes)

    @property
    def tokens(self) -> int:
        return sum(outcome.tokens for outcome in self.outcomes)

    @property
    def degraded(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.degraded)


class AnalyzeStore(DocumentStore, AnalysisStore, Protocol):
    """What analyzing needs from the store."""


class AnalyzeService:
    """Runs an Analyzer over documents it has not read yet under the lens."""

    def __init__(
        self,
        *,
        analyzer: Analyzer,
        store: AnalyzeStore,
        lens: Lens,
        clock: Clock,
        fallback: Analyzer | None = None,
        token_budget: int | None = None,
    ) -> None:
        """``token_budget`` caps the LLM tokens one run spends; past it, documents are read
        by ``fallback`` (marked degraded, so ``redo_degraded`` reads them again later)."""
        self._analyzer = analyzer
        self._store = store
        self._lens = lens
        self._clock = clock
        self._fallback = fallback
        self._token_budget = token_budget
        self._tokens_spent = 0

    def pending_documents(self) -> list[Document]:
        """Documents with no analysis for this lens, model and prompt version."""
        return self._store.documents_to_analyze(
            lens_id=self._lens.id,
            model=self._analyzer.model,
            prompt_version=self._analyzer.prompt_version,
        )

    def degraded_documents(self) -> list[Document]:
        """Documents the fallback read in the LLM's place."""
        return self._store.degraded_documents(
            lens_id=self._lens.id,
            model=self._analyzer.model,
            prompt_version=self._analyzer.prompt_version,
        )

    def analyze_pending(
        self, *, on_outcome: Callable[[DocumentOutcome], None] | None = None
    ) -> AnalyzeReport:
        """Analyze every pending document; a failing document never stops the others."""
        return self._analyze_all(self.pending_documents(), on_outcome=on_outcome)

    def redo_degraded(
        self, *, on_outcome: Callable[[DocumentOutcome], None] | None = None
    ) -> AnalyzeReport:
        """Read again, with the analyzer, what the fallback read in its place."""
        documents = self.degraded_documents()
        for document in documents:
            self._store.delete_analysis(
                document.id,
                lens_id=self._lens.id,
                model=self._analyzer.model,
                prompt_version=self._analyzer.prompt_version,
            )
        return self._analyze_all(documents, on_outcome=on_outcome)

    def _analyze_all(
        self,
        documents: list[Document],
        *,
        on_outcome: Callable[[DocumentOutcome], None] | None,
    ) -> AnalyzeReport:
        report = AnalyzeReport()
        for document in documents:
            outcome = self.analyze_document(document)
            report.outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
        return report

    def analyze_document(self, document: Document) -> DocumentOutcome:
        """Analyze and store one document; quotes not found in its text are dropped."""
        try:
            result = keep_verified_quotes(self._read(document), document)
        except AnalysisError as exc:
            return DocumentOutcome(document.title, error=str(exc))
        self._store.save_analysis(
            document.id,
            lens_id=self._lens.id,
            result=result,
            created_at=self._clock.now(),
            content_hash=document.content_hash,  # the text read, even if revised meanwhile
        )
        return DocumentOutcome(
            document.title,
            len(result.claims),
            len(result.indicators),
            result.quotes_dropped,
            degraded=result.degraded,
            tokens=result.tokens_in + result.tokens_out,
        )

    def _read(self, document: Document) -> AnalysisResult:
        """The analyzer's reading, or the fallback's once the run's token budget is spent."""
        if self._budget_spent() and self._fallback is not None:
            return replace(
                self._fallback.analyze(document, self._lens),
                degraded=True,
                model=self._analyzer.model,
                prompt_version=self._analyzer.prompt_version,
            )
        result = self._analyzer.analyze(document, self._lens)
        self._tokens_spent += result.tokens_in + result.tokens_out
        return result

    def _budget_spent(self) -> bool:
        return self._token_budget is not None and self._tokens_spent >= self._token_budget


def keep_verified_quotes(result: AnalysisResult, document: Document) -> AnalysisResult:
    """Re-check every quote against the document; drop (and count) those not found.

    Analyzers locate quotes with ``find_quote``; this second check at the service boundary means no
    analyzer, however written, can put an unverified quote into the ledger.
    """
    claims = tuple(
        claim
        for claim in result.claims
        if _is_verbatim(claim.quote, claim.start, claim.end, document)
    )
    indicators = tuple(
        obs for obs in result.indicators if _is_verbatim(obs.quote, obs.start, obs.end, document)
    )
    dropped = (len(result.claims) - len(claims)) + (len(result.indicators) - len(indicators))
    if not dropped:
        return result
    return replace(
        result,
        claims=claims,
        indicators=indicators,
        quotes_dropped=result.quotes_dropped + dropped,
    )


def _is_verbatim(quote: str, start: int, end: int, document: Document) -> bool:
    return bool(quote.strip()) and 0 <= start < end and document.text[start:end] == quote
