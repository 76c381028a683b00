"""Metric names and the scoring of analyzer readings against gold labels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.models import AnalysisResult, Document, Lens
from bot.domain.quotes import find_quote
from bot.evaluation.corpus import SCORED_ORIGINS, CorpusEntry, GoldClaim, GoldIndicator
from bot.evaluation.matching import claim_matches, indicator_matches, lens_name

Scores = dict[str, float]


class Metric(StrEnum):
    """The keys of ``briefbot eval --json`` (rates are 0–1; the rest are counts)."""

    CLAIMS_PRECISION = "claims.precision"
    CLAIMS_RECALL = "claims.recall"
    CLAIMS_EMITTED = "claims.emitted"
    CLAIMS_CORRECT = "claims.correct"  # emitted claims that match a gold claim
    CLAIMS_GOLD = "claims.gold"
    CLAIMS_FOUND = "claims.found"  # gold claims some emitted claim matches
    INDICATORS_RECALL = "indicators.recall"
    INDICATORS_RECALL_TRACKED = "indicators.recall_tracked"  # gold the lens tracks only
    INDICATORS_GOLD = "indicators.gold"
    INDICATORS_UNTRACKED = "indicators.untracked"
    INDICATORS_FOUND = "indicators.found"
    INDICATORS_EMITTED = "indicators.emitted"
    STANCE_ACCURACY = "stance.accuracy"
    STANCE_CORRECT = "stance.correct"
    QA_CITATION_ACCURACY = "qa.citation_accuracy"
    QA_ANSWERED = "qa.answered"
    QA_QUESTIONS = "qa.questions"
    QA_ANSWERED_QUESTIONS = "qa.answered_questions"
    QA_CORRECT = "qa.correct"
    QUOTES_SHOWN = "quotes.shown"
    QUOTES_VERIFIED = "quotes.verified"
    DOCUMENTS = "documents"
    ANALYSIS_ERRORS = "analysis.errors"
    ANALYSIS_DEGRADED = "analysis.degraded"  # read by the fallback in the LLM's place


@dataclass(frozen=True, slots=True)
class Reading:
    """A corpus entry, the document the analyzer read and what it made of it (None: failed)."""

    entry: CorpusEntry
    document: Document
    result: AnalysisResult | None


def ratio(part: int, whole: int) -> float:
    """``part / whole``, and 1.0 when there is nothing to count (nothing was got wrong)."""
    return part / whole if whole else 1.0


def scored_claims(entry: CorpusEntry) -> list[GoldClaim]:
    """Gold claims in the source's words (corpus summaries are not scored)."""
    return [gold for gold in entry.gold.victory_claims if gold.quote_origin in SCORED_ORIGINS]


def scored_indicators(entry: CorpusEntry) -> list[GoldIndicator]:
    """Gold indicators in the source's words."""
    return [gold for gold in entry.gold.indicators if gold.quote_origin in SCORED_ORIGINS]


def score_claims(readings: Sequence[Reading]) -> Scores:
    """Precision over emitted claims, recall over scored gold claims."""
    emitted = correct = wanted = found = 0
    for reading in readings:
        claims = reading.result.claims if reading.result else ()
        golds = scored_claims(reading.entry)
        source = reading.entry.document
        emitted += len(claims)
        correct += sum(any(claim_matches(c, g, source) for g in golds) for c in claims)
        wanted += len(golds)
        found += sum(any(claim_matches(c, g, source) for c in claims) for g in golds)
    return {
        Metric.CLAIMS_PRECISION: ratio(correct, emitted),
        Metric.CLAIMS_RECALL: ratio(found, wanted),
        Metric.CLAIMS_EMITTED: emitted,
        Metric.CLAIMS_CORRECT: correct,
        Metric.CLAIMS_GOLD: wanted,
        Metric.CLAIMS_FOUND: found,
    }


def score_indicators(readings: Sequence[Reading], lens: Lens) -> Scores:
    """Recall over scored gold indicators; also over those whose name the lens tracks."""
    wanted = found = untracked = emitted = 0
    for reading in readings:
        observations = reading.result.indicators if reading.result else ()
        emitted += len(observations)
        for gold in scored_indicators(reading.entry):
            wanted += 1
            untracked += lens.indicator(lens_name(gold.name)) is None
            found += any(indicator_matches(obs, gold) for obs in observations)
    return {
        Metric.INDICATORS_RECALL: ratio(found, wanted),
        Metric.INDICATORS_RECALL_TRACKED: ratio(found, wanted - untracked),
        Metric.INDICATORS_GOLD: wanted,
        Metric.INDICATORS_UNTRACKED: untracked,
        Metric.INDICATORS_FOUND: found,
        Metric.INDICATORS_EMITTED: emitted,
    }


def score_stance(readings: Sequence[Reading]) -> Scores:
    """Share of documents whose stance is the gold stance (a failed analysis is wrong)."""
    correct = sum(
        reading.result is not None and reading.result.stance is reading.entry.gold.stance
        for reading in readings
    )
    return {
        Metric.STANCE_ACCURACY: ratio(correct, len(readings)),
        Metric.STANCE_CORRECT: correct,
        Metric.DOCUMENTS: len(readings),
        Metric.ANALYSIS_ERRORS: sum(reading.result is None for reading in readings),
        Metric.ANALYSIS_DEGRADED: sum(
            reading.result is not None and reading.result.degraded for reading in readings
        ),
    }


def is_verbatim(quote: str, text: str) -> bool:
    """``quote`` is found in ``text`` (``find_quote``) as exactly these characters."""
    match = find_quote(quote, text)
    return match is not None and match.text == quote


def count_analyzer_quotes(readings: Sequence[Reading]) -> tuple[int, int]:
    """(shown, verified): every quote the analyzer emitted, and those found in the document."""
    quotes = [
        (quote, reading.document.text)
        for reading in readings
        if reading.result is not None
        for quote in _quotes_of(reading.result)
    ]
    return len(quotes), sum(is_verbatim(quote, text) for quote, text in quotes)


def _quotes_of(result: AnalysisResult) -> list[str]:
    return [claim.quote for claim in result.claims] + [obs.quote for obs in result.indicators]


RATES = frozenset(
    {
        Metric.CLAIMS_PRECISION,
        Metric.CLAIMS_RECALL,
        Metric.INDICATORS_RECALL,
        Metric.INDICATORS_RECALL_TRACKED,
        Metric.STANCE_ACCURACY,
        Metric.QA_CITATION_ACCURACY,
        Metric.QA_ANSWERED,
    }
)
