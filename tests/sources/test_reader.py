"""HttpSourceReader end to end against a loopback server: feeds, pages, PDFs, listings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.errors import ExtractError, FetchError
from bot.domain.models import DocumentKind, Source, SourceKind, SourceSpec
from bot.sources.documents import choose_canonical_url
from bot.sources.fetch import HttpFetcher
from bot.sources.reader import HttpSourceReader
from bot.sources.robots import RobotsPolicy
from tests.support.http_server import LoopbackServer, RecordedRequest, Route

from .samples import build_article, build_pdf, build_rss

HTML = {"Content-Type": "text/html; charset=utf-8"}
LONG_SUMMARY = "The inspector general reports a resilient insurgency. " * 5


def make_source(url: str, kind: SourceKind, **spec: object) -> Source:
    return Source(id=1, spec=SourceSpec(name="test", url=url, kind=kind, **spec))  # type: ignore[arg-type]


def serve_feed(server: LoopbackServer) -> str:
    """A feed whose entries hit a page, a PDF, a fallback, a 404 and a refused redirect."""
    server.add(
        "/a", Route(body=build_article(canonical="/a?utm_source=rss").encode(), headers=HTML)
    )
    server.add("/b.pdf", Route(body=build_pdf(["ISIS keeps 14,000 members."], title="IG")))
    server.add("/go-private", Route(status=302, headers={"Location": "http://10.0.0.1/"}))
    items = [
        {"title": "Article", "link": "/a", "pubDate": "Mon, 05 Aug 2019 12:00:00 GMT"},
        {"title": "Report", "link": "/b.pdf", "pubDate": "Sun, 04 Aug 2019 12:00:00 GMT"},
        {"title": "Gone but summarised", "link": "/gone", "description": LONG_SUMMARY},
        {"title": "Gone", "link": "/missing", "description": "short"},
        {"title": "Private", "link": "/go-private"},
    ]

    def feed(request: RecordedRequest) -> Route:
        if request.headers.get("if-none-match") == '"feed-v1"':
            return Route(status=304, headers={"ETag": '"feed-v1"'})
        headers = {"Content-Type": "application/rss+xml", "ETag": '"feed-v1"'}
        return Route(body=build_rss(items), headers=headers)

    return server.add("/feed.xml", feed)


def test_rss_source_reads_each_entry(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    source = make_source(serve_feed(server), SourceKind.RSS, document_kind=DocumentKind.REPORT)
    reading = HttpSourceReader(fetcher).read(source)

    assert reading.etag == '"feed-v1"'
    assert not reading.not_modified
    by_title = {document.title: document for document in reading.documents}
    assert set(by_title) == {"Article", "Report", "Gone but summarised"}

    article = by_title["Article"]
    assert article.url == server.url("/a")
    assert article.canonical_url == server.url("/a")
    assert "14,000 and 18,000" in article.text
    assert article.published_at == datetime(2019, 8, 5, 12, tzinfo=UTC)
    assert article.kind is DocumentKind.REPORT
    assert article.speaker is None

    assert "14,000 members" in by_title["Report"].text
    assert by_title["Gone but summarised"].text.startswith("Gone but summarised\n\n")

    assert len(reading.skipped) == 2
    assert any(
        server.url("/missing") in reason and "HTTP 404" in reason for reason in reading.skipped
    )
    assert any("not a public address" in reason for reason in reading.skipped)
    assert all("\n" not in reason for reason in reading.skipped)


def test_unchanged_feed_is_not_modified(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    source = make_source(serve_feed(server), SourceKind.RSS)
    source = Source(id=1, spec=source.spec, etag='"feed-v1"')
    reading = HttpSourceReader(fetcher).read(source)
    assert reading.not_modified
    assert reading.documents == ()
    assert reading.etag == '"feed-v1"'
    assert len(server.requests) == 1


def test_entries_are_capped_and_known_ones_skipped(
    server: LoopbackServer, fetcher: HttpFetcher
) -> None:
    url = serve_feed(server)
    known = {server.url("/a")}
    reader = HttpSourceReader(fetcher, max_items=2, is_known=known.__contains__)
    reading = reader.read(make_source(url, SourceKind.RSS))
    assert [document.title for document in reading.documents] == ["Report"]
    assert [request.path for request in server.requests] == ["/feed.xml", "/b.pdf"]


def test_spent_poll_budget_skips_the_rest(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    reading = HttpSourceReader(fetcher, poll_budget=0).read(
        make_source(serve_feed(server), SourceKind.RSS)
    )
    assert reading.documents == ()
    assert len(reading.skipped) == 5
    assert "poll budget" in reading.skipped[0]


def test_html_statement_source(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    page = build_article(author="Press Secretary", canonical="https://elsewhere.example/copy")
    url = server.add("/statement", Route(body=page.encode(), headers=HTML))
    reading = HttpSourceReader(fetcher).read(make_source(url, SourceKind.HTML, statements=True))
    [document] = reading.documents
    assert document.kind is DocumentKind.STATEMENT
    assert document.speaker == "Press Secretary"
    assert document.canonical_url == url  # a cross-site canonical is not trusted
    assert document.title == "Operation Inherent Resolve: quarterly report"


def test_declared_speaker_wins(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    url = server.add("/s", Route(body=build_article(author="Staff").encode(), headers=HTML))
    source = make_source(url, SourceKind.HTML, statements=True, speaker="The President")
    [document] = HttpSourceReader(fetcher).read(source).documents
    assert document.speaker == "The President"


def test_pdf_source(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    body = build_pdf(["Quarterly report text."], title="Lead IG Report")
    url = server.add("/r.pdf", Route(body=body, headers={"Content-Type": "application/pdf"}))
    [document] = HttpSourceReader(fetcher).read(make_source(url, SourceKind.PDF)).documents
    assert document.title == "Lead IG Report"
    assert document.text == "Quarterly report text."


def test_listing_source_follows_matching_links(
    server: LoopbackServer, fetcher: HttpFetcher
) -> None:
    server.add("/statements/1", Route(body=build_article(title="One").encode(), headers=HTML))
    server.add("/statements/2", Route(body=build_article(title="Two").encode(), headers=HTML))
    listing = (
        '<html><body><a href="/about">About</a><a href="/statements/1">1</a>'
        '<a href="statements/2#top">2</a><a href="/statements/1?utm_source=x">again</a>'
        '<a href="mailto:press@example.gov">mail</a></body></html>'
    )
    url = server.add("/", Route(body=listing.encode(), headers=HTML))
    source = make_source(url, SourceKind.LISTING, link_pattern=r"/statements/\d+")
    reading = HttpSourceReader(fetcher).read(source)
    assert sorted(document.title for document in reading.documents) == ["One", "Two"]


def test_listing_without_pattern_is_refused(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    url = server.add("/", Route(body=b"<a href='/x'>x</a>", headers=HTML))
    with pytest.raises(ExtractError, match="link_pattern"):
        HttpSourceReader(fetcher).read(make_source(url, SourceKind.LISTING))


def test_feed_source_serving_html_is_refused(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    url = server.add("/feed", Route(body=build_article().encode(), headers=HTML))
    with pytest.raises(ExtractError, match="not a feed") as error:
        HttpSourceReader(fetcher).read(make_source(url, SourceKind.RSS))
    assert url in str(error.value)


def test_empty_html_source_is_refused(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    url = server.add("/empty", Route(body=b"<html><body></body></html>", headers=HTML))
    with pytest.raises(ExtractError, match="no main text"):
        HttpSourceReader(fetcher).read(make_source(url, SourceKind.HTML))


def test_unsupported_content_type_is_refused(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    url = server.add("/img", Route(body=b"\x89PNG....", headers={"Content-Type": "image/png"}))
    with pytest.raises(ExtractError, match="unsupported content type image/png"):
        HttpSourceReader(fetcher).read(make_source(url, SourceKind.HTML))


def test_source_fetch_failure_propagates(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    url = server.add("/down", Route(status=503))
    with pytest.raises(FetchError, match="HTTP 503"):
        HttpSourceReader(fetcher).read(make_source(url, SourceKind.RSS))


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        (None, "https://news.example/a"),
        ("https://www.news.example/a/?utm_medium=x", "https://www.news.example/a"),
        ("https://m.news.example/a", "https://m.news.example/a"),
        ("https://evil.example/a", "https://news.example/a"),
        ("javascript:alert(1)", "https://news.example/a"),
    ],
)
def test_choose_canonical_url(declared: str | None, expected: str) -> None:
    assert choose_canonical_url("https://NEWS.example/a/", declared) == expected


def test_feed_category_sets_the_kind_and_creator_the_speaker(
    server: LoopbackServer, fetcher: HttpFetcher
) -> None:
    server.add("/s", Route(body=build_article().encode(), headers=HTML))
    items = [{"title": "Statement", "link": "/s", "category": "Statement", "author": "The Emir"}]
    url = server.add("/f.xml", Route(body=build_rss(items)))
    source = make_source(url, SourceKind.RSS, document_kind=DocumentKind.NEWS)
    (document,) = HttpSourceReader(fetcher).read(source).documents
    assert document.kind is DocumentKind.STATEMENT
    assert document.speaker == "The Emir"


def test_unknown_category_keeps_the_source_kind(
    server: LoopbackServer, fetcher: HttpFetcher
) -> None:
    server.add("/n", Route(body=build_article().encode(), headers=HTML))
    url = server.add(
        "/g.xml", Route(body=build_rss([{"title": "N", "link": "/n", "category": "Iraq"}]))
    )
    source = make_source(url, SourceKind.RSS, document_kind=DocumentKind.ANALYSIS)
    (document,) = HttpSourceReader(fetcher).read(source).documents
    assert document.kind is DocumentKind.ANALYSIS


UA_ROBOTS = b"User-agent: *\nDisallow: /statements/2\n"


def serve_listing(server: LoopbackServer, *, robots: bytes = UA_ROBOTS) -> str:
    server.add("/robots.txt", Route(body=robots, headers={"Content-Type": "text/plain"}))
    for n in (1, 2):
        page = build_article(title=f"Statement {n}").encode()
        server.add(f"/statements/{n}", Route(body=page, headers=HTML))
    listing = '<a href="/statements/1">1</a><a href="/statements/2">2</a>'
    return server.add("/statements/", Route(body=listing.encode(), headers=HTML))


def listing_source(url: str, **spec: object) -> Source:
    return make_source(url, SourceKind.LISTING, link_pattern=r"/statements/\d", **spec)


def test_listing_links_disallowed_by_robots_are_skipped(
    server: LoopbackServer, fetcher: HttpFetcher
) -> None:
    url = serve_listing(server)
    reader = HttpSourceReader(fetcher, robots=RobotsPolicy(fetcher))
    reading = reader.read(listing_source(url))
    assert [document.title for document in reading.documents] == ["Statement 1"]
    assert reading.skipped == (f"robots.txt disallows {server.url('/statements/2')}",)
    assert "/statements/2" not in [request.path for request in server.requests]


def test_listing_page_disallowed_by_robots_fails_the_source(
    server: LoopbackServer, fetcher: HttpFetcher
) -> None:
    url = serve_listing(server, robots=b"User-agent: *\nDisallow: /statements/\n")
    reader = HttpSourceReader(fetcher, robots=RobotsPolicy(fetcher))
    with pytest.raises(FetchError) as error:
        reader.read(listing_source(url))
    assert str(error.value) == f"robots.txt disallows {url}"
    assert [request.path for request in server.requests] == ["/robots.txt"]


def test_robots_can_be_turned_off_per_source(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    url = serve_listing(server, robots=b"User-agent: *\nDisallow: /\n")
    reader = HttpSourceReader(fetcher, robots=RobotsPolicy(fetcher))
    reading = reader.read(listing_source(url, respect_robots=False))
    assert len(reading.documents) == 2
    assert "/robots.txt" not in [request.path for request in server.requests]


def test_robots_is_not_consulted_for_feeds(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    server.add("/robots.txt", Route(body=b"User-agent: *\nDisallow: /\n"))
    server.add("/a", Route(body=build_article().encode(), headers=HTML))
    url = server.add("/feed.xml", Route(body=build_rss([{"title": "A", "link": "/a"}])))
    reader = HttpSourceReader(fetcher, robots=RobotsPolicy(fetcher))
    assert len(reader.read(make_source(url, SourceKind.RSS)).documents) == 1
    assert "/robots.txt" not in [request.path for request in server.requests]


NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)


def test_dates_fall_back_to_last_modified_and_drop_the_future(
    server: LoopbackServer, fetcher: HttpFetcher
) -> None:
    modified = {**HTML, "Last-Modified": "Tue, 28 May 2024 08:00:00 GMT"}
    server.add("/plain", Route(body=build_article(title="Plain").encode(), headers=modified))
    dated = build_article(title="Dated", published="2024-05-20T10:00:00Z").encode()
    server.add("/dated", Route(body=dated, headers=modified))
    server.add("/bare", Route(body=build_article(title="Bare").encode(), headers=HTML))
    future = "Fri, 01 Jan 2100 00:00:00 GMT"
    items = [
        {"title": "Plain", "link": "/plain", "pubDate": future},
        {"title": "Dated", "link": "/dated", "pubDate": future},
        {"title": "Bare", "link": "/bare", "pubDate": future},
        {"title": "Fed", "link": "/bare", "pubDate": "Mon, 27 May 2024 06:00:00 GMT"},
    ]
    url = server.add("/feed.xml", Route(body=build_rss(items)))
    reading = HttpSourceReader(fetcher, now=lambda: NOW).read(make_source(url, SourceKind.RSS))
    dates = {document.title: document.published_at for document in reading.documents}
    assert dates == {
        "Plain": datetime(2024, 5, 28, 8, tzinfo=UTC),
        "Dated": datetime(2024, 5, 20, tzinfo=UTC),
        "Bare": None,
        "Fed": datetime(2024, 5, 27, 6, tzinfo=UTC),
    }


def test_html_source_records_language_and_last_modified(
    server: LoopbackServer, fetcher: HttpFetcher
) -> None:
    headers = {**HTML, "Last-Modified": "Tue, 28 May 2024 08:00:00 GMT"}
    url = server.add("/fr", Route(body=build_article(lang="fr-FR").encode(), headers=headers))
    reader = HttpSourceReader(fetcher, now=lambda: NOW)
    [document] = reader.read(make_source(url, SourceKind.HTML)).documents
    assert document.language == "fr-FR"
    assert document.published_at == datetime(2024, 5, 28, 8, tzinfo=UTC)


def test_pdf_source_keeps_page_starts(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    pages = ["First page of the report.", "Second page of the report."]
    url = server.add(
        "/r.pdf", Route(body=build_pdf(pages), headers={"Content-Type": "application/pdf"})
    )
    [document] = HttpSourceReader(fetcher).read(make_source(url, SourceKind.PDF)).documents
    assert len(document.page_starts) == 2
    assert document.text[document.page_starts[1] :].startswith("Second page")
