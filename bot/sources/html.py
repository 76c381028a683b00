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
# Longest first: the UTF-32-LE mark begins with the UTF-16-LE one.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
# Pages whose fast extraction yields less text than this get the full run with fallbacks.
FULL_EXTRACTION_BELOW = 200


def extract_html(body: bytes, *, url: str, charset: str | None) -> ExtractedPage:
    """The main text and metadata of an HTML page.

    ``charset`` is the one the server declared; without it the encoding is detected.
    Raises ``ExtractError`` naming ``url`` when the page has no main text.
    """
    markup = decode_html(body, charset=charset)
    document = _run_trafilatura(markup, url=url, fast=True)
    if len(_attribute(document, "text")) < FULL_EXTRACTION_BELOW:
        document = _run_trafilatura(markup, url=url, fast=False)
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
    """``body`` as text, robust to mislabelled charsets; undecodable bytes become U+FFFD.

    In order: a byte-order mark; a declared UTF-16/32 charset; UTF-8 when the bytes are valid
    UTF-8 (multibyte UTF-8 is almost never valid by accident, so it beats a declared
    ISO-8859-1 or windows-1252, the usual mislabel); the declared charset, then the page's
    ``<meta charset>``, unless it claims UTF-8 (already ruled out); else a detected encoding.
    """
    bom = _bom_codec(body)
    declared = [c for c in (charset, _sniff_meta_charset(body)) if c and _is_known_codec(c)]
    if bom is None and declared and _is_wide_codec(declared[0]) and b"\x00" in body[:1024]:
        bom = declared[0]
    if bom is not None:
        return body.decode(bom, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for candidate in declared:
        if codecs.lookup(candidate).name != "utf-8":
            return body.decode(candidate, errors="replace")
    return body.decode(_detect_encoding(body), errors="replace")


def _detect_encoding(body: bytes) -> str:
    """charset_normalizer's guess; windows-1252, the web's usual legacy encoding, without one."""
    best = from_bytes(body[:200_000]).best()
    return best.encoding if best is not None else "cp1252"


def _bom_codec(body: bytes) -> str | None:
    for bom, codec in BOMS:
        if body.startswith(bom):
            return codec
    return None


def _is_wide_codec(name: str) -> bool:
    return codecs.lookup(name).name.startswith(("utf-16", "utf-32"))


def _run_trafilatura(markup: str, *, url: str, fast: bool) -> Any:
    """``fast`` skips trafilatura's fallback extractors (about a third of its time)."""
    try:
        return trafilatura.bare_extraction(
            markup,
            url=url,
            fast=fast,
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
