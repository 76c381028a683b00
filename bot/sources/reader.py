"""The ``SourceReader`` over HTTP: poll a feed, page, PDF or listing and read its documents."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from bot.domain.errors import ExtractError, FetchError, SourceError
from bot.domain.models import FetchedDocument, Source, SourceKind, SourceReading, SourceSpec
from bot.sources.documents import build_document
from bot.sources.feeds import FeedEntry, parse_feed
from bot.sources.fetch import FetchResponse, HttpFetcher
from bot.sources.html import decode_html, extract_html
from bot.sources.markup import find_links
from bot.sources.pages import ExtractedPage
from bot.sources.pdf import extract_pdf
from bot.sources.robots import RobotsPolicy
from bot.sources.urls import HTTP_SCHEMES, canonicalize_url

PAGE_ACCEPT = "text/html, application/xhtml+xml, application/pdf;q=0.9, */*;q=0.5"
MIN_SUMMARY_CHARS = 200
TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/xml", "text/xml")


@dataclass(slots=True)
class _Poll:
    """Documents and skip reasons gathered during one poll, its time budget and start."""

    deadline: float
    now: datetime
    documents: list[FetchedDocument] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class HttpSourceReader:
    """Reads sources with an ``HttpFetcher`` (implements ``bot.ports.SourceReader``).

    ``max_items`` caps the entries (or listing links) read per poll, newest first;
    ``poll_budget`` (seconds) bounds one poll, later items are skipped with a reason;
    ``is_known`` (given a canonical URL) lets the caller skip items it already stored;
    ``robots``, when given, is obeyed for listing sources (the listing page and its links)
    whose spec has ``respect_robots``; ``now`` (aware) dates the poll, so publication dates
    more than a day ahead are dropped.
    """

    def __init__(
        self,
        fetcher: HttpFetcher,
        *,
        max_items: int = 50,
        poll_budget: float = 300.0,
        is_known: Callable[[str], bool] | None = None,
        robots: RobotsPolicy | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._fetcher = fetcher
        self._max_items = max_items
        self._poll_budget = poll_budget
        self._is_known = is_known
        self._robots = robots
        self._now = now

    def read(self, source: Source) -> SourceReading:
        """Poll ``source`` conditionally; raises ``SourceError`` when it can't be read at all
        (``FetchError("robots.txt disallows <url>")`` for a listing page robots.txt refuses)."""
        refusal = self._robots_refusal(source.spec, source.url)
        if refusal:
            raise FetchError(refusal)
        response = self._fetcher.fetch(
            source.url, etag=source.etag, last_modified=source.last_modified
        )
        if response.not_modified:
            return SourceReading(
                not_modified=True,
                etag=response.etag or source.etag,
                last_modified=response.last_modified or source.last_modified,
            )
        poll = _Poll(deadline=time.monotonic() + self._poll_budget, now=self._now())
        self._read_response(source.spec, response, poll)
        return SourceReading(
            documents=tuple(poll.documents),
            skipped=tuple(poll.skipped),
            etag=response.etag,
            last_modified=response.last_modified,
        )

    def _read_response(self, spec: SourceSpec, response: FetchResponse, poll: _Poll) -> None:
        if spec.kind in (SourceKind.RSS, SourceKind.ATOM):
            entries = parse_feed(response.body, base_url=response.url)
            self._read_entries(spec, entries[: self._max_items], poll)
        elif spec.kind is SourceKind.LISTING:
            self._read_entries(spec, self._list_entries(spec, response), poll)
        else:
            page = extract_page(response)
            document = build_document(
                spec, page, url=response.url, now=poll.now, last_modified=response.last_modified
            )
            poll.documents.append(document)

    def _read_entries(self, spec: SourceSpec, entries: list[FeedEntry], poll: _Poll) -> None:
        for entry in entries:
            if self._is_known is not None and self._is_known(canonicalize_url(entry.link)):
                continue
            if time.monotonic() > poll.deadline:
                poll.skipped.append(f"{entry.link}: poll budget of {self._poll_budget:g}s spent")
                continue
            refusal = self._robots_refusal(spec, entry.link)
            if refusal:
                poll.skipped.append(refusal)
                continue
            try:
                poll.documents.append(self._read_entry(spec, entry, now=poll.now))
            except SourceError as exc:
                poll.skipped.append(str(exc))

    def _robots_refusal(self, spec: SourceSpec, url: str) -> str | None:
        """Why robots.txt forbids ``url`` for a listing source that respects it, else None."""
        if self._robots is None or spec.kind is not SourceKind.LISTING or not spec.respect_robots:
            return None
        return self._robots.refusal(url, self._fetcher.policy.user_agent)

    def _read_entry(self, spec: SourceSpec, entry: FeedEntry, *, now: datetime) -> FetchedDocument:
        """The entry's linked page; its summary stands in when the page fails and is long."""
        try:
            response = self._fetcher.fetch(entry.link, accept=PAGE_ACCEPT)
            page = extract_page(response)
        except SourceError:
            if len(entry.summary) < MIN_SUMMARY_CHARS:
                raise
            fallback = ExtractedPage(title=entry.title, text=f"{entry.title}\n\n{entry.summary}")
            return build_document(spec, fallback, url=entry.link, now=now, entry=entry)
        return build_document(
            spec, page, url=response.url, now=now, entry=entry, last_modified=response.last_modified
        )

    def _list_entries(self, spec: SourceSpec, response: FetchResponse) -> list[FeedEntry]:
        """Links on a listing page that match ``spec.link_pattern``, in page order."""
        if not spec.link_pattern:
            raise ExtractError(f"{response.url}: a listing source needs a link_pattern")
        try:
            pattern = re.compile(spec.link_pattern)
        except re.error as exc:
            raise ExtractError(f"{response.url}: bad link_pattern ({exc})") from exc
        markup = decode_html(response.body, charset=response.charset)
        seen: set[str] = {canonicalize_url(response.url)}
        entries: list[FeedEntry] = []
        for href in find_links(markup):
            link = urljoin(response.url, href)
            key = canonicalize_url(link)
            if urlsplit(link).scheme in HTTP_SCHEMES and pattern.search(link) and key not in seen:
                seen.add(key)
                entries.append(FeedEntry(title="", link=link))
        return entries[: self._max_items]


def extract_page(response: FetchResponse) -> ExtractedPage:
    """Extract a fetched body as a PDF (by content type or magic bytes) or as HTML."""
    if response.content_type == "application/pdf" or response.body.lstrip()[:5] == b"%PDF-":
        return extract_pdf(response.body, url=response.url)
    if response.content_type and not response.content_type.startswith(TEXT_TYPES):
        raise ExtractError(f"{response.url}: unsupported content type {response.content_type}")
    return extract_html(response.body, url=response.url, charset=response.charset)
