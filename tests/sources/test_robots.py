"""RobotsPolicy against a loopback server: rules, missing and failing files, caching, safety."""

from __future__ import annotations

import dataclasses
import socket

import httpx
import pytest

from bot.sources.fetch import FetchPolicy, HttpFetcher
from bot.sources.robots import RobotsPolicy, parse_robots
from tests.support.http_server import LoopbackServer, Route

UA = "Briefbot/0.1 (+ops@example.org)"
ROBOTS = b"""\xef\xbb\xbfUser-agent: *
Disallow: /private/

User-agent: Briefbot
Disallow: /no-bots/
Allow: /
"""


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def robots_requests(server: LoopbackServer) -> int:
    return sum(request.path == "/robots.txt" for request in server.requests)


def test_rules_for_our_agent_apply(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    server.add("/robots.txt", Route(body=ROBOTS, headers={"Content-Type": "text/plain"}))
    robots = RobotsPolicy(fetcher)
    assert robots.allowed(server.url("/news/1"), UA)
    assert robots.allowed(server.url("/private/1"), UA)  # our group overrides "*"
    assert not robots.allowed(server.url("/no-bots/1"), UA)
    assert robots.refusal(server.url("/no-bots/1"), UA) == (
        f"robots.txt disallows {server.url('/no-bots/1')}"
    )
    assert not robots.allowed(server.url("/private/1"), "OtherBot/1.0")
    assert robots_requests(server) == 1
    assert server.requests[0].headers["user-agent"] == "Briefbot/0.1 (+contact)"


@pytest.mark.parametrize("status", [401, 403, 404, 410])
def test_missing_robots_allows_everything(
    server: LoopbackServer, fetcher: HttpFetcher, status: int
) -> None:
    server.add("/robots.txt", Route(status=status))
    assert RobotsPolicy(fetcher).allowed(server.url("/anything"), UA)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_failing_robots_disallows_until_retry(
    server: LoopbackServer, fetcher: HttpFetcher, status: int
) -> None:
    server.add("/robots.txt", Route(status=status))
    clock = FakeClock()
    robots = RobotsPolicy(fetcher, clock=clock, retry_after=900)
    url = server.url("/news/1")
    reason = robots.refusal(url, UA)
    assert reason == (
        f"robots.txt unreachable, {url} not fetched: GET {server.url('/robots.txt')}: HTTP {status}"
    )
    clock.now += 899
    assert not robots.allowed(url, UA)
    assert robots_requests(server) == 1
    server.add("/robots.txt", Route(status=404))
    clock.now += 2
    assert robots.allowed(url, UA)
    assert robots_requests(server) == 2


def test_unreachable_host_disallows_with_the_reason(fetcher: HttpFetcher) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    reason = RobotsPolicy(fetcher).refusal(f"http://127.0.0.1:{port}/list", UA)
    assert reason is not None
    assert reason.startswith(f"robots.txt unreachable, http://127.0.0.1:{port}/list not fetched:")
    assert "ConnectError" in reason
    assert "\n" not in reason


def test_rules_are_cached_for_the_ttl(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    server.add("/robots.txt", Route(body=b"User-agent: *\nDisallow: /a\n"))
    clock = FakeClock()
    robots = RobotsPolicy(fetcher, clock=clock, ttl=86_400)
    for path in ("/a", "/b", "/a/deeper"):
        robots.allowed(server.url(path), UA)
    clock.now += 86_399
    assert not robots.allowed(server.url("/a"), UA)
    assert robots_requests(server) == 1
    server.add("/robots.txt", Route(body=b""))
    clock.now += 2
    assert robots.allowed(server.url("/a"), UA)
    assert robots_requests(server) == 2


def test_each_port_is_its_own_site(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    server.add("/robots.txt", Route(body=b"User-agent: *\nDisallow: /\n"))
    with LoopbackServer() as other:
        other.add("/robots.txt", Route(status=404))
        robots = RobotsPolicy(fetcher)
        assert not robots.allowed(server.url("/x"), UA)
        assert robots.allowed(other.url("/x"), UA)


def test_oversized_robots_is_unreachable(server: LoopbackServer, fetcher: HttpFetcher) -> None:
    server.add("/robots.txt", Route(body=b"# padding\n" * 200))
    reason = RobotsPolicy(fetcher, max_bytes=1000).refusal(server.url("/x"), UA)
    assert reason is not None
    assert "exceeds 1000 bytes" in reason


def test_robots_redirect_to_a_private_address_is_refused(
    server: LoopbackServer, fetcher: HttpFetcher
) -> None:
    server.add("/robots.txt", Route(status=302, headers={"Location": "http://169.254.169.254/"}))
    reason = RobotsPolicy(fetcher).refusal(server.url("/x"), UA)
    assert reason is not None
    assert "not a public address" in reason


def test_robots_fetch_obeys_the_address_rules(
    server: LoopbackServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    server.add("/robots.txt", Route(body=b""))
    fetcher = HttpFetcher(client, dataclasses.replace(policy, allow_hosts=()))
    assert not RobotsPolicy(fetcher).allowed(server.url("/x"), UA)
    assert server.requests == []


def test_parse_robots_ignores_garbage() -> None:
    parser = parse_robots(b"\xff\xfe<html>not robots</html>\nDisallow /x\n")
    assert parser.can_fetch(UA, "https://site.example/x")
