"""Indicator observations: a lens term near a number, or a cue phrase that states it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.analysis.numbers import Quantity, QuantityKind, find_quantities
from bot.analysis.offline_rules import IndicatorTag, Reading, TermKind
from bot.analysis.offline_text import Hit, find_label, quotation_around
from bot.domain.models import IndicatorSpec, Lens

MAX_OBSERVATIONS = 500
NEAR_CHARS = 60  # how far a number may sit from its term
MAX_QUOTE_CHARS = 600
QUOTE_MARKS = "\"'\u201c\u201d\u2018\u2019"
PERCENT_UNIT = "percent"
MONEY_UNIT = "USD"

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_AS_OF = re.compile(
    rf"\bas\s+(?:of|at)\s+(?:(?:the\s+)?end\s+of\s+)?"
    rf"(?:(?P<day1>[0-9]{{1,2}})\s+(?P<month1>{_MONTH})\.?|(?P<month2>{_MONTH})\.?"
    rf"(?:\s+(?P<day2>[0-9]{{1,2}}),?)?)?\s*(?P<year>(?:19|20)[0-9]{{2}})\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ObservationCandidate:
    """An indicator observation before its quote is checked against the document."""

    indicator: str
    start: int
    end: int
    low: float | None
    high: float | None
    unit: str | None
    as_of: date | None
    qualitative: bool


def find_observation_candidates(reading: Reading, lens: Lens) -> list[ObservationCandidate]:
    """At most one observation per (indicator, unit), in document order."""
    found: list[ObservationCandidate] = []
    for index in sorted(reading.indicators):
        found.extend(_observations_in_unit(reading, lens, index))
        if len(found) >= MAX_OBSERVATIONS:
            return found[:MAX_OBSERVATIONS]
    return found


def _observations_in_unit(reading: Reading, lens: Lens, index: int) -> list[ObservationCandidate]:
    start, end = reading.units[index]
    content_start, _ = find_label(reading.text, start, end)
    quote_start, quote_end = _quote_bounds(reading.text, content_start, end)
    unit_text = reading.text[start:end]
    quantities = [_shift(q, start) for q in find_quantities(unit_text)]
    as_of = _find_as_of(unit_text) or _published(reading)
    observations = []
    for name, hits in _group_by_indicator(reading.indicators[index]).items():
        spec = lens.indicator(name)
        unit = spec.unit if spec else None
        plausible = [q for q in quantities if _is_plausible(q, spec)]
        observation = _observe(name, hits, plausible, unit=unit, as_of=as_of)
        if observation is not None:
            observations.append(_with_span(observation, quote_start, quote_end))
    return observations


def _is_plausible(quantity: Quantity, spec: IndicatorSpec | None) -> bool:
    """A count below the indicator's minimum describes something else."""
    if spec is None or spec.min_count is None or quantity.kind != QuantityKind.COUNT:
        return True
    return max(quantity.low or 0.0, quantity.high or 0.0) >= spec.min_count


def _quote_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The unit, or the whole quotation when the unit is one sentence of a longer quotation."""
    inner = _strip_marks(text, start, end)
    quotation = quotation_around(text, *inner)
    if quotation is None or quotation[1] - quotation[0] > MAX_QUOTE_CHARS:
        return start, end
    return quotation


def _strip_marks(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in QUOTE_MARKS:
        start += 1
    while end > start and text[end - 1] in QUOTE_MARKS + ",.":
        end -= 1
    return start, end


def _shift(quantity: Quantity, offset: int) -> Quantity:
    return Quantity(
        quantity.start + offset, quantity.end + offset, quantity.low, quantity.high, quantity.kind
    )


def _group_by_indicator(hits: list[Hit[IndicatorTag]]) -> dict[str, list[Hit[IndicatorTag]]]:
    groups: dict[str, list[Hit[IndicatorTag]]] = {}
    for hit in hits:
        for tag in hit.tags:
            groups.setdefault(tag.name, []).append(Hit(hit.start, hit.end, (tag,)))
    return groups


def _observe(
    name: str,
    hits: list[Hit[IndicatorTag]],
    quantities: list[Quantity],
    *,
    unit: str | None,
    as_of: date | None,
) -> ObservationCandidate | None:
    terms = [hit for hit in hits if hit.tags[0].kind == TermKind.TERM]
    quantity = _nearest_quantity(terms, quantities)
    if quantity is not None:
        return ObservationCandidate(
            name, 0, 0, quantity.low, quantity.high, _unit_of(quantity, unit), as_of, False
        )
    if any(hit.tags[0].kind == TermKind.CUE for hit in hits):
        return ObservationCandidate(name, 0, 0, None, None, None, as_of, True)
    return None


def _nearest_quantity(
    terms: list[Hit[IndicatorTag]], quantities: list[Quantity]
) -> Quantity | None:
    best: tuple[int, Quantity] | None = None
    for term in terms:
        for quantity in quantities:
            gap = _gap(term, quantity)
            if gap <= NEAR_CHARS and (best is None or gap < best[0]):
                best = (gap, quantity)
    return best[1] if best else None


def _gap(term: Hit[IndicatorTag], quantity: Quantity) -> int:
    if quantity.end <= term.start:
        return term.start - quantity.end
    if term.end <= quantity.start:
        return (quantity.start - term.end) * 2  # a number after its noun is a weaker link
    return 0


def _unit_of(quantity: Quantity, unit: str | None) -> str | None:
    if quantity.kind == QuantityKind.PERCENT:
        return PERCENT_UNIT
    return MONEY_UNIT if quantity.kind == QuantityKind.MONEY else unit


def _with_span(candidate: ObservationCandidate, start: int, end: int) -> ObservationCandidate:
    return ObservationCandidate(
        candidate.indicator,
        start,
        end,
        candidate.low,
        candidate.high,
        candidate.unit,
        candidate.as_of,
        candidate.qualitative,
    )


def _find_as_of(text: str) -> date | None:
    """The date in an "as of June 2019" phrase (first of the month, or of the year)."""
    match = _AS_OF.search(text)
    if match is None:
        return None
    month_name = match.group("month1") or match.group("month2")
    month = _MONTHS[month_name.lower()] if month_name else 1
    day = int(match.group("day1") or match.group("day2") or 1)
    try:
        return date(int(match.group("year")), month, day)
    except ValueError:
        return None


def _published(reading: Reading) -> date | None:
    published = reading.document.published_at
    return published.date() if published else None
