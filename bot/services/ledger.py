"""Ledger: every declaration of victory beside the evidence dated after it, and the trend."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from bot.domain.errors import ConfigError
from bot.domain.ledger import (
    Bearing,
    IndicatorLatest,
    LedgerEntry,
    LedgerEvidence,
    MonthTally,
    SeriesRow,
    bearing_of,
)
from bot.domain.models import (
    Document,
    IndicatorSpec,
    Lens,
    Stance,
    StoredAnalysis,
    StoredClaim,
    StoredObservation,
    drop_implied_stored,
)
from bot.domain.quotes import find_quote

MAX_EVIDENCE_PER_BEARING = 3  # per claim: the newest against and the newest for both survive


class LedgerStore(Protocol):
    """What the ledger reads (``AnalysisStore`` provides it)."""

    def list_analyses(
        self, *, lens_id: str, since: datetime | None = None
    ) -> list[StoredAnalysis]: ...

    def list_claims(self, *, lens_id: str) -> list[StoredClaim]: ...

    def list_observations(self, *, lens_id: str) -> list[StoredObservation]: ...


def document_date(document: Document) -> date:
    """The document's published date, else the date it was fetched."""
    return (document.published_at or document.fetched_at).date()


@dataclass(frozen=True, slots=True)
class LedgerService:
    """The claim ledger the CLI, digest and chat show, read from stored analyses.

    Only quotes found verbatim in their document's text are shown; a claim or an observation
    whose quote is not found there is left out.
    """

    store: LedgerStore
    lens: Lens

    def entries(self) -> list[LedgerEntry]:
        """Each claim (oldest said first, a repeated quote once) with the observations from
        other documents dated on or after it, newest first, at most three each way."""
        evidence = self._evidence()
        entries = []
        for stored in _unique_claims(self.store.list_claims(lens_id=self.lens.id)):
            said_on = stored.claim.said_at or document_date(stored.document)
            later = [
                item
                for item in evidence
                if item.dated >= said_on and item.observation.document.id != stored.document.id
            ]
            entries.append(LedgerEntry(stored, said_on, _cap_per_bearing(later)))
        return entries

    def latest_values(self) -> list[IndicatorLatest]:
        """Per lens indicator (lens order): the newest quantified value and the previous
        quantified value from another document; indicators with no value are left out."""
        quantified = [stored for stored in self._observations() if stored.observation.is_quantified]
        latest = []
        for spec in self.lens.indicators:
            series = sorted(
                (stored for stored in quantified if stored.observation.indicator == spec.name),
                key=observation_date,
                reverse=True,
            )
            if series:
                latest.append(_build_latest(spec, series))
        return latest

    def trajectory(self) -> list[MonthTally]:
        """By month of the document's date, oldest first: analyses by stance and lens
        observations by bearing."""
        stances: dict[date, Counter[Stance]] = {}
        bearings: dict[date, Counter[Bearing]] = {}
        for analysis in self.store.list_analyses(lens_id=self.lens.id):
            month = _month_of(document_date(analysis.document))
            stances.setdefault(month, Counter())[analysis.result.stance] += 1
        for item in self._evidence():
            month = _month_of(document_date(item.observation.document))
            bearings.setdefault(month, Counter())[item.bearing] += 1
        return [
            MonthTally(month, dict(stances.get(month, {})), dict(bearings.get(month, {})))
            for month in sorted(stances.keys() | bearings.keys())
        ]

    def series_rows(self, indicator: str | None = None) -> list[SeriesRow]:
        """Every observation (of ``indicator`` when given), oldest as-of first.

        Raises ``ConfigError`` when ``indicator`` is not one of the lens's indicators.
        """
        if indicator is not None and self.lens.indicator(indicator) is None:
            known = ", ".join(spec.name for spec in self.lens.indicators)
            raise ConfigError(f"no indicator named {indicator!r} in the lens (known: {known})")
        return [
            _build_row(stored, self.lens.indicator(stored.observation.indicator))
            for stored in self._observations()
            if indicator is None or stored.observation.indicator == indicator
        ]

    def _observations(self) -> list[StoredObservation]:
        """Verified observations, less the lower bounds their document's own figures imply."""
        return drop_implied_stored(
            [
                stored
                for stored in self.store.list_observations(lens_id=self.lens.id)
                if _is_verbatim(stored.observation.quote, stored.document)
            ]
        )

    def _evidence(self) -> list[LedgerEvidence]:
        """Observations of lens indicators, tagged with their bearing: figures before
        unquantified mentions (a reader weighs "14,000-18,000 members" above a passing
        remark), newest first within each."""
        tagged = []
        for stored in self._observations():
            spec = self.lens.indicator(stored.observation.indicator)
            if spec is not None:
                dated = observation_date(stored)
                tagged.append(LedgerEvidence(stored, spec.label, bearing_of(spec.direction), dated))
        return sorted(
            tagged,
            key=lambda item: (item.observation.observation.is_quantified, item.dated),
            reverse=True,
        )


def observation_date(stored: StoredObservation) -> date:
    """The observation's as-of date, else its document's date."""
    return stored.observation.as_of or document_date(stored.document)


def _unique_claims(claims: Iterable[StoredClaim]) -> list[StoredClaim]:
    """Verified claims, the first (oldest) of each repeated quote only."""
    seen: set[str] = set()
    unique = []
    for stored in claims:
        key = " ".join(stored.claim.quote.casefold().split()).rstrip(".!?\"' ")
        if key not in seen and _is_verbatim(stored.claim.quote, stored.document):
            seen.add(key)
            unique.append(stored)
    return unique


def _cap_per_bearing(evidence: Sequence[LedgerEvidence]) -> tuple[LedgerEvidence, ...]:
    counts: Counter[Bearing] = Counter()
    kept = []
    for item in evidence:
        if counts[item.bearing] < MAX_EVIDENCE_PER_BEARING:
            counts[item.bearing] += 1
            kept.append(item)
    return tuple(kept)


def _build_latest(spec: IndicatorSpec, series: Sequence[StoredObservation]) -> IndicatorLatest:
    newest = series[0]
    previous = next(
        (stored for stored in series[1:] if stored.document.id != newest.document.id), None
    )
    return IndicatorLatest(
        indicator=spec.name,
        label=spec.label,
        unit=newest.observation.unit or spec.unit,
        latest=newest,
        previous=previous,
    )


def _build_row(stored: StoredObservation, spec: IndicatorSpec | None) -> SeriesRow:
    obs = stored.observation
    return SeriesRow(
        as_of=obs.as_of,
        indicator=obs.indicator,
        low=obs.low,
        high=obs.high,
        unit=obs.unit or (spec.unit if spec else None),
        title=stored.document.title,
        url=stored.document.url,
        quote=obs.quote,
    )


def _is_verbatim(quote: str, document: Document) -> bool:
    match = find_quote(quote, document.text)
    return match is not None and match.text == quote.strip()


def _month_of(day: date) -> date:
    return day.replace(day=1)
