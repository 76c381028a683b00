"""Main-text extraction from HTML pages with trafilatura (parsed only, never executed)."""

from __future__ import annotations

import codecs
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import trafilatura
from charset_normalizer import from_bytes

from bot.domain.errors import ExtractError
from bot.sources.markup import find_page_hints
from bot.sources.pages import ExtractedPage

# No text-wide date guessing: a wrong date is worse than none for "as of" lines.
DATE_PARAMS = {"original_date": True, "extensive_search": False}
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)


def extract_html(body: bytes, *, url: str, charset: str | None) -> ExtractedPage:
    """The main text and metadata of an HTML page.

    ``charset`` is the one the server declared; without it the encoding is detected.
    Raises ``ExtractError`` naming ``url`` when the page has no main text.
    """
    markup = decode_html(body, charset=charset)
    document = _run_trafilatura(markup, url=url)
    text = _attribute(document, "text")
    if not text:
        raise ExtractError(f"{url}: page has no main text")
    hints = find_page_hints(markup)
    return ExtractedPage(
        title=_attribute(document, "title") or None,
        text=text,
        author=_attribute(document, "author") or None,
        published_at=_parse_date(_attribute(document, "date")),
        canonical_url=urljoin(url, hints.canonical_url) if hints.canonical_url else None,
        language=hints.language or _attribute(document, "language") or None,
    )


def decode_html(body: bytes, *, charset: str | None) -> str:
    """``body`` as text: the declared charset, the page's ``<meta charset>``, UTF-8 when the
    bytes are valid UTF-8, else a detected encoding; undecodable bytes become U+FFFD."""
    for candidate in (charset, _sniff_meta_charset(body)):
        if candidate and _is_known_codec(candidate):
            return body.decode(candidate, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(body[:200_000]).best()
    encoding = best.encoding if best is not None else "utf-8"
    return body.decode(encoding, errors="replace")


def _run_trafilatura(markup: str, *, url: str) -> Any:
    try:
        return trafilatura.bare_extraction(
            markup,
            url=url,
            favor_precision=True,
            include_comments=False,
            include_tables=True,
            with_metadata=True,
            date_extraction_params=dict(DATE_PARAMS),
        )
    except (ValueError, TypeError, AttributeError) as exc:
        raise ExtractError(f"{url}: HTML could not be read ({type(exc).__name__})") from exc


def _attribute(document: Any, name: str) -> str:
    value = getattr(document, name, None) if document is not None else None
    return value.strip() if isinstance(value, str) else ""


def _parse_date(value: str) -> datetime | None:
    try:
        day = datetime.strptime(value[:10], "%Y-%m-%d")
    except ValueError:
        return None
    return day.replace(tzinfo=UTC)


def _sniff_meta_charset(body: bytes) -> str | None:
    match = META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii") if match else None


def _is_known_codec(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True
