"""Hostile bodies end to end: a 1 GB answer and a feed of 10,000 items stay fast and bounded."""

from __future__ import annotations

import dataclasses
import threading
import time
import tracemalloc
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from bot.domain.errors import FetchError
from bot.domain.models import Source, SourceKind, SourceSpec
from bot.sources.fetch import FetchPolicy, HttpFetcher
from bot.sources.reader import HttpSourceReader
from tests.support.http_server import LoopbackServer, Route

from .samples import build_article, build_rss

GIGABYTE = 1_000_000_000
BLOCK = bytes(64 * 1024)
CAP = 1_000_000  # the fixture policy's max_bytes


class GigabyteServer:
    """Answers every GET with 1 GB of zeros, streamed until the client hangs up.

    ``declare`` sends ``Content-Length: 1000000000``; without it the body is delimited by
    closing the connection, so only the reader's own count can stop it.
    """

    def __init__(self, *, declare: bool) -> None:
        self.stopping = threading.Event()
        self.sent = 0
        handler = _make_handler(self, declare=declare)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,))

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{path}"

    def __enter__(self) -> GigabyteServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._thread.join(timeout=5)
        self._httpd.server_close()


def _make_handler(owner: GigabyteServer, *, declare: bool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Connection", "close")
            if declare:
                self.send_header("Content-Length", str(GIGABYTE))
            self.end_headers()
            try:
                while owner.sent < GIGABYTE and not owner.stopping.is_set():
                    self.wfile.write(BLOCK)
                    owner.sent += len(BLOCK)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    return Handler


def measure_failure(action: Callable[[], object]) -> tuple[float, int]:
    """Run ``action``, which must raise a one-line FetchError: seconds taken, peak bytes."""
    started = time.monotonic()
    tracemalloc.start()
    try:
        with pytest.raises(FetchError) as error:
            action()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "\n" not in str(error.value)
    return time.monotonic() - started, peak


@pytest.mark.parametrize("declare", [True, False])
def test_one_gigabyte_body_stops_at_the_cap(fetcher: HttpFetcher, declare: bool) -> None:
    with GigabyteServer(declare=declare) as server:
        url = server.url("/feed.xml")
        seconds, peak = measure_failure(lambda: fetcher.fetch(url))
    assert seconds < 5
    assert peak < 64_000_000 + CAP
    assert server.sent < 100 * CAP  # the client hung up long before the end


def test_one_gigabyte_feed_fails_the_source_with_one_line(fetcher: HttpFetcher) -> None:
    with GigabyteServer(declare=False) as server:
        url = server.url("/feed.xml")
        source = Source(id=1, spec=SourceSpec(name="huge", url=url, kind=SourceKind.RSS))
        with pytest.raises(FetchError, match=f"GET {url}: body exceeds {CAP} bytes"):
            HttpSourceReader(fetcher).read(source)


def test_feed_of_ten_thousand_items_reads_at_most_max_items(
    server: LoopbackServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    fetcher = HttpFetcher(client, dataclasses.replace(policy, max_bytes=5_000_000))
    page = Route(body=build_article().encode(), headers={"Content-Type": "text/html"})
    for n in range(5):
        server.add(f"/e{n}", page)
    items = [
        {"title": f"Item {n}", "link": f"/e{n}", "pubDate": "Mon, 05 Aug 2019 12:00:00 GMT"}
        for n in range(10_000)
    ]
    url = server.add("/feed.xml", Route(body=build_rss(items)))
    started = time.monotonic()
    reading = HttpSourceReader(fetcher, max_items=3).read(
        Source(id=1, spec=SourceSpec(name="many", url=url, kind=SourceKind.RSS))
    )
    assert time.monotonic() - started < 10
    assert [document.title for document in reading.documents] == ["Item 0", "Item 1", "Item 2"]
    assert len(server.requests) == 4  # the feed and three pages
