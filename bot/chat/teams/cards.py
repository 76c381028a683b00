"""Pure Adaptive Card renderers for digests, answers and errors: no clock, client or store inside.

The digest card has the Slack digest's sections (heading, bottom line, new leader statements,
new evidence, claims under pressure, numbered sources) with the indicator chart as an image.
Our structure is set with TextBlock properties (weight, size, subtlety, colour), never by
wrapping document text in Markdown of ours, except bold labels, whose escaped text has no
``*`` left to close them. Every string from a document goes through ``escape_card_markdown``;
the only links are our ``[n]`` markers and source titles, to the sources' http(s) URLs.

A card always fits one Teams message (``MAX_PAYLOAD_BYTES``, measured on the enveloped UTF-8
JSON as it is posted): a digest is trimmed in the order ``bot.chat.teams.trimming`` states,
with a visible line saying what was left out; an answer loses its last passages first.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.chat.teams.markdown import escape_card_markdown, link, link_target, truncate
from bot.chat.teams.payload import (
    MAX_PAYLOAD_BYTES,
    Card,
    Element,
    build_card,
    message_size,
)
from bot.chat.teams.trimming import Cut, apply_cut, describe_cut, fit_digest
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

MAX_TITLE = 150  # characters of the card's heading
MAX_QUESTION = 500
MAX_NAME = 200  # speakers, labels, units, publishers and source titles
MAX_ERROR = 500
ANSWER_TEXT_LIMITS = (None, 4000, 2000, 1000, 500)
CHART_ALT_TEXT = "Indicator values over time, with the dates of claims marked"
NOTHING_NEW = "Nothing new."
ASK_BRIEFBOT = "ask Briefbot"
MORE_PASSAGES = "More passages than one card holds; ask for the sources."
_MARKER = re.compile(r"\[(\d+)\]")


def render_digest_card(
    digest: Digest,
    *,
    chart_png: bytes | None = None,
    chart_url: str | None = None,
    full_digest_url: str | None = None,
    max_bytes: int = MAX_PAYLOAD_BYTES,
) -> Card:
    """The digest as one card whose Workflows message is at most ``max_bytes``.

    The chart is ``chart_url`` (an http(s) image host URL) when given, else ``chart_png`` as
    a ``data:`` URI. What does not fit is left out in the trimming order, and a line under
    the heading says what, and where the full digest is (``full_digest_url`` or "ask
    Briefbot"). Raises ``ValueError`` when ``max_bytes`` can't hold even the heading.
    """
    chart = _chart_image_url(chart_png, chart_url)

    def card_for(cut: Cut) -> Card:
        view = apply_cut(digest, cut)
        left_out = describe_cut(digest, view, cut, has_chart=chart is not None)
        note = _trim_note(left_out, max_bytes, full_digest_url) if left_out else None
        return _digest_card(view, chart=None if cut.chart else chart, cut=cut, note=note)

    def fits(cut: Cut) -> bool:
        return message_size(card_for(cut)) <= max_bytes

    cut = fit_digest(digest, has_chart=chart is not None, fits=fits)
    card = card_for(cut)
    if message_size(card) > max_bytes:
        raise ValueError(f"max_bytes={max_bytes} can't hold the digest's heading")
    return card


def render_answer_card(answer: Answer, *, max_bytes: int = MAX_PAYLOAD_BYTES) -> Card:
    """An answer with linked ``[n]`` markers and its sources with the verified passages; an
    unanswered question gets the plain text only. Passages that don't fit are left out from
    the last, with a note; a very long answer is shortened last."""
    question = _text(f"Q: {_plain(answer.question, MAX_QUESTION)}", subtle=True)
    urls = _source_urls(answer.citations) if answer.answered else {}
    citations = distinct_citations(answer.citations) if answer.answered else []
    for limit in ANSWER_TEXT_LIMITS:
        text = answer.text if limit is None else truncate(answer.text, limit)
        paragraphs = _paragraphs(text, urls)
        for kept in range(len(citations), -1, -1):
            sources = _answer_sources(citations[:kept], left_out=len(citations) - kept)
            card = build_card([question, *paragraphs, *sources])
            if message_size(card) <= max_bytes:
                return card
    raise ValueError(f"max_bytes={max_bytes} can't hold the answer's question")


def render_error_card(message: str, correlation_id: str) -> Card:
    """An apology with the id to quote to an operator; never a traceback."""
    return build_card(
        [
            _text(f"⚠️ {_plain(message, MAX_ERROR)}", color="Attention"),
            _text(f"Reference: {_plain(correlation_id, MAX_NAME)}", subtle=True, spacing="Small"),
        ]
    )


# The digest -------------------------------------------------------------------------------


def _digest_card(digest: Digest, *, chart: str | None, cut: Cut, note: str | None) -> Card:
    urls = _source_urls(digest.sources)
    body = [
        _text(_plain(digest.title, MAX_TITLE), size="Large", weight="Bolder", style="heading"),
        _text(f"Question: {_plain(digest.question, MAX_QUESTION)}", subtle=True, spacing="None"),
        _text(
            f"Generated {_format_moment(digest.generated_at)} · newest evidence as of "
            f"{format_day(digest.newest_evidence_at)}",
            subtle=True,
            spacing="None",
        ),
        *([_text(note, color="Warning")] if note else []),
        *_section("Bottom line", [_paragraphs(digest.bottom_line, urls)]),
        *_section("New leader statements", [_statement(s, urls) for s in digest.statements]),
        *_section("New evidence", [_evidence(e, urls) for e in digest.evidence]),
        *([_chart(chart)] if chart else []),
        *_section(
            "Claims under pressure",
            [_pressure(p, urls, quotes=not cut.pressure_quotes) for p in digest.under_pressure],
        ),
        *_section("Sources", [_source(c, passage=not cut.source_passages) for c in digest.sources]),
    ]
    return build_card(body)


def _section(title: str, items: Sequence[list[Element]]) -> list[Element]:
    """A ruled heading, then each item in its own container (or "Nothing new.")."""
    heading = _text(title, size="Medium", weight="Bolder", separator=True, spacing="Large")
    if not items:
        return [heading, _text(NOTHING_NEW, subtle=True, spacing="Small")]
    return [heading, *({"type": "Container", "items": item} for item in items)]


def _statement(statement: DigestStatement, urls: Mapping[int, str]) -> list[Element]:
    head = (
        f"• {_plain(statement.speaker, MAX_NAME)} — said on {format_day(statement.said_at)} · "
        f"{statement.scope.value} claim {_cite(statement.source_number, urls)}"
    )
    return [_text(head), _quote(statement.quote)]


def _evidence(item: DigestEvidence, urls: Mapping[int, str]) -> list[Element]:
    value = format_range(item.low, item.high)
    unit = f" {_plain(item.unit, MAX_NAME)}" if item.unit and value != "unquantified" else ""
    change = describe_change(item)
    head = (
        f"• **{_plain(item.label, MAX_NAME)}:** **{value}{unit}**, as of {format_day(item.as_of)}"
        f"{f' — {change}' if change else ''} {_cite(item.source_number, urls)}"
    )
    return [_text(head), _quote(item.quote)]


def _pressure(item: ClaimUnderPressure, urls: Mapping[int, str], *, quotes: bool) -> list[Element]:
    claim = (
        f"• **Claim:** {_plain(item.speaker, MAX_NAME)}, said on {format_day(item.said_at)} "
        f"{_cite(item.source_number, urls)}"
    )
    evidence = (
        f"**Evidence {_plain(item.bears, MAX_NAME)} it:** {_plain(item.evidence_label, MAX_NAME)}"
        f", as of {format_day(item.evidence_as_of)} {_cite(item.evidence_source_number, urls)}"
    )
    if not quotes:
        return [_text(claim), _text(evidence, spacing="Small")]
    return [_text(claim), _quote(item.quote), _text(evidence), _quote(item.evidence_quote)]


def _source(citation: Citation, *, passage: bool) -> list[Element]:
    """'[n] Title (linked) — publisher · descriptor · date', then the passage it supports."""
    title = link(citation.url, truncate(citation.title, MAX_NAME))
    unlinked = "" if link_target(citation.url) else " (no web address)"
    descriptor = describe_source(citation.document_kind)
    who = [_plain(citation.publisher, MAX_NAME)] if citation.publisher else []
    published = citation.published_at.date() if citation.published_at else None
    details = " · ".join([*who, *([descriptor] if descriptor else []), format_day(published)])
    line = _text(f"**[{citation.number}]** {title}{unlinked} — {details}")
    return [line, _quote(citation.quote)] if passage and citation.quote else [line]


def _chart(url: str) -> Element:
    return {
        "type": "Image",
        "url": url,
        "altText": CHART_ALT_TEXT,
        "size": "Stretch",
        "spacing": "Medium",
    }


def _chart_image_url(png: bytes | None, url: str | None) -> str | None:
    if url and link_target(url):
        return url
    if png:
        return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return None


def _trim_note(left_out: Sequence[str], max_bytes: int, full_digest_url: str | None) -> str:
    """'Trimmed to fit Teams' 28 KB limit: chart, 5 evidence items — full digest: …'."""
    target = link_target(full_digest_url or "")
    where = f"[open it]({target})" if target else ASK_BRIEFBOT
    return (
        f"Trimmed to fit Teams' {max_bytes / 1000:g} KB limit: {', '.join(left_out)} — "
        f"full digest: {where}"
    )


# The answer -------------------------------------------------------------------------------


def _answer_sources(citations: Sequence[Citation], *, left_out: int) -> list[Element]:
    if not citations and not left_out:
        return []
    heading = _text("Sources", weight="Bolder", separator=True, spacing="Medium")
    items = [{"type": "Container", "items": _source(c, passage=True)} for c in citations]
    more = [_text(MORE_PASSAGES, subtle=True)] if left_out else []
    return [heading, *items, *more]


# Building blocks --------------------------------------------------------------------------


def _text(text: str, **properties: Any) -> Element:
    """A wrapping TextBlock; ``subtle`` is ``isSubtle``, the rest are TextBlock properties."""
    block: Element = {"type": "TextBlock", "text": text, "wrap": True}
    for name, value in properties.items():
        block["isSubtle" if name == "subtle" else name] = value
    return block


def _quote(text: str) -> Element:
    return _text(f"“{escape_card_markdown(text)}”", spacing="Small")


def _paragraphs(text: str, urls: Mapping[int, str]) -> list[Element]:
    """One TextBlock per line of ``text`` (escaped, ``[n]`` markers linked)."""
    lines = [line for line in text.strip().splitlines() if line.strip()] or [""]
    return [
        _text(_link_markers(escape_card_markdown(line), urls), spacing="Small") for line in lines
    ]


def _plain(text: str, limit: int) -> str:
    """Document text on one line, shortened to ``limit`` characters, then escaped."""
    return escape_card_markdown(truncate(" ".join(text.split()), limit))


def _cite(number: int, urls: Mapping[int, str]) -> str:
    """'[n]' with the number linked to source n's URL (when it has one)."""
    target = link_target(urls.get(number, ""))
    return f"[[{number}]({target})]" if target else f"[{number}]"


def _link_markers(escaped: str, urls: Mapping[int, str]) -> str:
    """Turn ``[n]`` markers in escaped text into links to source ``n``."""
    return _MARKER.sub(lambda match: _cite(int(match.group(1)), urls), escaped)


def _source_urls(citations: Iterable[Citation]) -> dict[int, str]:
    return {citation.number: citation.url for citation in citations}


def _format_moment(value: datetime) -> str:
    moment = value.astimezone(UTC) if value.tzinfo is not None else value
    return f"{moment:%Y-%m-%d %H:%M} UTC"
