"""Pure renderers from domain objects to terminal text: no clock, store or client inside."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import date, datetime

from bot.domain.formatting import describe_source, format_range
from bot.domain.models import (
    Answer,
    Citation,
    ClaimUnderPressure,
    Digest,
    DigestEvidence,
    DigestStatement,
    StoredClaim,
    distinct_citations,
)

WIDTH = 96


def render_digest(digest: Digest) -> str:
    """The digest as readable text with every section of the design, sources numbered."""
    parts = [
        _heading(digest.title),
        f"Question: {digest.question}",
        f"Generated {digest.generated_at:%Y-%m-%d %H:%M} UTC · newest evidence as of "
        f"{format_day(digest.newest_evidence_at)}",
        "",
        _section("BOTTOM LINE", [_wrap(digest.bottom_line, hanging="")]),
        _section("NEW LEADER STATEMENTS", [render_statement(s) for s in digest.statements]),
        _section("NEW EVIDENCE", [render_evidence(e) for e in digest.evidence]),
        _section("CLAIMS UNDER PRESSURE", [render_pressure(p) for p in digest.under_pressure]),
        _section("SOURCES", [render_source(c) for c in digest.sources]),
    ]
    return "\n".join(parts).rstrip() + "\n"


def render_statement(statement: DigestStatement) -> str:
    """One declaration: speaker, date, scope and the exact words."""
    said = format_day(statement.said_at)
    head = f"• {statement.speaker}, said on {said} ({statement.scope.value} claim)"
    return f"{head}\n{_quote(statement.quote)} [{statement.source_number}]"


def render_evidence(item: DigestEvidence) -> str:
    """One indicator value with its range, as-of date and change since the previous value."""
    value = format_range(item.low, item.high)
    unit = f" {item.unit}" if item.unit and value != "unquantified" else ""
    head = f"• {item.label}: {value}{unit}, as of {format_day(item.as_of)}{_change(item)}"
    return f"{head}\n{_quote(item.quote)} [{item.source_number}]"


def _change(item: DigestEvidence) -> str:
    if item.previous_low is None and item.previous_high is None:
        return ""
    previous = format_range(item.previous_low, item.previous_high)
    if (item.previous_low, item.previous_high) == (item.low, item.high):
        return f" (unchanged since {format_day(item.previous_as_of)})"
    return f" (previously {previous}, as of {format_day(item.previous_as_of)})"


def render_pressure(item: ClaimUnderPressure) -> str:
    """A claim beside the newest evidence dated after it."""
    claim = (
        f"• Claim: {item.speaker}, {format_day(item.said_at)}: "
        f"{inline(item.quote)} [{item.source_number}]"
    )
    evidence = (
        f"Evidence {item.bears} it ({item.evidence_label}, "
        f"as of {format_day(item.evidence_as_of)}): "
        f"{inline(item.evidence_quote)} [{item.evidence_source_number}]"
    )
    return "\n".join([_wrap(claim), _wrap(evidence, indent="    ")])


def render_source(citation: Citation) -> str:
    """'[n] Title — publisher (descriptor), date — URL'."""
    descriptor = describe_source(citation.document_kind)
    who = ", ".join(part for part in (citation.publisher, descriptor) if part)
    published = format_day(citation.published_at.date() if citation.published_at else None)
    return f"[{citation.number}] {citation.title} — {who}, {published}\n    {citation.url}"


def render_answer(answer: Answer) -> str:
    """The answer with its numbered, verified supporting passages."""
    if not answer.answered:
        return f"Q: {answer.question}\n{answer.text}\n"
    lines = [f"Q: {answer.question}", _wrap(answer.text), "", "Sources:"]
    lines += [render_cited_passage(citation) for citation in distinct_citations(answer.citations)]
    return "\n".join(lines) + "\n"


def render_cited_passage(citation: Citation) -> str:
    """A source line with the verbatim passage it supports."""
    return f"{render_source(citation)}\n{_quote(citation.quote)}"


def render_claims(claims: Sequence[StoredClaim]) -> str:
    """The claim ledger as text, oldest first."""
    if not claims:
        return "The ledger has no claims yet.\n"
    rows = [
        f"• {format_day(c.claim.said_at)} {c.claim.speaker} ({c.claim.scope.value}): "
        f"{inline(c.claim.quote)} — {c.document.title}"
        for c in claims
    ]
    return "\n".join(_wrap(row) for row in rows) + "\n"


def _heading(title: str) -> str:
    return f"{title}\n{'=' * min(len(title), WIDTH)}"


def _section(name: str, items: Sequence[str]) -> str:
    body = "\n".join(items) if items else "  (nothing new)"
    return f"{name}\n{body}\n"


def _quote(text: str) -> str:
    return _wrap(f"“{inline(text)}”", indent="    ")


def inline(text: str) -> str:
    return " ".join(text.split())


def _wrap(text: str, *, indent: str = "", hanging: str = "  ") -> str:
    return "\n".join(
        textwrap.fill(line, WIDTH, initial_indent=indent, subsequent_indent=indent or hanging)
        for line in text.splitlines()
    )


def format_day(value: date | datetime | None) -> str:
    if value is None:
        return "date unknown"
    return value.strftime("%Y-%m-%d")


# The claim ledger ---------------------------------------------------------------------------
