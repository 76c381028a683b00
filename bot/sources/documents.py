"""Turning an extracted page (and its feed entry) into a ``FetchedDocument``: which URL, kind,
speaker and publication date to record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from bot.domain.models import DocumentKind, FetchedDocument, SourceSpec
from bot.sources.feeds import FeedEntry
from bot.sources.pages import ExtractedPage
from bot.sources.urls import HTTP_SCHEMES, canonicalize_url

FUTURE_TOLERANCE = timedelta(days=1)  # time zones and clock skew, not scheduled posts


def build_document(
    spec: SourceSpec,
    page: ExtractedPage,
    *,
    url: str,
    now: datetime,
    entry: FeedEntry | None = None,
    last_modified: str | None = None,
) -> FetchedDocument:
    """A ``FetchedDocument`` from an extracted page and, for feed items, the entry.

    ``last_modified`` is the page response's ``Last-Modified`` header; ``now`` (aware) is
    when the poll runs, so dates more than a day ahead of it can be dropped.
    """
    author = (entry.author if entry else None) or page.author
    published_at = choose_published_at(
        entry.published_at if entry else None,
        page.published_at,
        parse_http_date(last_modified),
        now=now,
    )
    return FetchedDocument(
        url=url,
        canonical_url=choose_canonical_url(url, page.canonical_url),
        title=(entry.title if entry else "") or page.title or url,
        text=page.text,
        kind=choose_document_kind(spec, entry),
        published_at=published_at,
        speaker=spec.speaker or author,
        language=page.language,
        page_starts=page.page_starts,
    )


def choose_published_at(*candidates: datetime | None, now: datetime) -> datetime | None:
    """The first candidate that is set and not more than a day after ``now``; else None.

    Candidates come most trusted first (feed entry, page metadata, HTTP Last-Modified), so a
    feed's impossible future date gives way to the page's own date rather than to nothing.
    """
    latest = now + FUTURE_TOLERANCE
    for candidate in candidates:
        if candidate is None:
            continue
        aware = candidate if candidate.tzinfo else candidate.replace(tzinfo=UTC)
        if aware <= latest:
            return aware
    return None


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP date header (``Wed, 01 Jan 2025 00:00:00 GMT``) in UTC, or None."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def choose_document_kind(spec: SourceSpec, entry: FeedEntry | None) -> DocumentKind:
    """Statements for a statements source; else a feed item's category when it names a kind."""
    if spec.statements:
        return DocumentKind.STATEMENT
    known = {kind.value: kind for kind in DocumentKind}
    categories = entry.categories if entry else ()
    return next((known[c] for c in categories if c in known), spec.document_kind)


def choose_canonical_url(url: str, declared: str | None) -> str:
    """The page's declared canonical URL when it is http(s) on the same site, else ``url``."""
    if declared and _is_same_site(url, declared):
        return canonicalize_url(declared)
    return canonicalize_url(url)


def _is_same_site(url: str, other: str) -> bool:
    here, there = urlsplit(url), urlsplit(other)
    if there.scheme not in HTTP_SCHEMES or not there.hostname or not here.hostname:
        return False
    host, other_host = here.hostname.removeprefix("www."), there.hostname.removeprefix("www.")
    return host == other_host or host.endswith(f".{other_host}") or other_host.endswith(f".{host}")
