"""``briefbot eval``: measure the analyzer and the answerer against a labelled corpus."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.table import Table

from bot.analysis.extractive import ExtractiveAnswerer
from bot.analysis.lens import load_lens
from bot.analysis.offline import OfflineAnalyzer
from bot.cli.common import err, fail, one_line_errors, out
from bot.evaluation.corpus import load_corpus
from bot.evaluation.metrics import RATES, Metric
from bot.evaluation.runner import (
    RATE_METRICS,
    EvaluationReport,
    find_floor_failures,
    run_evaluation,
)
from bot.main import build_llm_analyzer
from bot.ports import Analyzer
from bot.settings import Settings, load_settings


class AnalyzerKind(StrEnum):
    """The analyzers ``briefbot eval --analyzer`` can measure."""

    OFFLINE = "offline"
    LLM = "llm"


# Floors: the offline analyzer and extractive answerer measured on ../shared/corpus
# (2026-11-25: 0.78, 0.90, 0.74, 0.71, 0.45, 0.71), each less about 0.05; docs/evaluation.md.
DEFAULT_FLOORS = {
    Metric.CLAIMS_PRECISION: 0.73,
    Metric.CLAIMS_RECALL: 0.85,
    Metric.INDICATORS_RECALL: 0.69,
    Metric.STANCE_ACCURACY: 0.66,
    Metric.QA_CITATION_ACCURACY: 0.40,
    Metric.QA_ANSWERED: 0.66,
}


def _floor(metric: Metric) -> object:
    flag = "--min-" + metric.value.replace(".", "-").replace("_", "-")
    return typer.Option(flag, min=0.0, max=1.0, help=f"Fail below this {metric.value}.")


def evaluate(
    corpus: Annotated[
        Path, typer.Option("--corpus", help="A directory with documents.jsonl and gold.jsonl.")
    ],
    analyzer: Annotated[
        AnalyzerKind, typer.Option("--analyzer", help="The analyzer to measure.")
    ] = AnalyzerKind.OFFLINE,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    min_claims_precision: Annotated[float, _floor(Metric.CLAIMS_PRECISION)] = DEFAULT_FLOORS[
        Metric.CLAIMS_PRECISION
    ],
    min_claims_recall: Annotated[float, _floor(Metric.CLAIMS_RECALL)] = DEFAULT_FLOORS[
        Metric.CLAIMS_RECALL
    ],
    min_indicators_recall: Annotated[float, _floor(Metric.INDICATORS_RECALL)] = DEFAULT_FLOORS[
        Metric.INDICATORS_RECALL
    ],
    min_stance_accuracy: Annotated[float, _floor(Metric.STANCE_ACCURACY)] = DEFAULT_FLOORS[
        Metric.STANCE_ACCURACY
    ],
    min_qa_citation_accuracy: Annotated[
        float, _floor(Metric.QA_CITATION_ACCURACY)
    ] = DEFAULT_FLOORS[Metric.QA_CITATION_ACCURACY],
    min_qa_answered: Annotated[float, _floor(Metric.QA_ANSWERED)] = DEFAULT_FLOORS[
        Metric.QA_ANSWERED
    ],
) -> None:
    """Score claims, indicators, stance and answers against the corpus's gold labels."""
    floors = dict(
        zip(
            RATE_METRICS,
            (
                min_claims_precision,
                min_claims_recall,
                min_indicators_recall,
                min_stance_accuracy,
                min_qa_citation_accuracy,
                min_qa_answered,
            ),
            strict=True,
        )
    )
    with one_line_errors():
        report = measure(corpus, analyzer)
    out.print(render_json(report) if as_json else render_report_table(report), markup=False)
    failures = find_floor_failures(report, floors)
    for failure in failures[1:]:
        err.print(f"briefbot: {failure}", markup=False)
    if failures:
        fail(failures[0])


def measure(corpus: Path, kind: AnalyzerKind) -> EvaluationReport:
    """Load the corpus and lens, build the analyzer and run the evaluation."""
    settings = load_settings()
    entries = load_corpus(corpus)
    lens = load_lens(settings.lens_path)
    with open_analyzer(kind, settings) as analyzer:
        return run_evaluation(
            entries,
            analyzer=analyzer,
            answerer=ExtractiveAnswerer(),
            lens=lens,
            chunk_chars=settings.chunk_chars,
            today=datetime.now(UTC).date(),
        )


@contextmanager
def open_analyzer(kind: AnalyzerKind, settings: Settings) -> Iterator[Analyzer]:
    """The analyzer to measure (the LLM one as production builds it, without a call log:
    the evaluation keeps no database); its HTTP client is closed on exit."""
    if kind is AnalyzerKind.OFFLINE:
        yield OfflineAnalyzer()
        return
    with httpx.Client(trust_env=False) as http:
        yield build_llm_analyzer(settings, http=http)


def render_json(report: EvaluationReport) -> str:
    """One JSON object: every metric under its dotted key, rates rounded to 4 places."""
    scores: dict[str, object] = {
        key: round(value, 4) if isinstance(value, float) else value
        for key, value in report.scores.items()
    }
    scores["analyzer"] = report.analyzer
    scores["measured_on"] = report.measured_on.isoformat()
    return json.dumps(scores, sort_keys=True)


def render_report_table(report: EvaluationReport) -> Table:
    """Every metric and its value, rates first."""
    table = Table("metric", "value")
    table.title = f"Evaluation of {report.analyzer}, {report.measured_on.isoformat()}"
    for metric in Metric:
        value = report.scores.get(metric)
        if value is not None:
            shown = f"{value:.3f}" if metric in RATES else f"{value:.0f}"
            table.add_row(metric.value, shown)
    return table
