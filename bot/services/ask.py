"""Ask: retrieve passages for a question and answer with citations checked word for word."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.domain.conversation import PriorTurn
from bot.domain.models import Answer, Citation, Passage
from bot.domain.quotes import find_quote
from bot.ports import Answerer, DocumentStore

_MARKER = re.compile(r"\s?\[(\d{1,3})\]")
NOT_ANSWERED = "The collected documents don't answer this."
MAX_QUESTION_CHARS = 2000
# A question this short in a thread is read as a follow-up: the previous question is searched too.
FOLLOW_UP_WORDS = 6


@dataclass(frozen=True, slots=True)
class AskService:
    """Answers questions from the collected documents only."""

    store: DocumentStore
    answerer: Answerer
    passages: int = 8

    def ask(
        self,
        question: str,
        *,
        document_ids: Sequence[int] | None = None,
        history: Sequence[PriorTurn] = (),
    ) -> Answer:
        """Answer ``question``, grounded first in ``document_ids`` when given.

        ``history`` is the thread's earlier turns, oldest first: a short follow-up ("and in
        2019?") is searched together with the previous question, and the answerer sees them.
        Every citation's quote is re-found in its document; a citation that is not found is
        dropped, and an answer left with no citation is reported as not answered.
        """
        question = " ".join(question.split())[:MAX_QUESTION_CHARS]
        if not question:
            return Answer(question="", text=NOT_ANSWERED, answered=False)
        query = read_in_context(question, history)
        passages = self._retrieve(query, document_ids)
        if not passages:
            return Answer(question=question, text=NOT_ANSWERED, answered=False)
        answer = self.answerer.answer(query, passages, history)
        return replace(verify_citations(answer, passages), question=question)

    def _retrieve(self, question: str, document_ids: Sequence[int] | None) -> list[Passage]:
        if document_ids:
            scoped = self.store.search_passages(
                question, limit=self.passages, document_ids=document_ids
            )
            if scoped:
                return scoped
        return self.store.search_passages(question, limit=self.passages)


def read_in_context(question: str, history: Sequence[PriorTurn]) -> str:
    """The question to search for: a short follow-up joined to the previous question."""
    if not history or len(question.split()) >= FOLLOW_UP_WORDS:
        return question
    return f"{history[-1].question} {question}"[:MAX_QUESTION_CHARS]


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
    numbers = {citation.number for citation in kept}
    return replace(answer, text=drop_markers(answer.text, keep=numbers), citations=kept)


def drop_markers(text: str, *, keep: set[int]) -> str:
    """Remove ``[n]`` markers whose citation was dropped, so none points at nothing."""
    return _MARKER.sub(lambda m: m.group(0) if int(m.group(1)) in keep else "", text)


def _verified(citation: Citation, text: str) -> Citation | None:
    match = find_quote(citation.quote, text)
    return replace(citation, quote=match.text) if match else None
