"""The offline analyzer: claims, indicators, stance and summary from the lens's rules alone."""

from __future__ import annotations

from datetime import date

from bot.analysis.offline_claims import ClaimCandidate, find_claim_candidates
from bot.analysis.offline_indicators import ObservationCandidate, find_observation_candidates
from bot.analysis.offline_rules import Reading, compile_rules, read_document
from bot.analysis.offline_stance import decide_stance, score_relevance, summarize, weigh_evidence
from bot.domain.models import AnalysisResult, Claim, Document, IndicatorObservation, Lens
from bot.domain.quotes import find_quote

OFFLINE_MODEL = "offline"
OFFLINE_PROMPT_VERSION = "offline-rules@1"


class OfflineAnalyzer:
    """Reads a document under a lens with phrase rules and number parsing; no network, no LLM.

    Every quote it returns was located in the document by ``find_quote``; candidates that are
    not found are dropped and counted in ``quotes_dropped``. Its results are not ``degraded``
    when it is the configured analyzer; the analyze service marks them so when it reads a
    document in the LLM's place.
    """

    @property
    def model(self) -> str:
        return OFFLINE_MODEL

    @property
    def prompt_version(self) -> str:
        return OFFLINE_PROMPT_VERSION

    def analyze(self, document: Document, lens: Lens) -> AnalysisResult:
        """Extract claims, indicator observations, stance, relevance and a summary."""
        rules = compile_rules(lens)
        reading = read_document(document, rules)
        claim_candidates = find_claim_candidates(reading, rules)
        observation_candidates = find_observation_candidates(reading, lens)
        claims = [_to_claim(reading, c) for c in claim_candidates]
        observations = [_to_observation(reading, c) for c in observation_candidates]
        kept_claims = tuple(claim for claim in claims if claim is not None)
        kept_observations = tuple(obs for obs in observations if obs is not None)
        balance = weigh_evidence(reading, lens, kept_claims, kept_observations)
        stance, reason = decide_stance(balance)
        found_units = _found_units(reading, kept_claims, kept_observations)
        return AnalysisResult(
            stance=stance,
            stance_reason=reason,
            relevance=score_relevance(reading, len(kept_claims) + len(kept_observations)),
            summary=summarize(reading, found_units),
            claims=kept_claims,
            indicators=kept_observations,
            quotes_dropped=len(claims)
            - len(kept_claims)
            + len(observations)
            - len(kept_observations),
            model=OFFLINE_MODEL,
            prompt_version=OFFLINE_PROMPT_VERSION,
        )


def _to_claim(reading: Reading, candidate: ClaimCandidate) -> Claim | None:
    match = find_quote(reading.text[candidate.start : candidate.end], reading.text)
    if match is None:
        return None
    return Claim(
        speaker=candidate.speaker,
        quote=match.text,
        start=match.start,
        end=match.end,
        scope=candidate.scope,
        said_at=_published(reading),
    )


def _to_observation(
    reading: Reading, candidate: ObservationCandidate
) -> IndicatorObservation | None:
    match = find_quote(reading.text[candidate.start : candidate.end], reading.text)
    if match is None:
        return None
    return IndicatorObservation(
        indicator=candidate.indicator,
        quote=match.text,
        start=match.start,
        end=match.end,
        low=candidate.low,
        high=candidate.high,
        unit=candidate.unit,
        as_of=candidate.as_of,
    )


def _published(reading: Reading) -> date | None:
    published = reading.document.published_at
    return published.date() if published else None


def _found_units(
    reading: Reading, claims: tuple[Claim, ...], observations: tuple[IndicatorObservation, ...]
) -> list[int]:
    positions = [claim.start for claim in claims] + [obs.start for obs in observations]
    return [reading.unit_of(position) for position in positions]
