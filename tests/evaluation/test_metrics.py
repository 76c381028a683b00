"""Metrics on the synthetic corpus with a scripted analyzer: known precision and recall."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pytest

from bot.analysis.extractive import ExtractiveAnswerer
from bot.analysis.lens import load_lens
from bot.analysis.offline import OfflineAnalyzer
from bot.domain.errors import AnalysisError
from bot.domain.models import (
    AnalysisResult,
    Claim,
    ClaimScope,
    Document,
    IndicatorObservation,
    Lens,
    Stance,
)
from bot.evaluation.corpus import load_corpus
from bot.evaluation.matching import covers, lens_name, names_agree, surname
from bot.evaluation.metrics import Metric
from bot.evaluation.runner import EvaluationReport, find_floor_failures, run_evaluation
from bot.settings import DEFAULT_LENS_PATH
from tests.evaluation.conftest import WriteCorpus

TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def lens() -> Lens:
    return load_lens(DEFAULT_LENS_PATH)


def quoted(document: Document, quote: str) -> tuple[str, int, int]:
    start = document.text.index(quote)
    return quote, start, start + len(quote)


@dataclass
class ScriptedAnalyzer:
    """Implements the Analyzer port: one right and one wrong claim, one observation."""

    fail_on: str | None = None

    @property
    def model(self) -> str:
        return "scripted"

    @property
    def prompt_version(self) -> str:
        return "script@v1"

    def analyze(self, document: Document, lens: Lens) -> AnalysisResult:
        if self.fail_on and self.fail_on in document.title:
            raise AnalysisError("scripted failure")
        if "Jane Doe" not in document.text:
            return AnalysisResult(Stance.MIXED, "", 0.1, "")  # wrong stance, nothing found
        right = Claim("Doe", *quoted(document, "We have defeated the caliphate"), ClaimScope.TOTAL)
        wrong = Claim("Doe", *quoted(document, "The weather was fine."), ClaimScope.TOTAL)
        figure = IndicatorObservation(
            "fighter_strength", *quoted(document, "12,000 fighters remain in Syria."), 12_000
        )
        return AnalysisResult(
            Stance.SUPPORTS_VICTORY, "", 0.9, "", claims=(right, wrong), indicators=(figure,)
        )


def evaluate(write_corpus: WriteCorpus, lens: Lens, analyzer: object) -> EvaluationReport:
    return run_evaluation(
        load_corpus(write_corpus()),
        analyzer=analyzer,  # type: ignore[arg-type]
        answerer=ExtractiveAnswerer(),
        lens=lens,
        chunk_chars=400,
        today=TODAY,
    )


def test_scores_match_hand_counts(write_corpus: WriteCorpus, lens: Lens) -> None:
    scores = evaluate(write_corpus, lens, ScriptedAnalyzer()).scores

    # claims: 2 emitted, 1 right; 2 scored gold (the corpus_summary one is not), 1 found
    assert scores[Metric.CLAIMS_PRECISION] == 0.5
    assert scores[Metric.CLAIMS_RECALL] == 0.5
    assert scores[Metric.CLAIMS_GOLD] == 2
    # indicators: 3 gold, 1 the lens does not track (morale); 1 found
    assert scores[Metric.INDICATORS_RECALL] == pytest.approx(1 / 3)
    assert scores[Metric.INDICATORS_RECALL_TRACKED] == 0.5
    assert scores[Metric.INDICATORS_UNTRACKED] == 1
    assert scores[Metric.STANCE_ACCURACY] == 0.5
    assert scores[Metric.DOCUMENTS] == 2


def test_questions_go_through_the_real_store_and_answerer(
    write_corpus: WriteCorpus, lens: Lens
) -> None:
    scores = evaluate(write_corpus, lens, ScriptedAnalyzer()).scores

    assert scores[Metric.QA_QUESTIONS] == 1
    assert scores[Metric.QA_ANSWERED] == 1.0
    assert scores[Metric.QA_CITATION_ACCURACY] == 1.0
    # 3 analyzer quotes + the answer's citation(s), every one found verbatim
    assert scores[Metric.QUOTES_SHOWN] >= 4
    assert scores[Metric.QUOTES_VERIFIED] == scores[Metric.QUOTES_SHOWN]


def test_a_failed_analysis_counts_as_nothing_found(write_corpus: WriteCorpus, lens: Lens) -> None:
    scores = evaluate(write_corpus, lens, ScriptedAnalyzer(fail_on="Statement")).scores

    assert scores[Metric.ANALYSIS_ERRORS] == 1
    assert scores[Metric.CLAIMS_RECALL] == 0.0
    assert scores[Metric.CLAIMS_PRECISION] == 1.0  # nothing emitted, nothing wrong
    assert scores[Metric.STANCE_ACCURACY] == 0.0


def test_the_offline_analyzer_runs_on_the_synthetic_corpus(
    write_corpus: WriteCorpus, lens: Lens
) -> None:
    scores = evaluate(write_corpus, lens, OfflineAnalyzer()).scores
    assert scores[Metric.QUOTES_VERIFIED] == scores[Metric.QUOTES_SHOWN]


def test_floor_failures_name_the_metric(write_corpus: WriteCorpus, lens: Lens) -> None:
    report = evaluate(write_corpus, lens, ScriptedAnalyzer())

    failures = find_floor_failures(
        report, {Metric.CLAIMS_PRECISION: 0.6, Metric.STANCE_ACCURACY: 0.5}
    )

    assert failures == ["claims.precision 0.500 is below the floor 0.600"]


def test_an_unverified_quote_always_fails(write_corpus: WriteCorpus, lens: Lens) -> None:
    report = evaluate(write_corpus, lens, ScriptedAnalyzer())
    scores = {**report.scores, Metric.QUOTES_VERIFIED: report.scores[Metric.QUOTES_SHOWN] - 1}

    failures = find_floor_failures(replace(report, scores=scores), {})

    assert len(failures) == 1
    assert failures[0].startswith("quotes.verified")


@pytest.mark.parametrize(
    ("first", "second", "agree"),
    [
        ("Abadi", "Prime Minister Haider al-Abadi (as reported)", True),
        ("Lt. Gen. Yar Allah", "Lt. Gen. Abdul-Amir Rasheed Yar Allah", True),
        ("Trump", "Secretary of State Michael R. Pompeo", False),
        ("LIBERATING ALL TERRITORY", "The White House (Office of the Press Secretary)", False),
    ],
)
def test_names_agree_on_surnames(first: str, second: str, agree: bool) -> None:
    assert names_agree(first, second) is agree


def test_matching_helpers() -> None:
    assert surname("Abu Bakr al-Baghdadi (attributed)") == "baghdadi"
    assert covers("We have won against ISIS today", "we have won against ISIS", 0.6)
    assert covers("We have won", "we have won against ISIS", 0.6)  # 3 of 5 words
    assert not covers("We won", "we have won against ISIS", 0.6)
    assert lens_name("attacks_per_month") == "attack_tempo"
    assert lens_name("fighter_strength") == "fighter_strength"
