"""Pure Block Kit renderers for digests, answers and errors: no clock, client or store inside.

Every string that comes from a document (speakers, quotes, titles, publishers, URLs) goes
through ``mrkdwn`` escaping; the only links in the output are our own ``[n]`` source links.
Block Kit limits are kept here, by construction: a digest too long for one message continues
in further messages (posted in its thread), and long texts are split, never silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.chat.slack.constants import (
    MAX_BLOCKS,
    MAX_FALLBACK_TEXT,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
    ActionId,
    BlockId,
)
from bot.chat.slack.mrkdwn import (
    QUOTE_MARKER,
    escape_inline,
    escape_mrkdwn,
    is_linkable,
    link,
    split_mrkdwn,
    truncate,
)
from bot.domain.formatting import describe_change, describe_source, format_day, format_range
from bot.domain.models import (
    Answer,
    Citation,
    ClaimUnderPressure,
    Digest,
    DigestEvidence,
    DigestStatement,
    distinct_citations,
)
from bot.domain.text import WORD_JOINER

Block = dict[str, Any]

MAX_TITLE_IN_LINE = 200  # a source title longer than this is shortened, with "…"
NOTHING_NEW = "_Nothing new._"
_MARKER = re.compile(r"\[(\d+)\]")


def render_digest_blocks(digest: Digest, *, max_blocks: int = MAX_BLOCKS) -> list[list[Block]]:
    """The digest as Slack messages: the first is the channel post, any others continue it in
    its thread. Each message has at most ``max_blocks`` blocks."""
    if max_blocks < 3:
        raise ValueError("max_blocks must leave room for a heading, its content and a marker")
    urls = _source_urls(digest.sources)
    body = [
        *_digest_intro(digest, urls),
        *_digest_section("New leader statements", [_statement(s, urls) for s in digest.statements]),
        *_digest_section("New evidence", [_evidence(e, urls) for e in digest.evidence]),
        *_digest_section(
            "Claims under pressure", [_pressure(p, urls) for p in digest.under_pressure]
        ),
        *_digest_section("Sources", [_source_line(c) for c in digest.sources], separator="\n"),
    ]
    return _paginate(body, max_blocks)


def render_digest_text(digest: Digest) -> str:
    """Short, escaped notification text to send beside the blocks."""
    text = f"{' '.join(digest.title.split())}: {' '.join(digest.bottom_line.split())}"
    return truncate(escape_mrkdwn(text), MAX_FALLBACK_TEXT)


def render_answer_blocks(answer: Answer, *, turn_id: int | None) -> list[Block]:
    """An answer with linked ``[n]`` markers, its sources with the verified passages, and
    👍/👎 buttons carrying ``turn_id``; an unanswered question gets the plain line only."""
    question = _context(f"Q: {escape_inline(answer.question)}")
    if not answer.answered:
        return [question, *_sections(escape_mrkdwn(answer.text), block_id=BlockId.ANSWER)]
    urls = _source_urls(answer.citations)
    blocks = [question, *_sections(_link_markers(escape_mrkdwn(answer.text), urls), BlockId.ANSWER)]
    citations = distinct_citations(answer.citations)
    if citations:
        lines = "\n\n".join(_cited_passage(c) for c in citations)
        blocks += _sections(f"*Sources*\n{lines}")
    if turn_id is not None:
        blocks.append(_feedback_actions(turn_id))
    return _fit_answer(blocks)


def render_error_blocks(message: str, correlation_id: str) -> list[Block]:
    """An ephemeral apology with the id to quote to an operator; never a traceback."""
    reference = escape_inline(correlation_id).replace("`", "'")
    return [
        _section(f":warning: {escape_inline(message)}", block_id=BlockId.ERROR),
        _context(f"Reference: `{reference}`"),
    ]


# Digest sections ----------------------------------------------------------------------------


def _digest_intro(digest: Digest, urls: Mapping[int, str]) -> list[tuple[Block, bool]]:
    header = {
        "type": "header",
        "block_id": BlockId.DIGEST_HEADER.value,
        "text": _plain(" ".join(digest.title.split()), limit=MAX_HEADER_TEXT),
    }
    meta = _context(
        f"Question: {escape_inline(digest.question)}\n"
        f"Generated {_format_moment(digest.generated_at)} · newest evidence as of "
        f"{format_day(digest.newest_evidence_at)}",
        block_id=BlockId.DIGEST_META,
    )
    bottom = _link_markers(escape_mrkdwn(digest.bottom_line.strip()), urls)
    bottom_line = _sections(f"*Bottom line*\n{bottom}", BlockId.BOTTOM_LINE)
    return [(header, True), (meta, False), *((block, False) for block in bottom_line)]


def _digest_section(
    title: str, items: Sequence[str], *, separator: str = "\n\n"
) -> list[tuple[Block, bool]]:
    """A divider (kept with what follows it), then the bold title and the items, packed into
    as few sections as the 3,000-character limit allows."""
    text = separator.join(items) if items else NOTHING_NEW
    return [
        ({"type": "divider"}, True),
        *((block, False) for block in _sections(f"*{title}*\n{text}")),
    ]


def _statement(statement: DigestStatement, urls: Mapping[int, str]) -> str:
    head = (
        f"• {escape_inline(statement.speaker)} — said on {format_day(statement.said_at)} · "
        f"{escape_inline(statement.scope.value)} claim {_cite(statement.source_number, urls)}"
    )
    return f"{head}\n{_quote(statement.quote)}"


def _evidence(item: DigestEvidence, urls: Mapping[int, str]) -> str:
    value = format_range(item.low, item.high)
    unit = (
        f" {_strip_bold(escape_inline(item.unit))}" if item.unit and value != "unquantified" else ""
    )
    head = (
        f"• *{_strip_bold(escape_inline(item.label))}:* *{value}{unit}*, "
        f"as of {format_day(item.as_of)}{_change(item)} {_cite(item.source_number, urls)}"
    )
    return f"{head}\n{_quote(item.quote)}"


def _change(item: DigestEvidence) -> str:
    """The change since the previous value, after a dash; empty without a previous value."""
    change = describe_change(item)
    return f" — {change}" if change else ""


def _pressure(item: ClaimUnderPressure, urls: Mapping[int, str]) -> str:
    claim = (
        f"• *Claim:* {escape_inline(item.speaker)}, said on {format_day(item.said_at)} "
        f"{_cite(item.source_number, urls)}\n{_quote(item.quote)}"
    )
    evidence = (
        f"*Evidence {_strip_bold(escape_inline(item.bears))} it:* "
        f"{escape_inline(item.evidence_label)}, as of {format_day(item.evidence_as_of)} "
        f"{_cite(item.evidence_source_number, urls)}\n{_quote(item.evidence_quote)}"
    )
    return f"{claim}\n{evidence}"


def _source_line(citation: Citation) -> str:
    """'[n] Title (linked) — publisher · descriptor · date'."""
    title = link(citation.url, truncate(" ".join(citation.title.split()), MAX_TITLE_IN_LINE))
    descriptor = describe_source(citation.document_kind)
    who = [escape_inline(part) for part in (citation.publisher, descriptor) if part]
    published = citation.published_at.date() if citation.published_at else None
    unlinked = "" if is_linkable(citation.url) else " (no web address)"
    details = " · ".join([*who, format_day(published)])
    return f"*[{citation.number}]* {title}{unlinked} — {details}"


def _cited_passage(citation: Citation) -> str:
    return f"{_source_line(citation)}\n{_quote(citation.quote)}"


# Building blocks ----------------------------------------------------------------------------


def _paginate(body: Sequence[tuple[Block, bool]], max_blocks: int) -> list[list[Block]]:
    """Messages of at most ``max_blocks``; a heading is never the last block of a message, and
    every message after the first opens with a "continued" marker."""
    pages: list[list[Block]] = []
    rest = list(body)
    while rest:
        room = max_blocks if not pages else max_blocks - 1
        take = min(room, len(rest))
        while take < len(rest) and take > 1 and rest[take - 1][1]:
            take -= 1  # keep a heading with the content it introduces
        pages.append([block for block, _ in rest[:take]])
        rest = rest[take:]
    return [pages[0], *(_continued(page, n, len(pages)) for n, page in enumerate(pages[1:], 2))]


def _continued(page: list[Block], number: int, total: int) -> list[Block]:
    marker = _context(f"Digest continued ({number} of {total})", block_id=BlockId.DIGEST_CONTINUED)
    return [marker, *page]


def _fit_answer(blocks: list[Block]) -> list[Block]:
    """An answer fits one message: past the limit, the passages are cut with a visible note."""
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    actions = [b for b in blocks if b["type"] == "actions"]
    kept = [b for b in blocks if b["type"] != "actions"][: MAX_BLOCKS - 1 - len(actions)]
    return [*kept, _context("More passages than one message holds; ask for the sources."), *actions]


def _sections(text: str, block_id: BlockId | None = None) -> list[Block]:
    pieces = split_mrkdwn(text, MAX_SECTION_TEXT)
    return [
        _section(piece, block_id=block_id if n == 0 else None) for n, piece in enumerate(pieces)
    ]


def _section(text: str, *, block_id: BlockId | None = None) -> Block:
    block: Block = {"type": "section", "text": _mrkdwn(text)}
    if block_id is not None:
        block["block_id"] = block_id.value
    return block


def _context(text: str, *, block_id: BlockId | None = None) -> Block:
    block: Block = {"type": "context", "elements": [_mrkdwn(truncate(text, MAX_SECTION_TEXT))]}
    if block_id is not None:
        block["block_id"] = block_id.value
    return block


def _feedback_actions(turn_id: int) -> Block:
    return {
        "type": "actions",
        "block_id": BlockId.FEEDBACK.value,
        "elements": [
            _button("👍 Helpful", ActionId.FEEDBACK_UP, str(turn_id)),
            _button("👎 Not helpful", ActionId.FEEDBACK_DOWN, str(turn_id)),
        ],
    }


def _button(label: str, action_id: ActionId, value: str) -> Block:
    return {"type": "button", "action_id": action_id.value, "text": _plain(label), "value": value}


def _mrkdwn(text: str) -> Block:
    """A mrkdwn text object Slack will not auto-link or auto-mention (``verbatim``)."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _plain(text: str, *, limit: int = MAX_SECTION_TEXT) -> Block:
    """Slack shows plain_text as written (no mentions, no links); ``@`` words are still broken
    so a copy pasted elsewhere cannot ping."""
    neutral = text.replace("@", "@" + WORD_JOINER)
    return {"type": "plain_text", "text": truncate(neutral, limit), "emoji": True}


def _quote(text: str) -> str:
    return f"{QUOTE_MARKER}“{escape_inline(text)}”"


def _cite(number: int, urls: Mapping[int, str]) -> str:
    return link(urls.get(number, ""), f"[{number}]")


def _link_markers(escaped: str, urls: Mapping[int, str]) -> str:
    """Turn ``[n]`` markers in escaped text into links to source ``n`` when it has a URL."""
    return _MARKER.sub(lambda match: _cite(int(match.group(1)), urls), escaped)


def _source_urls(citations: Iterable[Citation]) -> dict[int, str]:
    return {citation.number: citation.url for citation in citations}


def _strip_bold(escaped: str) -> str:
    """Text we set in bold ourselves: an asterisk in it would end the bold early."""
    return escaped.replace("*", "")


def _format_moment(value: datetime) -> str:
    moment = value.astimezone(UTC) if value.tzinfo is not None else value
    return f"{moment:%Y-%m-%d %H:%M} UTC"
