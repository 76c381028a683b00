"""Question answering on the corpus: every gold question through the real AskService."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from bot.domain.models import Answer, Document, FetchedDocument
from bot.domain.quotes import find_quote
from bot.domain.text import chunk_text
from bot.evaluation.corpus import CORPUS_FETCHED_AT, CorpusEntry, GoldQuestion
from bot.evaluation.metrics import Metric, Scores, is_verbatim, ratio
from bot.ports import Answerer
from bot.services.ask import AskService
from storage.db import create_engine_for
from storage.migrate import upgrade_engine_to_head
from storage.repository import SqlStore

EVAL_DATABASE = "eval.db"


@dataclass(frozen=True, slots=True)
class QAOutcome:
    """A gold question, the answer given and whether its first citation holds the gold quote."""

    question: GoldQuestion
    answer: Answer
    correct: bool


@contextmanager
def open_corpus_store(documents: Sequence[Document], *, chunk_chars: int) -> Iterator[SqlStore]:
    """A throw-away SQLite store (real migrations, chunks and full-text index) holding
    ``documents``; deleted on exit."""
    with TemporaryDirectory(prefix="briefbot-eval-") as directory:
        engine = create_engine_for(f"sqlite:///{Path(directory) / EVAL_DATABASE}")
        try:
            upgrade_engine_to_head(engine)
            store = SqlStore(engine)
            for document in documents:
                add_corpus_document(store, document, chunk_chars=chunk_chars)
            yield store
        finally:
            engine.dispose()


def add_corpus_document(store: SqlStore, document: Document, *, chunk_chars: int) -> None:
    """Store one corpus document with its chunks, as the collector would."""
    fetched = FetchedDocument(
        url=document.url,
        canonical_url=document.canonical_url,
        title=document.title,
        text=document.text,
        kind=document.kind,
        published_at=document.published_at,
        speaker=document.speaker,
    )
    store.add_document(
        fetched,
        source_id=None,
        content_hash=document.content_hash,
        bands=(),
        chunks=chunk_text(document.text, max_chars=chunk_chars),
        fetched_at=CORPUS_FETCHED_AT,
    )


def ask_gold_questions(
    entries: Sequence[CorpusEntry],
    documents: Sequence[Document],
    *,
    answerer: Answerer,
    chunk_chars: int,
) -> list[QAOutcome]:
    """Ask every gold question of the whole corpus (not of its own document only)."""
    with open_corpus_store(documents, chunk_chars=chunk_chars) as store:
        asker = AskService(store=store, answerer=answerer)
        return [
            judge_answer(question, asker.ask(question.question))
            for entry in entries
            for question in entry.gold.qa
        ]


def judge_answer(question: GoldQuestion, answer: Answer) -> QAOutcome:
    """Correct when the answer's first citation's quote contains the gold quote."""
    first = answer.citations[0] if answer.answered and answer.citations else None
    correct = first is not None and find_quote(question.quote, first.quote) is not None
    return QAOutcome(question, answer, correct)


def score_answers(outcomes: Sequence[QAOutcome], documents: Sequence[Document]) -> Scores:
    """Citation accuracy and answered share over all questions; citation quotes checked."""
    texts = {document.url: document.text for document in documents}
    citations = [
        c for outcome in outcomes if outcome.answer.answered for c in outcome.answer.citations
    ]
    verified = sum(is_verbatim(c.quote, texts.get(c.url, "")) for c in citations)
    answered = sum(outcome.answer.answered for outcome in outcomes)
    correct = sum(outcome.correct for outcome in outcomes)
    return {
        Metric.QA_CITATION_ACCURACY: ratio(correct, len(outcomes)),
        Metric.QA_ANSWERED: ratio(answered, len(outcomes)),
        Metric.QA_QUESTIONS: len(outcomes),
        Metric.QA_ANSWERED_QUESTIONS: answered,
        Metric.QA_CORRECT: correct,
        Metric.QUOTES_SHOWN: len(citations),
        Metric.QUOTES_VERIFIED: verified,
    }
