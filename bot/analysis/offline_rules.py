"""A lens compiled into phrase tables, and the per-document reading the rule analyzer shares."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from bot.analysis.offline_text import Hit, PhraseTable, bucket_hits, split_units
from bot.domain.models import ClaimScope, Document, Lens


class CueKind(StrEnum):
    """Which way a stance cue leans."""

    PREMATURE = "premature"
    VICTORY = "victory"


class TermKind(StrEnum):
    """An indicator phrase: a term needs a number nearby, a cue is evidence by itself."""

    TERM = "term"
    CUE = "cue"


@dataclass(frozen=True, slots=True)
class IndicatorTag:
    """Which indicator a phrase belongs to and how it counts."""

    name: str
    kind: TermKind


@dataclass(frozen=True, slots=True)
class Rules:
    """The lens as phrase tables."""

    subject: PhraseTable[bool]
    context: PhraseTable[bool]
    claim_cues: PhraseTable[bool]
    scopes: PhraseTable[ClaimScope]
    indicators: PhraseTable[IndicatorTag]
    stance: PhraseTable[CueKind]


@dataclass(frozen=True, slots=True)
class Reading:
    """One document cut into units, with every phrase hit grouped by unit."""

    document: Document
    units: list[tuple[int, int]]
    starts: list[int]
    subject: dict[int, list[Hit[bool]]] = field(default_factory=dict)
    context: dict[int, list[Hit[bool]]] = field(default_factory=dict)
    claim_cues: dict[int, list[Hit[bool]]] = field(default_factory=dict)
    indicators: dict[int, list[Hit[IndicatorTag]]] = field(default_factory=dict)
    stance: dict[int, list[Hit[CueKind]]] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.document.text

    def unit_of(self, position: int) -> int:
        """The index of the unit that holds ``position`` (-1 before the first)."""
        return bisect_right(self.starts, position) - 1

    def unit_text(self, index: int) -> str:
        start, end = self.units[index]
        return self.document.text[start:end]


@lru_cache(maxsize=16)
def compile_rules(lens: Lens) -> Rules:
    """Phrase tables for ``lens`` (cached: a lens is immutable)."""
    return Rules(
        subject=PhraseTable((name, True) for name in (lens.subject, *lens.aliases)),
        context=PhraseTable((term, True) for term in lens.context_terms),
        claim_cues=PhraseTable((cue, True) for cue in lens.claim_cues),
        scopes=PhraseTable((cue, spec.scope) for spec in lens.scopes for cue in spec.cues),
        indicators=PhraseTable(_indicator_entries(lens)),
        stance=PhraseTable(_stance_entries(lens)),
    )


def _indicator_entries(lens: Lens) -> list[tuple[str, IndicatorTag]]:
    entries = [(t, IndicatorTag(s.name, TermKind.TERM)) for s in lens.indicators for t in s.terms]
    return entries + [
        (c, IndicatorTag(s.name, TermKind.CUE)) for s in lens.indicators for c in s.cues
    ]


def _stance_entries(lens: Lens) -> list[tuple[str, CueKind]]:
    premature = [(cue, CueKind.PREMATURE) for cue in lens.premature_cues]
    return premature + [(cue, CueKind.VICTORY) for cue in lens.victory_cues]


def read_document(document: Document, rules: Rules) -> Reading:
    """Cut ``document`` into units and find every lens phrase in it, one pass per table."""
    text = document.text
    units = split_units(text)
    return Reading(
        document=document,
        units=units,
        starts=[start for start, _ in units],
        subject=bucket_hits(rules.subject.find(text), units),
        context=bucket_hits(rules.context.find(text), units),
        claim_cues=bucket_hits(rules.claim_cues.find(text), units),
        indicators=bucket_hits(rules.indicators.find(text), units),
        stance=bucket_hits(rules.stance.find(text), units),
    )
