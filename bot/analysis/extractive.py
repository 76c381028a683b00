"""The extractive answerer: answers from the best-matching source sentences, quoted verbatim.

It is the answerer when no LLM is configured. It never writes a sentence of its own about the
subject: the answer is the source's sentences with their ``[n]`` markers.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.conversation import PriorTurn
from bot.domain.models import Answer, Citation, Passage
from bot.domain.text import split_sentences

_WORD = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[^\W\d_]+(?:['’-][^\W\d_]+)*")
_STOPWORDS = frozenset(
    (
        "a an and are as at be been by did do does for from had has have how i in is it its me "
        "much many of on or said say says should so than that the their them there these they "
        "this to was were what when where which who whom why will with would you your "
        "according latest last new recent report reports tell about any"
    ).split()
)
_QUANTITY_CUES = frozenset({"how", "many", "much", "number", "estimate", "estimated", "size"})
# A quantity, not a year or a day of the month: "14,000", "70 percent", "2.5 million", "300".
_QUANTITY = re.compile(
    r"\b\d{1,3}(?:,\d{3})+\b|\b\d+(?:\.\d+)?\s*(?:percent|per cent|%|million|thousand)"
    r"|\b(?!(?:19|20)\d{2}\b)\d{3,}\b"
)

# A sentence must cover this share of the question's (weighted) terms to be quoted at all.
MIN_COVERAGE = 0.35
SECOND_SENTENCE_SHARE = 0.85  # a second sentence is quoted only when nearly as good
TITLE_WEIGHT = 0.5  # a question term found only in the document's title counts half
RANK_WEIGHT = 0.15  # the retriever's order (BM25) breaks near-ties between sentences
MAX_SENTENCES = 2
MAX_SENTENCE_CHARS = 600


def content_terms(text: str) -> list[str]:
    """Lower-cased words of ``text`` without stopwords."""
    words = (word.casefold() for word in _WORD.findall(text))
    return [word for word in words if word not in _STOPWORDS and len(word) > 1]


@dataclass(frozen=True, slots=True)
class _Candidate:
    passage: Passage
    start: int  # offsets into the document text
    end: int
    score: float
    coverage: float


class ExtractiveAnswerer:
    """Implements the Answerer port by quoting the sentences that best match the question."""

    def answer(
        self, question: str, passages: Sequence[Passage], history: Sequence[PriorTurn] = ()
    ) -> Answer:
        """Quote up to two sentences that cover at least half the question's terms.

        ``history`` is not read: the ask service folds a short follow-up into the question.
        """
        terms = set(content_terms(question))
        wants_number = bool(_QUANTITY_CUES & {w.casefold() for w in _WORD.findall(question)})
        if not terms:
            return Answer(question=question, text="", answered=False)
        weights = _term_weights(terms, passages)
        candidates = [
            candidate
            for rank, passage in enumerate(passages)
            for candidate in _score_sentences(
                passage, terms, weights, wants_number, bonus=RANK_WEIGHT / (1 + rank)
            )
            if candidate.coverage >= MIN_COVERAGE
        ]
        ranked = sorted(candidates, key=lambda c: c.score, reverse=True)
        if not ranked:
            return Answer(question=question, text="", answered=False)
        best = [
            c for c in ranked[:MAX_SENTENCES] if c.score >= SECOND_SENTENCE_SHARE * ranked[0].score
        ]
        return _compose(question, best)


def _term_weights(terms: set[str], passages: Sequence[Passage]) -> dict[str, float]:
    counts: Counter[str] = Counter()
    for passage in passages:
        counts.update(terms & set(content_terms(passage.chunk.text)))
    total = max(len(passages), 1)
    return {term: math.log(1 + total / (1 + counts[term])) + 0.1 for term in terms}


def _score_sentences(
    passage: Passage,
    terms: set[str],
    weights: dict[str, float],
    wants_number: bool,
    *,
    bonus: float,
) -> list[_Candidate]:
    candidates = []
    total_weight = sum(weights.values())
    in_title = terms & set(content_terms(passage.document.title))
    for start, end in split_sentences(passage.chunk.text):
        sentence = passage.chunk.text[start:end]
        has_number = _QUANTITY.search(sentence) is not None
        if len(sentence) > MAX_SENTENCE_CHARS or (wants_number and not has_number):
            continue
        found = terms & set(content_terms(sentence))
        title_only = in_title - found
        matched = sum(weights[t] for t in found) + TITLE_WEIGHT * sum(
            weights[t] for t in title_only
        )
        coverage = matched / total_weight
        score = coverage + (0.1 * len(found) / len(terms)) + bonus
        offset = passage.chunk.start
        candidates.append(_Candidate(passage, offset + start, offset + end, score, coverage))
    return candidates


def _compose(question: str, best: Sequence[_Candidate]) -> Answer:
    numbers: dict[int, int] = {}
    citations: list[Citation] = []
    lines: list[str] = []
    for candidate in best:
        document = candidate.passage.document
        quote = document.text[candidate.start : candidate.end]
        number = numbers.setdefault(document.id, len(numbers) + 1)
        citations.append(Citation.for_document(number, document, quote))
        lines.append(f"“{' '.join(quote.split())}” [{number}]")
    return Answer(question=question, text="\n".join(lines), citations=tuple(citations))
