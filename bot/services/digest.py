"""Digest: what is new since a point in time, ranked under the lens, with a bottom line.

The bottom line is composed only from extracted items (claims, indicator observations and
stances), never from raw document text, so every name in it occurs in those items.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from bot.domain.formatting import format_range
from bot.domain.ledger import bearing_of
from bot.domain.models import (
    UNATTRIBUTED,
    Citation,
    Claim,
    ClaimUnderPressure,
    Digest,
    DigestEvidence,
    DigestStatement,
    Direction,
    Document,
    DocumentKind,
    IndicatorObservation,
    IndicatorSpec,
    Lens,
    Stance,
    StoredAnalysis,
    StoredClaim,
    StoredObservation,
    drop_implied_bounds,
    drop_implied_stored,
)
from bot.ports import AnalysisStore, SourceStore

MAX_STATEMENTS = 4
MAX_EVIDENCE = 6
MAX_UNDER_PRESSURE = 3
MAX_PER_INDICATOR = 2
MAX_PER_DOCUMENT = 2

# ICD 203 estimative words, from the lowest probability band to the highest.
ESTIMATIVE_WORDS = (
    (0.05, "almost no chance"),
    (0.20, "very unlikely"),
    (0.45, "unlikely"),
    (0.55, "roughly even chance"),
    (0.80, "likely"),
    (0.95, "very likely"),
    (1.01, "almost certain"),
)


def estimative_word(probability: float) -> str:
    """The ICD 203 word for ``probability`` (0–1)."""
    return next(word for bound, word in ESTIMATIVE_WORDS if probability < bound)


class _Numbering:
    """Assigns source numbers to documents in order of first citation."""

    def __init__(self) -> None:
        self._numbers: dict[int, int] = {}
        self.citations: list[Citation] = []

    def number(self, document: Document, quote: str) -> int:
        if document.id not in self._numbers:
            self._numbers[document.id] = len(self._numbers) + 1
            self.citations.append(
                Citation.for_document(self._numbers[document.id], document, quote)
            )
        return self._numbers[document.id]


class DigestStore(AnalysisStore, SourceStore, Protocol):
    """What a digest reads: analyses, and sources to filter them by tag."""


@dataclass(frozen=True, slots=True)
class DigestService:
    """Builds the digest for a period from the stored analyses."""

    store: DigestStore
    lens: Lens

    def build(self, *, since: datetime | None, now: datetime, tags: Sequence[str] = ()) -> Digest:
        """Everything analyzed since ``since``; with ``tags``, only documents from sources
        carrying one of them (the claim ledger behind "claims under pressure" stays whole)."""
        analyses = sorted(
            self._tagged(self.store.list_analyses(lens_id=self.lens.id, since=since), tags),
            key=lambda analysis: analysis.result.relevance,
            reverse=True,
        )
        numbering = _Numbering()
        statements = _build_statements(analyses, numbering)
        history = drop_implied_stored(self.store.list_observations(lens_id=self.lens.id))
        evidence = _build_evidence(analyses, history, self.lens, numbering)
        pressure = _build_under_pressure(
            self.store.list_claims(lens_id=self.lens.id), history, self.lens, numbering
        )
        return Digest(
            title=f"{self.lens.subject}: is the declared victory holding?",
            question=self.lens.question,
            generated_at=now,
            bottom_line=compose_bottom_line(analyses, evidence, statements, self.lens),
            statements=statements,
            evidence=evidence,
            under_pressure=pressure,
            sources=tuple(numbering.citations),
            newest_evidence_at=_newest_as_of(analyses),
            document_ids=tuple(analysis.document.id for analysis in analyses),
        )

    def _tagged(
        self, analyses: Sequence[StoredAnalysis], tags: Sequence[str]
    ) -> list[StoredAnalysis]:
        if not tags:
            return list(analyses)
        wanted = {tag.casefold() for tag in tags}
        sources = {
            source.id
            for source in self.store.list_sources()
            if wanted & {tag.casefold() for tag in source.spec.tags}
        }
        return [a for a in analyses if a.document.source_id in sources]


def _newest_as_of(analyses: Sequence[StoredAnalysis]) -> date | None:
    dates = [obs.as_of for a in analyses for obs in a.result.indicators if obs.as_of]
    return max(dates, default=None)


def _build_statements(
    analyses: Sequence[StoredAnalysis], numbering: _Numbering
) -> tuple[DigestStatement, ...]:
    """Declarations in statements first, then relayed ones; at most two per document."""
    pairs = sorted(
        ((analysis, claim) for analysis in analyses for claim in analysis.result.claims),
        key=lambda pair: (
            pair[0].document.kind is DocumentKind.STATEMENT,
            pair[1].speaker != UNATTRIBUTED,
            pair[0].result.relevance,
        ),
        reverse=True,
    )
    chosen: list[tuple[StoredAnalysis, Claim]] = []
    per_document: dict[int, int] = {}
    for analysis, claim in pairs:
        if per_document.get(analysis.document.id, 0) < MAX_PER_DOCUMENT:
            per_document[analysis.document.id] = per_document.get(analysis.document.id, 0) + 1
            chosen.append((analysis, claim))
    chosen = sorted(chosen[:MAX_STATEMENTS], key=lambda pair: pair[1].said_at or date.min)
    return tuple(
        DigestStatement(
            speaker=claim.speaker,
            said_at=claim.said_at,
            quote=claim.quote,
            scope=claim.scope,
            source_number=numbering.number(analysis.document, claim.quote),
        )
        for analysis, claim in chosen
    )


def _build_evidence(
    analyses: Sequence[StoredAnalysis],
    history: Sequence[StoredObservation],
    lens: Lens,
    numbering: _Numbering,
) -> tuple[DigestEvidence, ...]:
    """Quantified figures first, newest first; one line per quote, two per indicator."""
    chosen: list[tuple[StoredAnalysis, IndicatorObservation]] = []
    quotes: set[str] = set()
    per_indicator: dict[str, int] = {}
    for analysis, obs in _rank_observations(analyses):
        if obs.quote in quotes or per_indicator.get(obs.indicator, 0) >= MAX_PER_INDICATOR:
            continue
        quotes.add(obs.quote)
        per_indicator[obs.indicator] = per_indicator.get(obs.indicator, 0) + 1
        chosen.append((analysis, obs))
    return tuple(
        _to_evidence(analysis, obs, history, lens, numbering)
        for analysis, obs in chosen[:MAX_EVIDENCE]
    )


def _rank_observations(
    analyses: Sequence[StoredAnalysis],
) -> list[tuple[StoredAnalysis, IndicatorObservation]]:
    pairs = [
        (analysis, obs)
        for analysis in analyses
        for obs in drop_implied_bounds(analysis.result.indicators)
    ]
    return sorted(
        pairs,
        key=lambda pair: (
            pair[1].is_quantified,
            pair[1].as_of or date.min,
            pair[0].result.relevance,
        ),
        reverse=True,
    )


def _to_evidence(
    analysis: StoredAnalysis,
    obs: IndicatorObservation,
    history: Sequence[StoredObservation],
    lens: Lens,
    numbering: _Numbering,
) -> DigestEvidence:
    spec = lens.indicator(obs.indicator)
    previous = _previous_value(obs.indicator, obs.as_of, analysis.document.id, history)
    return DigestEvidence(
        indicator=obs.indicator,
        label=spec.label if spec else obs.indicator,
        low=obs.low,
        high=obs.high,
        unit=obs.unit or (spec.unit if spec else None),
        as_of=obs.as_of,
        quote=obs.quote,
        source_number=numbering.number(analysis.document, obs.quote),
        previous_low=previous.observation.low if previous else None,
        previous_high=previous.observation.high if previous else None,
        previous_as_of=previous.observation.as_of if previous else None,
        direction=spec.direction if spec else Direction.RISK,
    )


def _previous_value(
    indicator: str, as_of: date | None, document_id: int, history: Sequence[StoredObservation]
) -> StoredObservation | None:
    """The newest quantified observation of ``indicator`` dated before ``as_of``."""
    earlier = [
        stored
        for stored in history
        if stored.observation.indicator == indicator
        and stored.document.id != document_id
        and stored.observation.is_quantified
        and stored.observation.as_of is not None
        and (as_of is None or stored.observation.as_of < as_of)
    ]
    return max(earlier, key=lambda stored: stored.observation.as_of or date.min, default=None)


def _build_under_pressure(
    claims: Sequence[StoredClaim],
    history: Sequence[StoredObservation],
    lens: Lens,
    numbering: _Numbering,
) -> tuple[ClaimUnderPressure, ...]:
    pressure: list[ClaimUnderPressure] = []
    speakers: set[str] = set()
    for stored in sorted(claims, key=_claim_weight, reverse=True):
        evidence = _newest_evidence_after(stored, history, lens)
        if stored.claim.speaker in speakers or evidence is None:
            continue  # one claim per speaker: the strongest
        speakers.add(stored.claim.speaker)
        spec = lens.indicator(evidence.observation.indicator)
        pressure.append(
            ClaimUnderPressure(
                speaker=stored.claim.speaker,
                said_at=stored.claim.said_at,
                quote=stored.claim.quote,
                evidence_label=spec.label if spec else evidence.observation.indicator,
                evidence_quote=evidence.observation.quote,
                evidence_as_of=evidence.observation.as_of,
                source_number=numbering.number(stored.document, stored.claim.quote),
                evidence_source_number=numbering.number(
                    evidence.document, evidence.observation.quote
                ),
                bears=_bearing(spec),
            )
        )
        if len(pressure) == MAX_UNDER_PRESSURE:
            break
    return tuple(pressure)


def _claim_weight(stored: StoredClaim) -> tuple[bool, bool, bool, date]:
    """Speakers' own statements first, then statements, attributed claims, the newest."""
    document = stored.document
    return (
        stored.claim.speaker == document.speaker,
        document.kind is DocumentKind.STATEMENT,
        stored.claim.speaker != UNATTRIBUTED,
        stored.claim.said_at or date.min,
    )


def _bearing(spec: IndicatorSpec | None) -> str:
    return bearing_of(spec.direction if spec else Direction.RISK).value


def _newest_evidence_after(
    stored: StoredClaim, history: Sequence[StoredObservation], lens: Lens
) -> StoredObservation | None:
    said = stored.claim.said_at
    later = [
        obs
        for obs in history
        if obs.observation.as_of is not None
        and (said is None or obs.observation.as_of >= said)
        and obs.document.id != stored.document.id
        and lens.indicator(obs.observation.indicator) is not None
    ]
    return max(
        later,
        key=lambda obs: (
            obs.observation.is_quantified,
            _bearing(lens.indicator(obs.observation.indicator)) == "against",
            obs.observation.as_of or date.min,
        ),
        default=None,
    )


def compose_bottom_line(
    analyses: Sequence[StoredAnalysis],
    evidence: Sequence[DigestEvidence],
    statements: Sequence[DigestStatement],
    lens: Lens,
) -> str:
    """Two sentences answering the framing question from extracted items only."""
    if not analyses:
        return "No new documents were analyzed in this period; the assessment is unchanged."
    against = sum(1 for a in analyses if a.result.stance is Stance.SUPPORTS_PREMATURE)
    for_victory = sum(1 for a in analyses if a.result.stance is Stance.SUPPORTS_VICTORY)
    weighed = against + for_victory
    share = (against + 0.5) / (weighed + 1)
    word = estimative_word(share)
    degraded = any(a.result.degraded or a.result.model == "offline" for a in analyses)
    confidence = "low confidence, rule-based reading" if degraded else "moderate confidence"
    first = (
        f"Briefbot assesses ({confidence}) that it is {word} that the declared victory over "
        f"{lens.subject} is premature: of {_count(len(analyses), 'new document')}, {against} "
        f"point{'s' if against == 1 else ''} that way and {for_victory} "
        f"support{'s' if for_victory == 1 else ''} the victory."
    )
    return f"{first} {_second_sentence(evidence, statements)}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _second_sentence(
    evidence: Sequence[DigestEvidence], statements: Sequence[DigestStatement]
) -> str:
    quantified = [item for item in evidence if item.is_quantified]
    if quantified:
        item = quantified[0]
        dated = f" as of {item.as_of.isoformat()}" if item.as_of else ""
        figure = format_range(item.low, item.high)
        return f"Newest figure: {item.label} {figure}{dated} [{item.source_number}]."
    if statements:
        statement = statements[0]
        said = f" on {statement.said_at.isoformat()}" if statement.said_at else ""
        return f"New declaration by {statement.speaker}{said} [{statement.source_number}]."
    return "No new figures or declarations were found."
