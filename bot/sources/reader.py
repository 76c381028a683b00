"""The ``SourceReader`` over HTTP: poll a feed, page, PDF or listing and read its documents."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from bot.domain.errors import ExtractError, SourceError
from bot.domain.models import (
    DocumentKind,
    FetchedDocument,
    Source,
    SourceKind,
    SourceReading,
    SourceSpec,
)
from bot.sources.feeds import FeedEntry, parse_feed
from bot.sources.fetch import FetchResponse, HttpFetcher
from bot.sources.html import decode_html, extract_html
from bot.sources.markup import find_links
from bot.sources.pages import ExtractedPage
from bot.sources.pdf import extract_pdf
from bot.sources.urls import HTTP_SCHEMES, canonicalize_url

PAGE_ACCEPT = "text/html, application/xhtml+xml, application/pdf;q=0.9, */*;q=0.5"
MIN_SUMMARY_CHARS = 200
TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/xml", "text/xml")


@dataclass(slots=True)
class _Poll:
    """Documents and skip reasons gathered during one poll, and its time budget."""

    deadline: float
    documents: list[FetchedDocument] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class HttpSourceReader:
    """Reads sources with an ``HttpFetcher`` (implements ``bot.ports.SourceReader``).

    ``max_items`` caps the entries (or listing links) read per poll, newest first;
    ``poll_budget`` (seconds) bounds one poll, later items are skipped with a reason;
    ``is_known`` (given a canonical URL) lets the caller skip items it already stored.
    """

    def __init__(
        self,
        fetcher: HttpFetcher,
        *,
        max_items: int = 50,
        poll_budget: float = 300.0,
        is_known: Callable[[str], bool] | None = None,
    ) -> None:
        self._fetcher = fetcher
        self._max_items = max_items
        self._poll_budget = poll_budget
        self._is_known = is_known

    def read(self, source: Source) -> SourceReading:
        """Poll ``source`` conditionally; raises ``SourceError`` when it can't be read at all."""
        response = self._fetcher.fetch(
            source.url, etag=source.etag, last_modified=source.last_modified
        )
        if response.not_modified:
            return SourceReading(
                not_modified=True,
                etag=response.etag or source.etag,
                last_modified=response.last_modified or source.last_modified,
            )
        poll = _Poll(deadline=time.monotonic() + self._poll_budget)
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
            poll.documents.append(build_document(spec, page, url=response.url))

    def _read_entries(self, spec: SourceSpec, entries: list[FeedEntry], poll: _Poll) -> None:
        for entry in entries:
            if self._is_known is not None and self._is_known(canonicalize_url(entry.link)):
                continue
            if time.monotonic() > poll.deadline:
                poll.skipped.append(f"{entry.link}: poll budget of {self._poll_budget:g}s spent")
                continue
            try:
                poll.documents.append(self._read_entry(spec, entry))
            except SourceError as exc:
                poll.skipped.append(str(exc))

    def _read_entry(self, spec: SourceSpec, entry: FeedEntry) -> FetchedDocument:
        """The entry's linked page; its summary stands in when the page fails and is long."""
        try:
            response = self._fetcher.fetch(entry.link, accept=PAGE_ACCEPT)
            page = extract_page(response)
        except SourceError:
            if len(entry.summary) < MIN_SUMMARY_CHARS:
                raise
            fallback = ExtractedPage(title=entry.title, text=f"{entry.title}\n\n{entry.summary}")
            return build_document(spec, fallback, url=entry.link, entry=entry)
        return build_document(spec, page, url=response.url, entry=entry)

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


def build_document(
    spec: SourceSpec, page: ExtractedPage, *, url: str, entry: FeedEntry | None = None
) -> FetchedDocument:
    """A ``FetchedDocument`` from an extracted page and, for feed items, the entry."""
    author = (entry.author if entry else None) or page.author
    return FetchedDocument(
        url=url,
        canonical_url=choose_canonical_url(url, page.canonical_url),
        title=(entry.title if entry else "") or page.title or url,
        text=page.text,
        kind=choose_document_kind(spec, entry),
        published_at=(entry.published_at if entry else None) or page.published_at,
        speaker=spec.speaker or author,
    )


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
