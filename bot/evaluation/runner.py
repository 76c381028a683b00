"""Running an evaluation: analyze every corpus document, ask every question, check floors."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bot.domain.errors import AnalysisError
from bot.domain.models import Document, Lens
from bot.evaluation.corpus import CorpusEntry, build_document
from bot.evaluation.metrics import (
    Metric,
    Reading,
    Scores,
    count_analyzer_quotes,
    score_claims,
    score_indicators,
    score_stance,
)
from bot.evaluation.qa import ask_gold_questions, score_answers
from bot.ports import Analyzer, Answerer

# The metrics a floor can be set on, in the order ``briefbot eval`` prints them.
RATE_METRICS = (
    Metric.CLAIMS_PRECISION,
    Metric.CLAIMS_RECALL,
    Metric.INDICATORS_RECALL,
    Metric.STANCE_ACCURACY,
    Metric.QA_CITATION_ACCURACY,
    Metric.QA_ANSWERED,
)


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    """What one evaluation measured: ``scores`` by ``Metric`` value."""

    analyzer: str
    measured_on: date
    scores: Scores

    def score(self, metric: Metric) -> float:
        """The value of ``metric``."""
        return self.scores[metric]


def run_evaluation(
    entries: Sequence[CorpusEntry],
    *,
    analyzer: Analyzer,
    answerer: Answerer,
    lens: Lens,
    chunk_chars: int,
    today: date,
    on_document: Callable[[Document], None] | None = None,
) -> EvaluationReport:
    """Analyze every document, ask every gold question, and score both against the gold."""
    documents = [build_document(entry, number) for number, entry in enumerate(entries, start=1)]
    readings = []
    for entry, document in zip(entries, documents, strict=True):
        readings.append(read_document(entry, document, analyzer, lens))
        if on_document is not None:
            on_document(document)
    outcomes = ask_gold_questions(entries, documents, answerer=answerer, chunk_chars=chunk_chars)
    answer_scores = score_answers(outcomes, documents)
    shown, verified = count_analyzer_quotes(readings)
    scores: Scores = {
        **score_claims(readings),
        **score_indicators(readings, lens),
        **score_stance(readings),
        **answer_scores,
        Metric.QUOTES_SHOWN: shown + answer_scores[Metric.QUOTES_SHOWN],
        Metric.QUOTES_VERIFIED: verified + answer_scores[Metric.QUOTES_VERIFIED],
    }
    label = f"{analyzer.model} ({analyzer.prompt_version})"
    return EvaluationReport(analyzer=label, measured_on=today, scores=scores)


def read_document(
    entry: CorpusEntry, document: Document, analyzer: Analyzer, lens: Lens
) -> Reading:
    """The analyzer's reading of one document; a failed analysis reads as nothing found."""
    try:
        return Reading(entry, document, analyzer.analyze(document, lens))
    except AnalysisError:
        return Reading(entry, document, None)


def find_floor_failures(report: EvaluationReport, floors: Mapping[Metric, float]) -> list[str]:
    """One line per metric below its floor; an unverified quote shown is always a failure."""
    failures = [
        f"{metric.value} {report.score(metric):.3f} is below the floor {floor:.3f}"
        for metric, floor in floors.items()
        if report.score(metric) < floor
    ]
    shown, verified = report.score(Metric.QUOTES_SHOWN), report.score(Metric.QUOTES_VERIFIED)
    if verified != shown:
        failures.append(f"quotes.verified {verified:.0f} is not quotes.shown {shown:.0f}")
    return failures
