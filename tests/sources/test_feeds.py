"""Feed parsing on bytes: entries, dates, links, non-feeds and hostile XML."""

from __future__ import annotations

import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.errors import ExtractError
from bot.sources.feeds import parse_feed

from .samples import build_rss

BASE = "http://news.example/feeds/main.xml"


def test_rss_entries_newest_first_with_absolute_links() -> None:
    body = build_rss(
        [
            {"title": "Older", "link": "/2019/older", "pubDate": "Sat, 22 Dec 2018 10:00:00 GMT"},
            {
                "title": "Newer &amp; better",
                "link": "https://other.example/newer",
                "pubDate": "Fri, 26 Jul 2019 15:30:00 +0200",
                "description": "&lt;p&gt;The &lt;b&gt;Lead IG&lt;/b&gt; said.&lt;/p&gt;",
                "author": "ig@example.gov (Lead IG)",
            },
            {"title": "No link"},
        ]
    )
    entries = parse_feed(body, base_url=BASE)
    assert [entry.title for entry in entries] == ["Newer & better", "Older"]
    newer, older = entries
    assert newer.link == "https://other.example/newer"
    assert newer.published_at == datetime(2019, 7, 26, 13, 30, tzinfo=UTC)
    assert newer.summary == "The Lead IG said."
    assert newer.author
    assert older.link == "http://news.example/2019/older"


def test_atom_feed_with_content() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</title><id>urn:x</id>
<updated>2019-07-01T00:00:00Z</updated>
<entry><title>Entry</title><link href="entry-1"/><id>urn:1</id>
<updated>2019-07-01T12:00:00Z</updated><author><name>Jane Analyst</name></author>
<summary>short</summary><content type="html">&lt;p&gt;Much longer body text.&lt;/p&gt;</content>
</entry></feed>"""
    [entry] = parse_feed(body, base_url=BASE)
    assert entry.link == "http://news.example/feeds/entry-1"
    assert entry.author == "Jane Analyst"
    assert entry.summary == "Much longer body text."
    assert entry.published_at == datetime(2019, 7, 1, 12, tzinfo=UTC)


def test_entries_are_capped() -> None:
    items = [{"title": f"t{n}", "link": f"/e{n}"} for n in range(30)]
    assert len(parse_feed(build_rss(items), base_url=BASE, limit=10)) == 10


def test_empty_valid_feed_has_no_entries() -> None:
    assert parse_feed(build_rss([]), base_url=BASE) == []


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><head><title>x</title></head><body><p>hi</p></body></html>",
        b"  <html><body><a href='/feed'>feed</a></body></html>",
        b"this is not xml at all",
        b"",
    ],
)
def test_non_feeds_are_refused(body: bytes) -> None:
    with pytest.raises(ExtractError, match="not a feed") as error:
        parse_feed(body, base_url=BASE)
    assert BASE in str(error.value)


def test_body_naming_a_local_file_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "feed.xml"
    secret.write_bytes(build_rss([{"title": "local", "link": "/local"}]))
    with pytest.raises(ExtractError):
        parse_feed(str(secret).encode(), base_url=BASE)


def test_external_entity_does_not_leak_a_local_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    body = (
        '<?xml version="1.0"?>'
        f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<rss version="2.0"><channel><title>t &xxe;</title>'
        "<item><title>Item &xxe;</title><link>/a</link><description>d &xxe;</description></item>"
        "</channel></rss>"
    ).encode()
    with pytest.raises(ExtractError, match="declares XML entities") as error:
        parse_feed(body, base_url=BASE)
    assert "TOP-SECRET-CONTENT" not in str(error.value)


def test_external_entity_missed_by_the_check_still_does_not_leak(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    body = (
        '<?xml version="1.0"?>'
        f'<!DOCTYPE rss [<!-- <a> --><!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<rss version="2.0"><channel><title>t</title>'
        "<item><title>Item &xxe;</title><link>/a</link><description>d &xxe;</description></item>"
        "</channel></rss>"
    ).encode()
    entries = parse_feed(body, base_url=BASE)
    assert "TOP-SECRET-CONTENT" not in repr(entries)


@pytest.mark.parametrize("hide", ["", "<!-- <a> -->"])
def test_billion_laughs_stays_small_and_fast(hide: str) -> None:
    levels = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [{hide}<!ENTITY lol0 "lol">'
        f'{levels}]><rss version="2.0"><channel><title>t</title>'
        "<item><title>&lol9;</title><link>http://e.example/x</link></item></channel></rss>"
    ).encode()
    started = time.monotonic()
    tracemalloc.start()
    try:
        entries = parse_feed(body, base_url=BASE)
    except ExtractError:
        entries = []
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert time.monotonic() - started < 10
    assert peak < 100_000_000
    assert all(len(entry.title) < 10_000 for entry in entries)


RSS_091 = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<rss version="0.91"><channel><title>Old feed</title><link>http://news.example/</link>
<description>d</description><language>en-us</language>
<item><title>Communiqu\xe9 on Mosul</title><link>http://news.example/mosul</link>
<description>The ministry declared victory.</description></item>
</channel></rss>"""

RSS_10 = b"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://news.example/"><title>RDF feed</title>
<link>http://news.example/</link><description>d</description>
<items><rdf:Seq><rdf:li rdf:resource="http://news.example/rdf-1"/></rdf:Seq></items></channel>
<item rdf:about="http://news.example/rdf-1"><title>RDF item</title>
<link>http://news.example/rdf-1</link><description>Body of the item.</description>
<dc:date>2019-03-23T09:30:00+03:00</dc:date><dc:creator>Press Office</dc:creator></item>
</rdf:RDF>"""

ATOM_10 = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom 1.0</title><id>urn:feed</id>
<updated>2019-03-23T00:00:00Z</updated>
<entry><title type="html">Baghuz &amp;amp; after</title><id>urn:e1</id>
<link rel="alternate" type="text/html" href="https://news.example/baghuz"/>
<link rel="enclosure" href="https://news.example/baghuz.mp3"/>
<published>2019-03-23T10:00:00Z</published><updated>2019-03-24T10:00:00Z</updated>
<category term="Statement"/><summary>Short.</summary></entry></feed>"""


def test_rss_091() -> None:
    [entry] = parse_feed(RSS_091, base_url=BASE)
    assert entry.title == "Communiqué on Mosul"
    assert entry.link == "http://news.example/mosul"
    assert entry.summary == "The ministry declared victory."
    assert entry.published_at is None


def test_rss_10_rdf() -> None:
    [entry] = parse_feed(RSS_10, base_url=BASE)
    assert (entry.title, entry.link) == ("RDF item", "http://news.example/rdf-1")
    assert entry.published_at == datetime(2019, 3, 23, 6, 30, tzinfo=UTC)
    assert entry.author == "Press Office"
    assert entry.summary == "Body of the item."


def test_atom_10_alternate_link_published_date_and_category() -> None:
    [entry] = parse_feed(ATOM_10, base_url=BASE)
    assert entry.title == "Baghuz & after"
    assert entry.link == "https://news.example/baghuz"
    assert entry.published_at == datetime(2019, 3, 23, 10, tzinfo=UTC)
    assert entry.categories == ("statement",)


def test_far_future_and_missing_dates_do_not_crash() -> None:
    body = build_rss(
        [
            {"title": "Future", "link": "/f", "pubDate": "Fri, 01 Jan 2100 00:00:00 GMT"},
            {"title": "Garbage", "link": "/g", "pubDate": "the day after tomorrow"},
            {"title": "Year 99999", "link": "/y", "pubDate": "Fri, 01 Jan 99999 00:00:00 GMT"},
            {"title": "None", "link": "/n"},
        ]
    )
    entries = {entry.title: entry for entry in parse_feed(body, base_url=BASE)}
    assert entries["Future"].published_at == datetime(2100, 1, 1, tzinfo=UTC)
    assert entries["Garbage"].published_at is None
    assert entries["Year 99999"].published_at is None
    assert entries["None"].published_at is None


def test_ten_thousand_items_parse_in_bounded_time() -> None:
    items = [{"title": f"t{n}", "link": f"/e{n}"} for n in range(10_000)]
    started = time.monotonic()
    entries = parse_feed(build_rss(items), base_url=BASE)
    assert time.monotonic() - started < 10
    assert len(entries) == 500  # MAX_ENTRIES
