"""Formatting figures the same way in every renderer."""

from __future__ import annotations

from datetime import date

from bot.domain.models import DigestEvidence, DocumentKind

# How a reader weighs a source (design §5a): an inspector-general estimate is not a tweet.
SOURCE_DESCRIPTORS = {
    DocumentKind.REPORT: "official report",
    DocumentKind.STATEMENT: "statement",
    DocumentKind.NEWS: "press",
    DocumentKind.ANALYSIS: "analysis",
}


def format_range(low: float | None, high: float | None) -> str:
    """'14,000–18,000', 'at least 10,000', 'up to 3,000' or 'unquantified'."""
    if low is not None and high is not None and low != high:
        return f"{_format_number(low)}–{_format_number(high)}"
    if low is not None and high is not None:
        return _format_number(low)
    if low is not None:
        return f"at least {_format_number(low)}"
    if high is not None:
        return f"up to {_format_number(high)}"
    return "unquantified"


def _format_number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def describe_source(kind: DocumentKind | None) -> str | None:
    """'official report', 'statement', 'press' or 'analysis'; None when the kind is unknown."""
    return SOURCE_DESCRIPTORS.get(kind) if kind is not None else None


def format_day(value: date | None) -> str:
    """'2019-08-06', or 'date unknown'."""
    return value.isoformat() if value is not None else "date unknown"


def describe_change(item: DigestEvidence) -> str | None:
    """How a figure moved since the previous one: 'up from 10,000–12,000 (as of 2018-08-01)',
    'down from …', 'unchanged since 2019-04-01' or 'previously up to 17,100 (as of …)' when an
    open range ("at least", "up to") can't be compared; None without a previous figure."""
    if item.previous_low is None and item.previous_high is None:
        return None
    when = format_day(item.previous_as_of)
    if (item.previous_low, item.previous_high) == (item.low, item.high):
        return f"unchanged since {when}"
    previous = format_range(item.previous_low, item.previous_high)
    now, before = _midpoint(item.low, item.high), _midpoint(item.previous_low, item.previous_high)
    if now is None or before is None or now == before:
        return f"previously {previous} (as of {when})"
    return f"{'up' if now > before else 'down'} from {previous} (as of {when})"


def _midpoint(low: float | None, high: float | None) -> float | None:
    """The middle of a closed range; None for open ("at least", "up to") or missing values."""
    return None if low is None or high is None else (low + high) / 2
