"""Ask: retrieve passages for a question and answer with citations checked word for word."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.domain.models import Answer, Citation, Passage
from bot.domain.quotes import find_quote
from bot.ports import Answerer, DocumentStore

NOT_ANSWERED = "The collected documents don't answer this."
MAX_QUESTION_CHARS = 2000


@dataclass(frozen=True, slots=True)
class AskService:
    """Answers questions from the collected documents only."""

    store: DocumentStore
    answerer: Answerer
    passages: int = 8

    def ask(self, question: str, *, document_ids: Sequence[int] | None = None) -> Answer:
        """Answer ``question``, grounded first in ``document_ids`` when given.

        Every citation's quote is re-found in its document; a citation that is not found is
        dropped, and an answer left with no citation is reported as not answered.
        """
        question = " ".join(question.split())[:MAX_QUESTION_CHARS]
        if not question:
            return Answer(question="", text=NOT_ANSWERED, answered=False)
        passages = self._retrieve(question, document_ids)
        if not passages:
            return Answer(question=question, text=NOT_ANSWERED, answered=False)
        return verify_citations(self.answerer.answer(question, passages), passages)

    def _retrieve(self, question: str, document_ids: Sequence[int] | None) -> list[Passage]:
        if document_ids:
            scoped = self.store.search_passages(
                question, limit=self.passages, document_ids=document_ids
            )
            if scoped:
                return scoped
        return self.store.search_passages(question, limit=self.passages)


def verify_citations(answer: Answer, passages: Sequence[Passage]) -> Answer:
    """Keep only citations whose quote occurs in the cited document's text."""
    if not answer.answered:
        return answer
    texts = {passage.document.url: passage.document.text for passage in passages}
    verified = tuple(
        _verified(citation, texts.get(citation.url, "")) for citation in answer.citations
    )
    kept = tuple(citation for citation in verified if citation is not None)
    if not kept:
        return Answer(question=answer.question, text=NOT_ANSWERED, answered=False)
    return replace(answer, citations=kept)


def _verified(citation: Citation, text: str) -> Citation | None:
    match = find_quote(citation.quote, text)
    return replace(citation, quote=match.text) if match else None
