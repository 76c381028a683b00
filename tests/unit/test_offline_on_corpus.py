"""The offline analyzer measured on the development corpus (../shared/corpus, read in place).

Scoring follows the corpus README: gold quotes written for the corpus (``corpus_summary``) are
not scored. A claim matches a gold claim when the speakers share a surname (or the document is
a statement) and the emitted quote holds at least 60% of the gold quote's words; an indicator
matches when an observation of the same indicator holds at least 50% of the gold quote's words.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.analysis.lens import load_lens
from bot.analysis.offline import OfflineAnalyzer
from bot.domain.models import (
    AnalysisResult,
    Claim,
    Document,
    DocumentKind,
    IndicatorObservation,
)

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / ".." / "shared" / "corpus"
LENS_PATH = REPO / "prompts" / "lenses" / "premature_victory.yaml"
UNSCORED_ORIGIN = "corpus_summary"
CLAIM_OVERLAP = 0.6
INDICATOR_OVERLAP = 0.5
# Floors, measured 2026-11: claims P 0.87 / R 0.95; indicators R 0.72 (0.89 on the lens's own
# indicator names); stance accuracy 0.71. Targets (issue #5) are the floors below.
CLAIM_PRECISION_FLOOR = 0.7
CLAIM_RECALL_FLOOR = 0.7
INDICATOR_RECALL_FLOOR = 0.6
STANCE_ACCURACY_FLOOR = 0.6
# Gold indicator names that the lens files under another name.
GOLD_ALIASES = {
    "attacks": "attack_tempo",
    "attacks_per_month": "attack_tempo",
    "external_plot": "external_plots",
    "finances": "financing",
    "al_hol_camp": "detainees",
    "prison_attack": "detainees",
    "leadership_losses": "leadership",
    "leadership_survival": "leadership",
    "leadership_succession": "leadership",
}
_TOKEN = re.compile(r"[a-z0-9]+")
_PARENTHETICAL = re.compile(r"\([^)]*\)")

if os.environ.get("CI") == "true" and not (CORPUS / "documents.jsonl").is_file():
    raise RuntimeError(f"CI needs the development corpus at {CORPUS}")

pytestmark = pytest.mark.skipif(
    not (CORPUS / "documents.jsonl").is_file(),
    reason=f"the development corpus is not at {CORPUS} (it lives beside the repository)",
)


@dataclass(frozen=True, slots=True)
class Scored:
    """One corpus document, its gold labels and what the analyzer made of it."""

    text: str
    kind: DocumentKind
    gold: dict[str, Any]
    result: AnalysisResult


@pytest.fixture(scope="module")
def scored() -> list[Scored]:
    lens = load_lens(LENS_PATH)
    analyzer = OfflineAnalyzer()
    gold = {row["id"]: row for row in _read_jsonl(CORPUS / "gold.jsonl")}
    rows = _read_jsonl(CORPUS / "documents.jsonl")
    return [
        Scored(
            row["text"],
            DocumentKind(row["kind"]),
            gold[row["id"]],
            analyzer.analyze(_doc(i, row), lens),
        )
        for i, row in enumerate(rows)
    ]


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _doc(number: int, row: dict[str, Any]) -> Document:
    return Document(
        id=number,
        source_id=None,
        url=row["url"],
        canonical_url=row["url"],
        title=row["title"],
        text=row["text"],
        kind=DocumentKind(row["kind"]),
        content_hash=str(number),
        fetched_at=datetime(2025, 1, 1),
        published_at=_published(row["published"]),
        speaker=row.get("speaker"),
        source_name=row.get("source"),
    )


def _published(value: str) -> datetime:
    parts = [int(part) for part in value.split("-")] + [1, 1]
    return datetime(parts[0], parts[1], parts[2])


def _tokens(text: str) -> set[str]:
    return set(_TOKEN.findall(text.lower()))


def _covers(emitted: str, gold: str, share: float) -> bool:
    wanted = _tokens(gold)
    return bool(wanted) and len(wanted & _tokens(emitted)) >= share * len(wanted)


def _surname(speaker: str) -> str:
    words = _TOKEN.findall(_PARENTHETICAL.sub(" ", speaker).lower())
    return words[-1] if words else ""


def _claim_matches(claim: Claim, gold: dict[str, Any], kind: DocumentKind) -> bool:
    same_speaker = kind == DocumentKind.STATEMENT or bool(
        {_surname(gold["speaker"]), _surname(claim.speaker)}
        & _tokens(claim.speaker)
        & _tokens(gold["speaker"])
    )
    return same_speaker and _covers(claim.quote, gold["quote"], CLAIM_OVERLAP)


def _scored_gold(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [item for item in items if item.get("quote_origin") != UNSCORED_ORIGIN]


def test_every_quote_is_verbatim(scored: list[Scored]) -> None:
    for doc in scored:
        items: list[Claim | IndicatorObservation] = [*doc.result.claims, *doc.result.indicators]
        for item in items:
            assert doc.text[item.start : item.end] == item.quote


def test_claim_precision(scored: list[Scored]) -> None:
    emitted = [(doc, claim) for doc in scored for claim in doc.result.claims]
    hits = sum(
        any(
            _claim_matches(claim, gold, doc.kind)
            for gold in _scored_gold(doc.gold["victory_claims"])
        )
        for doc, claim in emitted
    )
    assert emitted
    assert hits / len(emitted) >= CLAIM_PRECISION_FLOOR


def test_claim_recall(scored: list[Scored]) -> None:
    wanted = [(doc, gold) for doc in scored for gold in _scored_gold(doc.gold["victory_claims"])]
    hits = sum(
        any(_claim_matches(claim, gold, doc.kind) for claim in doc.result.claims)
        for doc, gold in wanted
    )
    assert hits / len(wanted) >= CLAIM_RECALL_FLOOR


def test_indicator_recall(scored: list[Scored]) -> None:
    wanted = [(doc, gold) for doc in scored for gold in _scored_gold(doc.gold["indicators"])]
    hits = sum(
        any(
            obs.indicator == GOLD_ALIASES.get(gold["name"], gold["name"])
            and _covers(obs.quote, gold["quote"], INDICATOR_OVERLAP)
            for obs in doc.result.indicators
        )
        for doc, gold in wanted
    )
    assert hits / len(wanted) >= INDICATOR_RECALL_FLOOR


def test_stance_accuracy(scored: list[Scored]) -> None:
    right = sum(doc.result.stance == doc.gold["stance"] for doc in scored)
    assert right / len(scored) >= STANCE_ACCURACY_FLOOR


def test_summaries_are_verbatim_source_text(scored: list[Scored]) -> None:
    for doc in scored:
        assert _is_two_pieces_of(doc.result.summary, doc.text)


def _is_two_pieces_of(summary: str, text: str) -> bool:
    """``summary`` is one or two passages of ``text`` joined by a space."""
    if summary in text:
        return True
    cuts = [i for i, char in enumerate(summary) if char == " "]
    return any(summary[:cut] in text and summary[cut + 1 :] in text for cut in cuts)
