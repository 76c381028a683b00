"""The offline analyzer over the development corpus (../shared/corpus, read in place): what it
shows is the source's own text. Precision, recall and stance are measured by `briefbot eval`
(bot/evaluation, run by CI with floors and by tests/e2e/test_cli_eval.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.analysis.lens import load_lens
from bot.analysis.offline import OfflineAnalyzer
from bot.domain.models import AnalysisResult, Claim, IndicatorObservation
from bot.evaluation.corpus import build_document, load_corpus

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / ".." / "shared" / "corpus"
LENS_PATH = REPO / "prompts" / "lenses" / "premature_victory.yaml"

if os.environ.get("CI") == "true" and not (CORPUS / "documents.jsonl").is_file():
    raise RuntimeError(f"CI needs the development corpus at {CORPUS}")

pytestmark = pytest.mark.skipif(
    not (CORPUS / "documents.jsonl").is_file(),
    reason=f"the development corpus is not at {CORPUS} (it lives beside the repository)",
)


@pytest.fixture(scope="module")
def read() -> list[tuple[str, AnalysisResult]]:
    lens = load_lens(LENS_PATH)
    analyzer = OfflineAnalyzer()
    documents = [build_document(entry, n) for n, entry in enumerate(load_corpus(CORPUS), 1)]
    return [(document.text, analyzer.analyze(document, lens)) for document in documents]


def test_every_quote_is_the_source_text_at_its_offsets(
    read: list[tuple[str, AnalysisResult]],
) -> None:
    shown = 0
    for text, result in read:
        items: list[Claim | IndicatorObservation] = [*result.claims, *result.indicators]
        for item in items:
            assert text[item.start : item.end] == item.quote
            shown += 1
    assert shown > 50  # the analyzer does find things on this corpus


def test_summaries_are_verbatim_source_text(read: list[tuple[str, AnalysisResult]]) -> None:
    for text, result in read:
        assert is_two_pieces_of(result.summary, text)


def is_two_pieces_of(summary: str, text: str) -> bool:
    """``summary`` is one or two passages of ``text`` joined by a space."""
    if summary in text:
        return True
    cuts = [i for i, char in enumerate(summary) if char == " "]
    return any(summary[:cut] in text and summary[cut + 1 :] in text for cut in cuts)
