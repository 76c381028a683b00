"""HttpFetcher against a real loopback server: safety rules, caps, deadlines, conditional GET."""

from __future__ import annotations

import dataclasses
import socket
import time
import tracemalloc
import zlib

import httpx
import pytest

from bot.domain.errors import FetchError
from bot.sources.fetch import FetchPolicy, HttpFetcher
from tests.support.http_server import LoopbackServer, RecordedRequest, Route


def one_line(error: pytest.ExceptionInfo[FetchError]) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


def test_fetch_returns_body_and_validators(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    url = server.add(
        "/page",
        Route(
            body=b"<p>hi</p>",
            headers={
                "Content-Type": 'text/html; charset="ISO-8859-1"',
                "ETag": '"v1"',
                "Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT",
            },
        ),
    )
    response = fetcher.fetch(url)
    assert response.body == b"<p>hi</p>"
    assert (response.status, response.content_type) == (200, "text/html")
    assert response.charset == "iso-8859-1"
    assert (response.etag, response.last_modified) == ('"v1"', "Wed, 01 Jan 2025 00:00:00 GMT")
    assert not response.not_modified
    sent = server.requests[0].headers
    assert sent["user-agent"] == "Briefbot/0.1 (+contact)"
    assert "application/rss+xml" in sent["accept"]
    assert "if-none-match" not in sent


def test_conditional_get_gives_not_modified(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    def conditional(request: RecordedRequest) -> Route:
        if request.headers.get("if-none-match") == '"v1"':
            return Route(status=304, headers={"ETag": '"v1"'})
        return Route(body=b"fresh", headers={"ETag": '"v1"'})

    url = server.add("/feed", conditional)
    response = fetcher.fetch(url, etag='"v1"', last_modified="Wed, 01 Jan 2025 00:00:00 GMT")
    assert response.not_modified
    assert response.body == b""
    assert response.etag == '"v1"'
    assert server.requests[0].headers["if-modified-since"] == "Wed, 01 Jan 2025 00:00:00 GMT"


def test_redirects_are_followed_to_the_final_url(
    server: LoopbackServer, fetcher: HttpFetcher
) -> None:
    final = server.add("/final", Route(body=b"done"))
    server.add("/hop2", Route(status=307, headers={"Location": final}))
    start = server.add("/hop1", Route(status=301, headers={"Location": "/hop2#frag"}))
    response = fetcher.fetch(start)
    assert response.url == final
    assert response.body == b"done"


def test_loopback_is_refused_without_allow_list(
    server: LoopbackServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    url = server.add("/page", Route(body=b"secret"))
    fetcher = HttpFetcher(client, dataclasses.replace(policy, allow_hosts=()))
    with pytest.raises(FetchError, match="not a public address") as error:
        fetcher.fetch(url)
    assert url in one_line(error)
    assert server.requests == []


@pytest.mark.parametrize(
    "target",
    ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/admin", "http://[::1]:8080/"],
)
def test_redirect_to_private_address_is_refused(
    server: LoopbackServer, fetcher: HttpFetcher, target: str
) -> None:
    url = server.add("/go", Route(status=302, headers={"Location": target}))
    with pytest.raises(FetchError, match="not a public address") as error:
        fetcher.fetch(url)
    assert one_line(error).startswith(f"GET {url}: redirected, GET {target}: refused")


def test_redirect_to_file_scheme_is_refused(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    url = server.add("/go", Route(status=302, headers={"Location": "file:///etc/passwd"}))
    with pytest.raises(FetchError, match=r"redirect refused.*only http and https") as error:
        fetcher.fetch(url)
    assert url in one_line(error)


def test_redirect_loop_is_a_fetch_error(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    server.add("/a", Route(status=302, headers={"Location": "/b"}))
    url = server.add("/b", Route(status=302, headers={"Location": "/a"}))
    with pytest.raises(FetchError, match="redirect loop"):
        fetcher.fetch(url)


def test_too_many_redirects_is_a_fetch_error(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    for hop in range(10):
        server.add(f"/r{hop}", Route(status=302, headers={"Location": f"/r{hop + 1}"}))
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetcher.fetch(server.url("/r0"))
    assert len(server.requests) == 6


def test_redirect_without_location_is_a_fetch_error(
    server: LoopbackServer, fetcher: HttpFetcher
) -> None:
    url = server.add("/go", Route(status=302))
    with pytest.raises(FetchError, match="without a Location"):
        fetcher.fetch(url)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "file:///etc/passwd", "data:text/plain,hi"])
def test_non_http_scheme_is_refused(fetcher: HttpFetcher, url: str) -> None:
    with pytest.raises(FetchError, match="only http and https"):
        fetcher.fetch(url)


@pytest.mark.parametrize("status", [404, 410, 500, 503])
def test_http_errors_name_url_and_status(
    server: LoopbackServer, fetcher: HttpFetcher, status: int
) -> None:
    url = server.add("/x", Route(status=status, body=b"nope"))
    with pytest.raises(FetchError) as error:
        fetcher.fetch(url)
    assert one_line(error) == f"GET {url}: HTTP {status}"


def test_declared_oversized_body_is_refused(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    url = server.add("/big", Route(body=b"x" * 2_000_000))
    with pytest.raises(FetchError, match="exceeds 1000000 bytes"):
        fetcher.fetch(url)


def test_chunked_oversized_body_stops_at_the_cap(
    server: LoopbackServer, fetcher: HttpFetcher
) -> None:
    url = server.add("/big", Route(chunks=(b"x" * 65_536,), endless=True))
    with pytest.raises(FetchError, match="body exceeds 1000000 bytes"):
        fetcher.fetch(url)


def test_gzip_body_is_decoded(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    url = server.add("/gz", Route(body=b"hello " * 1000, gzip=True))
    assert fetcher.fetch(url).body == b"hello " * 1000


def test_gzip_bomb_stops_at_the_decoded_cap(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    bomb = gzip_of_zeros(200_000_000)
    assert len(bomb) < 300_000
    url = server.add("/bomb", Route(body=bomb, headers={"Content-Encoding": "gzip"}))
    started = time.monotonic()
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="body exceeds 1000000 bytes"):
            fetcher.fetch(url)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 5
    assert peak < 64_000_000 + 1_000_000, peak
    assert peak < 8_000_000, peak  # pieces of 256 KB, never a whole inflated network chunk


def test_endless_slow_response_hits_the_total_deadline(
    server: LoopbackServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    url = server.add("/drip", Route(chunks=(b"<p>",), chunk_delay=0.05, endless=True))
    fetcher = HttpFetcher(client, dataclasses.replace(policy, total_timeout=0.5))
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"no complete answer within 0\.5s") as error:
        fetcher.fetch(url)
    assert time.monotonic() - started < 2
    assert url in one_line(error)


def test_stalled_response_times_out(
    server: LoopbackServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    url = server.add("/stall", Route(body=b"late", stall=10))
    fetcher = HttpFetcher(client, dataclasses.replace(policy, read_timeout=0.3))
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out") as error:
        fetcher.fetch(url)
    assert time.monotonic() - started < 2
    assert url in one_line(error)


def test_connection_refused_is_a_fetch_error(fetcher: HttpFetcher) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    with pytest.raises(FetchError, match="ConnectError") as error:
        fetcher.fetch(url)
    assert url in one_line(error)


def test_transport_errors_are_translated(policy: FetchPolicy) -> None:
    def explode(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("peer closed connection", request=request)

    with httpx.Client(transport=httpx.MockTransport(explode)) as client:
        fetcher = HttpFetcher(client, policy)
        with pytest.raises(FetchError, match="RemoteProtocolError: peer closed") as error:
            fetcher.fetch("http://127.0.0.1/x")
    assert "http://127.0.0.1/x" in one_line(error)


def test_allow_list_port_entry_reaches_only_that_port(
    server: LoopbackServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    url = server.add("/page", Route(body=b"demo"))
    fetcher = HttpFetcher(
        client, dataclasses.replace(policy, allow_hosts=(f"127.0.0.1:{server.port}",))
    )
    assert fetcher.fetch(url).body == b"demo"
    with LoopbackServer() as other:
        elsewhere = other.add("/admin", Route(body=b"secret"))
        with pytest.raises(FetchError, match="not a public address") as error:
            fetcher.fetch(elsewhere)
        assert other.requests == []
    assert elsewhere in one_line(error)


def test_redirect_to_another_loopback_port_is_refused_under_a_port_entry(
    server: LoopbackServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    with LoopbackServer() as other:
        target = other.add("/admin", Route(body=b"secret"))
        url = server.add("/go", Route(status=302, headers={"Location": target}))
        allow = (f"127.0.0.1:{server.port}",)
        fetcher = HttpFetcher(client, dataclasses.replace(policy, allow_hosts=allow))
        with pytest.raises(FetchError, match=r"redirected.*not a public address"):
            fetcher.fetch(url)
        assert other.requests == []


def test_max_bytes_lowers_the_cap_for_one_fetch(
    server: LoopbackServer, fetcher: HttpFetcher
) -> None:
    url = server.add("/robots.txt", Route(body=b"x" * 2_000))
    assert len(fetcher.fetch(url).body) == 2_000
    with pytest.raises(FetchError, match="exceeds 1000 bytes"):
        fetcher.fetch(url, max_bytes=1_000)
    assert len(fetcher.fetch(url, max_bytes=50_000_000).body) == 2_000  # never raises the cap


@pytest.mark.parametrize("status", [404, 503])
def test_error_status_can_be_returned_instead_of_raised(
    server: LoopbackServer, fetcher: HttpFetcher, status: int
) -> None:
    url = server.add("/robots.txt", Route(status=status, body=b"error page"))
    response = fetcher.fetch(url, raise_for_status=False)
    assert (response.status, response.body, response.not_modified) == (status, b"", False)


def gzip_of_zeros(size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1_000_000)
    parts = [compressor.compress(block) for _ in range(size // len(block))]
    return b"".join(parts) + compressor.flush()
