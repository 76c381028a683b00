"""Value objects of the claim ledger: claims beside later evidence, latest values, trajectory."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from bot.domain.models import Direction, Stance, StoredClaim, StoredObservation


class Bearing(StrEnum):
    """Which way an observation bears on a declared victory."""

    AGAINST = "against"
    FOR = "for"


_BEARINGS = {
    Direction.UP_IS_AGAINST_VICTORY: Bearing.AGAINST,
    Direction.UP_IS_FOR_VICTORY: Bearing.FOR,
    Direction.RISK: Bearing.AGAINST,  # a rising risk (camps, prisons) weighs against victory
}


def bearing_of(direction: Direction) -> Bearing:
    """How a rising value of an indicator with ``direction`` bears on the declared victory."""
    return _BEARINGS[direction]


@dataclass(frozen=True, slots=True)
class LedgerEvidence:
    """An observation dated on or after a claim, tagged by how it bears on the claim."""

    observation: StoredObservation
    label: str  # the indicator's label from the lens
    bearing: Bearing
    dated: date  # the observation's as-of date, else its document's date


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """A claim with the evidence dated on or after it, newest first."""

    claim: StoredClaim
    said_on: date
    evidence: tuple[LedgerEvidence, ...] = ()

    def newest(self, bearing: Bearing) -> LedgerEvidence | None:
        """The leading evidence bearing ``bearing`` on the claim (the newest figure, else the
        newest unquantified mention), or None."""
        return next((item for item in self.evidence if item.bearing is bearing), None)


@dataclass(frozen=True, slots=True)
class IndicatorLatest:
    """An indicator's newest quantified value and the previous one from another document."""

    indicator: str
    label: str
    unit: str | None
    latest: StoredObservation
    previous: StoredObservation | None = None


@dataclass(frozen=True, slots=True)
class MonthTally:
    """One month (by document date): analyses by stance, observations by bearing."""

    month: date  # the first day of the month
    stances: dict[Stance, int] = field(default_factory=dict)
    evidence: dict[Bearing, int] = field(default_factory=dict)

    def stance_count(self, stance: Stance) -> int:
        """How many documents that month took ``stance``."""
        return self.stances.get(stance, 0)

    def evidence_count(self, bearing: Bearing) -> int:
        """How many observations that month bear ``bearing`` on the declared victory."""
        return self.evidence.get(bearing, 0)


@dataclass(frozen=True, slots=True)
class SeriesRow:
    """One observation as a row of an indicator series export."""

    as_of: date | None
    indicator: str
    low: float | None
    high: float | None
    unit: str | None
    title: str
    url: str
    quote: str
