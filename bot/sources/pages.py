"""What an extractor read from one fetched HTML page or PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ExtractedPage:
    """Main text and metadata of a page; ``page_starts`` holds the offset in ``text`` where
    each PDF page begins (empty for HTML), so citations can name a page later."""

    title: str | None
    text: str
    author: str | None = None
    published_at: datetime | None = None
    canonical_url: str | None = None
    language: str | None = None
    page_starts: tuple[int, ...] = ()
