"""Merging what the parts of one long document yielded into one analysis."""

from __future__ import annotations

from collections.abc import Sequence

from bot.analysis.llm_schema import ChunkFinding
from bot.domain.models import Stance


def merge_findings(findings: Sequence[ChunkFinding]) -> ChunkFinding:
    """Claims de-duplicated by offsets, observations by (indicator, offsets), in text order;
    the stance decided as :func:`decide_stance` says; relevance the highest; the first part's
    summary (the part that introduces the document)."""
    claims = {(c.start, c.end): c for f in reversed(findings) for c in f.claims}
    indicators = {
        (o.indicator, o.start, o.end): o for f in reversed(findings) for o in f.indicators
    }
    stance, reason = decide_stance(findings)
    return ChunkFinding(
        claims=tuple(sorted(claims.values(), key=lambda c: (c.start, c.end))),
        indicators=tuple(sorted(indicators.values(), key=lambda o: (o.start, o.end, o.indicator))),
        stance=stance,
        stance_reason=reason,
        relevance=max((f.relevance for f in findings), default=0.0),
        summary=next((f.summary for f in findings if f.summary), ""),
        dropped=sum(f.dropped for f in findings),
    )


def decide_stance(findings: Sequence[ChunkFinding]) -> tuple[Stance, str]:
    """One stance from the parts' stances, with the reason of the part that decided it.

    Premature and victory parts together make ``mixed``; either alone decides; otherwise a
    ``mixed`` part decides; otherwise ``neutral``.
    """
    premature = _first(findings, Stance.SUPPORTS_PREMATURE)
    victory = _first(findings, Stance.SUPPORTS_VICTORY)
    if premature is not None and victory is not None:
        return Stance.MIXED, _join(premature.stance_reason, victory.stance_reason)
    decider = premature or victory or _first(findings, Stance.MIXED)
    if decider is not None:
        return decider.stance, decider.stance_reason
    neutral = findings[0].stance_reason if findings else ""
    return Stance.NEUTRAL, neutral


def _first(findings: Sequence[ChunkFinding], stance: Stance) -> ChunkFinding | None:
    return next((finding for finding in findings if finding.stance is stance), None)


def _join(first: str, second: str) -> str:
    return " ".join(part for part in (first, second) if part)
