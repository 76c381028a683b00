"""Formatting figures the same way in every renderer."""

from __future__ import annotations

from bot.domain.models import DocumentKind

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
