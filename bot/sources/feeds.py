"""RSS and Atom parsing with feedparser, on bytes already fetched (feedparser never fetches)."""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from bot.domain.errors import ExtractError
from bot.sources.markup import html_to_text

MAX_ENTRIES = 500
HTML_STARTS = (b"<!doctype html", b"<html")
ROOT_ELEMENT = re.compile(rb"<[A-Za-z]")
ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One feed item: its link is absolute; ``summary`` is plain text."""

    title: str
    link: str
    published_at: datetime | None = None
    summary: str = ""
    author: str | None = None
    categories: tuple[str, ...] = ()


def parse_feed(body: bytes, *, base_url: str, limit: int = MAX_ENTRIES) -> list[FeedEntry]:
    """The entries of an RSS or Atom document, newest first, at most ``limit``.

    Entries without a link are dropped; relative links are resolved against ``base_url``.
    Raises ``ExtractError`` naming ``base_url`` when the body is not a feed.
    """
    if body.lstrip()[:14].lower().startswith(HTML_STARTS):
        raise ExtractError(f"{base_url}: not a feed (got an HTML page)")
    if _declares_entities(body):
        raise ExtractError(f"{base_url}: feed declares XML entities, refused")
    # A file-like object: given bytes, feedparser first tries them as a local file name.
    parsed = feedparser.parse(io.BytesIO(body), resolve_relative_uris=False, sanitize_html=True)
    raw_entries: list[Any] = list(parsed.get("entries") or [])
    if not raw_entries and (parsed.get("bozo") or not parsed.get("version")):
        reason = parsed.get("bozo_exception") or "no feed version detected"
        raise ExtractError(f"{base_url}: not a feed ({_one_line(reason)})")
    entries = [entry for raw in raw_entries if (entry := _build_entry(raw, base_url))]
    return _sort_newest_first(entries)[:limit]


def _declares_entities(body: bytes) -> bool:
    """True when the prolog declares entities (billion laughs, external entities).

    Feeds don't need them; expat's amplification limit is the backstop for ones this misses.
    """
    root = ROOT_ELEMENT.search(body)
    prolog = body[: root.start()] if root else body
    return ENTITY_DECLARATION.search(prolog) is not None


def _build_entry(raw: Any, base_url: str) -> FeedEntry | None:
    link = _text(raw.get("link"))
    if not link:
        return None
    return FeedEntry(
        title=html_to_text(_text(raw.get("title"))) or link,
        link=urljoin(base_url, link),
        published_at=_entry_date(raw),
        summary=_entry_summary(raw),
        author=_text(raw.get("author")) or None,
        categories=_entry_categories(raw),
    )


def _entry_categories(raw: Any) -> tuple[str, ...]:
    tags = raw.get("tags") or []
    terms = (_text(tag.get("term")) for tag in tags if hasattr(tag, "get"))
    return tuple(term.strip().casefold() for term in terms if term.strip())


def _entry_date(raw: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get: FeedParserDict.get maps updated_parsed to published_parsed with a warning.
        value = dict.get(raw, key) if isinstance(raw, dict) else raw.get(key)
        if isinstance(value, time.struct_time):
            try:
                return datetime(*value[:6], tzinfo=UTC)
            except ValueError:
                continue
    return None


def _entry_summary(raw: Any) -> str:
    """The longer of the entry's content and summary, as plain text."""
    candidates = [_text(raw.get("summary"))]
    for content in raw.get("content") or []:
        if isinstance(content, dict):
            candidates.append(_text(content.get("value")))
    return html_to_text(max(candidates, key=len))


def _sort_newest_first(entries: list[FeedEntry]) -> list[FeedEntry]:
    oldest = datetime.min.replace(tzinfo=UTC)
    return sorted(entries, key=lambda entry: entry.published_at or oldest, reverse=True)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _one_line(value: object) -> str:
    return " ".join(str(value).split())[:200]
