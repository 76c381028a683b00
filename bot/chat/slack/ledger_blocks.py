"""Pure Block Kit renderers for ``/briefbot claims`` and ``/briefbot sources``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.chat.slack.constants import MAX_BLOCKS, MAX_SECTION_TEXT
from bot.chat.slack.mrkdwn import escape_inline, link, truncate
from bot.domain.formatting import format_range
from bot.domain.ledger import Bearing, LedgerEntry, LedgerEvidence
from bot.domain.models import Source

Block = dict[str, Any]
TOP_CLAIMS = 5
QUOTE_CHARS = 280
SOURCE_LINES = 40


def render_claims_blocks(entries: Sequence[LedgerEntry], *, limit: int = TOP_CLAIMS) -> list[Block]:
    """The newest declarations of victory, each with the latest evidence against and for."""
    if not entries:
        return [_section("The ledger holds no declarations of victory yet.")]
    newest = sorted(entries, key=lambda entry: entry.said_on, reverse=True)[:limit]
    blocks = [_section(f"*Claim ledger*: {len(newest)} newest of {len(entries)} claims")]
    blocks += [_section(_claim_text(entry)) for entry in newest]
    return blocks[:MAX_BLOCKS]


def _claim_text(entry: LedgerEntry) -> str:
    claim, document = entry.claim.claim, entry.claim.document
    quote = truncate(escape_inline(claim.quote), QUOTE_CHARS)
    said = link(document.url, f"{entry.said_on:%Y-%m-%d}")
    lines = [f"*{escape_inline(claim.speaker)}*, {said}: “{quote}”"]
    lines += [
        _evidence_line(label, item)
        for label, item in (
            ("Against", entry.newest(Bearing.AGAINST)),
            ("For", entry.newest(Bearing.FOR)),
        )
        if item is not None
    ]
    return truncate("\n".join(lines), MAX_SECTION_TEXT)


def _evidence_line(label: str, item: LedgerEvidence) -> str:
    observation = item.observation.observation
    value = format_range(observation.low, observation.high)
    source = link(item.observation.document.url, f"{item.dated:%Y-%m-%d}")
    return f"• {label}: {escape_inline(item.label)} {value} ({source})"


def render_sources_blocks(sources: Sequence[Source], *, now: datetime) -> list[Block]:
    """Each source's health: last good poll, consecutive failures and the last error."""
    if not sources:
        return [_section("No sources are configured: add some with `briefbot sources add`.")]
    failing = [source for source in sources if source.failure_count]
    lines = [_source_line(source, now) for source in sources[:SOURCE_LINES]]
    more = len(sources) - SOURCE_LINES
    if more > 0:
        lines.append(f"…and {more} more (`briefbot sources list` shows all)")
    summary = f"*Sources*: {len(sources)}, {len(failing)} failing"
    return [_section(summary), _section(truncate("\n".join(lines), MAX_SECTION_TEXT))]


def _source_line(source: Source, now: datetime) -> str:
    name = escape_inline(source.name)
    status = ":large_green_circle:" if not source.failure_count else ":red_circle:"
    last = _ago(source.last_ok_at, now) if source.last_ok_at else "never"
    line = f"{status} *{name}*: last good poll {last}, {source.document_count} documents"
    if source.failure_count:
        error = truncate(escape_inline(source.last_error or "unknown error"), 160)
        line += f"; {source.failure_count} failures in a row ({error})"
    return line


def _ago(moment: datetime, now: datetime) -> str:
    minutes = max(0, int((now - moment).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // (24 * 60)} days ago"


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}
