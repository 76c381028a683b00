"""The extractive answerer quotes source sentences verbatim or says it can't answer."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.analysis.extractive import ExtractiveAnswerer
from bot.domain.models import Document, DocumentKind, Passage
from bot.domain.text import chunk_text


def make_passages(text: str, *, doc_id: int = 1) -> list[Passage]:
    document = Document(
        id=doc_id,
        source_id=None,
        url=f"http://127.0.0.1/doc/{doc_id}",
        canonical_url=f"http://127.0.0.1/doc/{doc_id}",
        title=f"Report {doc_id}",
        text=text,
        kind=DocumentKind.REPORT,
        content_hash=str(doc_id),
        fetched_at=datetime(2019, 8, 6, tzinfo=UTC),
    )
    return [Passage(document, chunk, 1.0) for chunk in chunk_text(text, max_chars=200)]


REPORT = (
    "The Lead Inspector General published its quarterly report in August 2019. "
    "ISIS retained between 14,000 and 18,000 members in Iraq and Syria. "
    "Coalition partners continued training Iraqi forces."
)


def test_answer_quotes_the_matching_sentence_with_a_citation() -> None:
    passages = make_passages(REPORT)
    answer = ExtractiveAnswerer().answer("How many members did ISIS retain in Iraq?", passages)
    assert answer.answered
    assert answer.citations[0].number == 1
    quote = answer.citations[0].quote
    assert quote == "ISIS retained between 14,000 and 18,000 members in Iraq and Syria."
    assert quote in REPORT
    assert "[1]" in answer.text


def test_unrelated_question_is_not_answered() -> None:
    answer = ExtractiveAnswerer().answer(
        "What is the price of wheat in Kansas?", make_passages(REPORT)
    )
    assert not answer.answered
    assert answer.citations == ()


def test_question_of_only_stopwords_is_not_answered() -> None:
    assert not ExtractiveAnswerer().answer("what is it?", make_passages(REPORT)).answered


def test_citations_are_numbered_per_document() -> None:
    passages = make_passages(REPORT, doc_id=1) + make_passages(
        "Al-Hol camp held about 70,000 people in 2019, many of them ISIS family members.", doc_id=2
    )
    answer = ExtractiveAnswerer().answer("How many people did al-Hol camp hold?", passages)
    assert answer.answered
    assert {c.number for c in answer.citations} <= {1, 2}
    assert answer.citations[0].url.endswith("/2")
    assert all(c.quote in (REPORT + passages[-1].document.text) for c in answer.citations)
