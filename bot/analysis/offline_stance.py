"""Stance, relevance and an extractive summary from the balance of what the rules found."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.analysis.offline_rules import CueKind, Reading
from bot.domain.models import Claim, Direction, DocumentKind, IndicatorObservation, Lens, Stance

PREMATURE_SHARE = 0.6  # share of the evidence that makes a stance one-sided
VICTORY_SHARE = 0.3
MIN_EVIDENCE = 1.0
OBSERVATION_WEIGHT = 0.5
RELAYED_CLAIM_WEIGHT = 0.5
SUMMARY_SENTENCES = 2
MIN_SUMMARY_CHARS = 40
MAX_SUMMARY_CHARS = 600


@dataclass(frozen=True, slots=True)
class Balance:
    """Weighted evidence each way."""

    premature: float
    victory: float
    claims: int
    against: int
    mentions: int = 0


def weigh_evidence(
    reading: Reading,
    lens: Lens,
    claims: Sequence[Claim],
    observations: Sequence[IndicatorObservation],
) -> Balance:
    """Count premature and victory cues (once per unit), claims and indicators against victory.

    An observation stated in victory language ("liberated 20,000 square miles") counts for the
    victory; a claim a news report or analysis only relays counts half.
    """
    premature = victory = 0
    victory_units = set()
    for index, hits in reading.stance.items():
        tags = {tag for hit in hits for tag in hit.tags}
        premature += CueKind.PREMATURE in tags
        victory += CueKind.VICTORY in tags
        if CueKind.VICTORY in tags and CueKind.PREMATURE not in tags:
            victory_units.add(index)
    against = [obs for obs in observations if _bears_against(lens, obs.indicator)]
    units = reading.unit_of
    against_count = sum(1 for obs in against if units(obs.start) not in victory_units)
    claim_weight = 1.0 if reading.document.kind == DocumentKind.STATEMENT else RELAYED_CLAIM_WEIGHT
    return Balance(
        premature=premature + OBSERVATION_WEIGHT * against_count,
        victory=victory
        + claim_weight * len(claims)
        + OBSERVATION_WEIGHT * (len(against) - against_count),
        claims=len(claims),
        against=against_count,
        mentions=sum(len(hits) for hits in reading.subject.values()),
    )


def _bears_against(lens: Lens, indicator: str) -> bool:
    spec = lens.indicator(indicator)
    return spec is not None and spec.direction != Direction.UP_IS_FOR_VICTORY


def decide_stance(balance: Balance) -> tuple[Stance, str]:
    """The stance and a one-sentence reason naming the counts it rests on."""
    total = balance.premature + balance.victory
    if balance.mentions == 0:
        return Stance.NEUTRAL, "Rule-based reading: the document does not name the subject."
    if total < MIN_EVIDENCE:
        return Stance.NEUTRAL, "Rule-based reading: the document says little either way."
    share = balance.premature / total
    counts = (
        f"{balance.premature:g} weight of persisting-threat evidence "
        f"({balance.against} indicator observations) against {balance.victory:g} of victory "
        f"language ({balance.claims} claims)"
    )
    if share >= PREMATURE_SHARE:
        return Stance.SUPPORTS_PREMATURE, f"Rule-based reading: {counts}."
    if share <= VICTORY_SHARE:
        return Stance.SUPPORTS_VICTORY, f"Rule-based reading: {counts}."
    return Stance.MIXED, f"Rule-based reading: evidence is divided, {counts}."


def score_relevance(reading: Reading, findings: int) -> float:
    """0-1: grows with mentions of the subject and with what was found."""
    mentions = sum(len(hits) for hits in reading.subject.values())
    weight = 0.35 * min(mentions, 6) + 0.5 * min(findings, 6)
    return round(1.0 - math.exp(-weight / 2), 2)


def summarize(reading: Reading, found_units: Sequence[int]) -> str:
    """The two most relevant units, verbatim, in document order."""
    scores = _score_units(reading, found_units)
    ranked = sorted(scores, key=lambda index: (-scores[index], index))[:SUMMARY_SENTENCES]
    return " ".join(reading.unit_text(index) for index in sorted(ranked))


def _score_units(reading: Reading, found_units: Sequence[int]) -> dict[int, float]:
    found = Counter(found_units)
    scores: dict[int, float] = {}
    for index in range(len(reading.units)):
        if not _is_summary_material(reading.unit_text(index)):
            continue
        score = 2.0 * found[index] + len(reading.subject.get(index, []))
        score += 0.5 * len(reading.stance.get(index, []))
        scores[index] = score
    return scores


def _is_summary_material(text: str) -> bool:
    return (
        MIN_SUMMARY_CHARS <= len(text) <= MAX_SUMMARY_CHARS
        and not text.startswith("[")
        and text[-1:] in ".!?\"'”’)"
    )
