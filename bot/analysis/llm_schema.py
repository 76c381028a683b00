"""Validating an extract reply: each item alone, quotes located in the document, or dropped."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from bot.analysis.numbers import find_quantities
from bot.domain.errors import LLMError
from bot.domain.models import (
    UNATTRIBUTED,
    Claim,
    ClaimScope,
    Document,
    IndicatorObservation,
    Lens,
    Stance,
)
from bot.domain.quotes import QuoteMatch, find_quote

# A quote must say something: a word or two ("defeated") would anchor anywhere in a long
# report and show the reader an unrelated passage as the model's evidence.
MIN_QUOTE_WORDS = 3
_PARTIAL_DATE = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?)?")
_NAME_SEPARATORS = re.compile(r"[\s\-]+")


def find_substantial_quote(quote: str, text: str) -> QuoteMatch | None:
    """``find_quote``, for quotes of at least MIN_QUOTE_WORDS words; None otherwise."""
    if len(quote.split()) < MIN_QUOTE_WORDS:
        return None
    return find_quote(quote, text)


def _to_number(value: object) -> object:
    """Numbers as the model may write them despite the schema: "14,000", "14 thousand"."""
    if not isinstance(value, str):
        return value
    text = value.strip().replace(",", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        quantities = find_quantities(value)
        if len(quantities) != 1 or quantities[0].low != quantities[0].high:
            return None
        return quantities[0].low


Number = Annotated[float | None, BeforeValidator(_to_number)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]


class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ClaimItem(_Item):
    """A victory claim as the model reported it."""

    speaker: ShortText | None = None
    said_at: ShortText | None = None
    quote: Text
    scope: ClaimScope


class IndicatorItem(_Item):
    """An indicator observation as the model reported it."""

    indicator: Text
    low: Number = None
    high: Number = None
    unit: ShortText | None = None
    as_of: ShortText | None = None
    quote: Text


class ExtractReply(BaseModel):
    """The reply's top level; items stay raw so that one bad item drops only itself."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    claims: list[Any] = Field(default_factory=list)
    indicators: list[Any] = Field(default_factory=list)
    stance: str
    stance_reason: str = ""
    relevance: Number = 0.0
    summary: str = ""


@dataclass(frozen=True, slots=True)
class ChunkFinding:
    """One part of a document's yield, quotes verified; ``dropped`` counts what was not kept."""

    claims: tuple[Claim, ...]
    indicators: tuple[IndicatorObservation, ...]
    stance: Stance
    stance_reason: str
    relevance: float
    summary: str
    dropped: int


def read_finding(data: dict[str, Any], document: Document, lens: Lens) -> ChunkFinding:
    """Validate an extract reply against ``document`` and ``lens``.

    Items that don't validate, whose quote is not in the document, or whose indicator is not
    the lens's, are dropped and counted. Raises ``LLMError`` when the top level is unusable.
    """
    try:
        reply = ExtractReply.model_validate(data)
    except ValidationError as exc:
        field = ".".join(str(p) for p in exc.errors(include_url=False)[0]["loc"])
        raise LLMError(f"extract reply does not match the schema (field {field})") from exc
    claims = [_build_claim(raw, document) for raw in reply.claims]
    indicators = [_build_observation(raw, document, lens) for raw in reply.indicators]
    kept_claims = tuple(claim for claim in claims if claim is not None)
    kept_indicators = tuple(obs for obs in indicators if obs is not None)
    return ChunkFinding(
        claims=kept_claims,
        indicators=kept_indicators,
        stance=_to_stance(reply.stance),
        stance_reason=reply.stance_reason.strip(),
        relevance=min(1.0, max(0.0, reply.relevance or 0.0)),
        summary=reply.summary.strip(),
        dropped=len(claims) - len(kept_claims) + len(indicators) - len(kept_indicators),
    )


def _build_claim(raw: object, document: Document) -> Claim | None:
    try:
        item = ClaimItem.model_validate(raw)
    except ValidationError:
        return None
    match = find_substantial_quote(item.quote, document.text)
    if match is None:
        return None
    return Claim(
        speaker=item.speaker or document.speaker or UNATTRIBUTED,
        quote=match.text,
        start=match.start,
        end=match.end,
        scope=item.scope,
        said_at=parse_partial_date(item.said_at) or _published(document),
    )


def _build_observation(raw: object, document: Document, lens: Lens) -> IndicatorObservation | None:
    try:
        item = IndicatorItem.model_validate(raw)
    except ValidationError:
        return None
    spec = lens.indicator(normalize_indicator_name(item.indicator, lens) or "")
    match = find_substantial_quote(item.quote, document.text)
    if spec is None or match is None:
        return None
    low, high = item.low, item.high
    if low is not None and high is not None and low > high:
        low, high = high, low
    return IndicatorObservation(
        indicator=spec.name,
        quote=match.text,
        start=match.start,
        end=match.end,
        low=low,
        high=high,
        unit=item.unit or spec.unit,
        as_of=parse_partial_date(item.as_of),
    )


def normalize_indicator_name(name: str, lens: Lens) -> str | None:
    """The lens's name for ``name`` ("Fighter strength", "fighter-strength"), or None."""
    key = _NAME_SEPARATORS.sub("_", name.strip().casefold())
    for spec in lens.indicators:
        if key in (spec.name, _NAME_SEPARATORS.sub("_", spec.label.casefold())):
            return spec.name
    return None


def parse_partial_date(value: str | None) -> date | None:
    """'2019-03-23', '2019-03' or '2019' (the first day of the period); None otherwise."""
    match = _PARTIAL_DATE.match(value.strip()) if value else None
    if match is None:
        return None
    try:
        return date(int(match["year"]), int(match["month"] or 1), int(match["day"] or 1))
    except ValueError:
        return None


def _to_stance(value: str) -> Stance:
    try:
        return Stance(value.strip().casefold())
    except ValueError:
        return Stance.NEUTRAL


def _published(document: Document) -> date | None:
    return document.published_at.date() if document.published_at else None
