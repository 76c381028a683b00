"""Building FetchedDocuments: publication date order, future dates, language and page starts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.models import SourceKind, SourceSpec
from bot.sources.documents import build_document, choose_published_at, parse_http_date
from bot.sources.feeds import FeedEntry
from bot.sources.pages import ExtractedPage

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
FEED_DATE = datetime(2024, 5, 30, tzinfo=UTC)
PAGE_DATE = datetime(2024, 5, 29, tzinfo=UTC)
HEADER = "Tue, 28 May 2024 08:00:00 GMT"
HEADER_DATE = datetime(2024, 5, 28, 8, tzinfo=UTC)
SPEC = SourceSpec(name="s", url="https://agency.example/feed", kind=SourceKind.RSS)
URL = "https://agency.example/report.pdf"


def make_page(published_at: datetime | None = None) -> ExtractedPage:
    return ExtractedPage(
        title="Report",
        text="Page one.\n\nPage two.",
        published_at=published_at,
        language="ar",
        page_starts=(0, 11),
    )


def make_entry(published_at: datetime | None) -> FeedEntry:
    return FeedEntry(title="Entry", link=URL, published_at=published_at)


@pytest.mark.parametrize(
    ("entry", "page", "header", "expected"),
    [
        (FEED_DATE, PAGE_DATE, HEADER, FEED_DATE),
        (None, PAGE_DATE, HEADER, PAGE_DATE),
        (None, None, HEADER, HEADER_DATE),
        (None, None, None, None),
        (None, None, "not a date", None),
        (NOW + timedelta(days=30), PAGE_DATE, HEADER, PAGE_DATE),  # impossible feed date
        (NOW + timedelta(days=30), None, None, None),
        (NOW + timedelta(hours=20), None, None, NOW + timedelta(hours=20)),  # time zones
    ],
)
def test_published_date_order(
    entry: datetime | None, page: datetime | None, header: str | None, expected: datetime | None
) -> None:
    document = build_document(
        SPEC, make_page(page), url=URL, now=NOW, entry=make_entry(entry), last_modified=header
    )
    assert document.published_at == expected


def test_language_and_page_starts_are_kept() -> None:
    document = build_document(SPEC, make_page(), url=URL, now=NOW)
    assert document.language == "ar"
    assert document.page_starts == (0, 11)
    assert document.text[11:].startswith("Page two.")


def test_naive_candidates_are_taken_as_utc() -> None:
    naive = datetime(2024, 5, 1, 9)
    assert choose_published_at(naive, now=NOW) == naive.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Wed, 01 Jan 2025 00:00:00 GMT", datetime(2025, 1, 1, tzinfo=UTC)),
        ("Wed, 01 Jan 2025 02:00:00 +0200", datetime(2025, 1, 1, tzinfo=UTC)),
        ("Wednesday, 01-Jan-25 00:00:00 GMT", datetime(2025, 1, 1, tzinfo=UTC)),
        ("", None),
        (None, None),
        ("yesterday", None),
        ("Wed, 01 Jan 99999 00:00:00 GMT", None),
    ],
)
def test_parse_http_date(header: str | None, expected: datetime | None) -> None:
    parsed = parse_http_date(header)
    assert parsed == expected
    assert parsed is None or parsed.tzinfo is UTC
