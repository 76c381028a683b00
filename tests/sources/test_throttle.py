"""HostThrottle: slots per host and polite delays, alone (fake clock) and inside HttpFetcher."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable

import httpx
import pytest

from bot.domain.errors import FetchError
from bot.sources.fetch import FetchPolicy, HttpFetcher
from bot.sources.throttle import HostThrottle
from tests.support.http_server import LoopbackServer, RecordedRequest, Route

Interval = tuple[float, float]


class FakeClock:
    """A monotonic clock that only moves when ``sleep`` is called."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def timed_route(intervals: list[Interval], *, hold: float = 0.25) -> Callable[..., Route]:
    """A route that records when the server was busy with each request."""

    def respond(request: RecordedRequest) -> Route:
        started = time.monotonic()
        time.sleep(hold)
        intervals.append((started, time.monotonic()))
        return Route(body=b"ok")

    return respond


def fetch_in_threads(fetcher: HttpFetcher, urls: list[str]) -> None:
    errors: list[FetchError] = []

    def run(url: str) -> None:
        try:
            fetcher.fetch(url)
        except FetchError as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == []


def test_polite_delay_spaces_starts_per_host() -> None:
    clock = FakeClock()
    throttle = HostThrottle(max_per_host=2, polite_delay=1.5, clock=clock, sleep=clock.sleep)
    for key in ("a.example:80", "a.example:80", "b.example:80", "A.EXAMPLE:80"):
        with throttle.slot(key):
            pass
    assert clock.sleeps == [1.5, 1.5]  # the second and the fourth (same host, any case)
    clock.now += 10
    with throttle.slot("a.example:80"):
        pass
    assert clock.sleeps == [1.5, 1.5]


def test_waiting_threads_are_spaced_not_released_together() -> None:
    clock = FakeClock()
    sleeps: list[float] = []
    throttle = HostThrottle(max_per_host=5, polite_delay=1.0, clock=clock, sleep=sleeps.append)
    for _ in range(3):
        with throttle.slot("a.example:80"):
            pass
    # Time stood still, as for threads arriving together: each start is one delay later.
    assert sleeps == [1.0, 2.0]


def test_no_free_slot_within_timeout_raises() -> None:
    throttle = HostThrottle(max_per_host=1, polite_delay=0)
    with (
        throttle.slot("a.example:80"),
        pytest.raises(TimeoutError, match=r"a\.example:80"),
        throttle.slot("a.example:80", timeout=0.05),
    ):
        pass


def test_delay_longer_than_timeout_raises() -> None:
    clock = FakeClock()
    throttle = HostThrottle(polite_delay=30, clock=clock, sleep=clock.sleep)
    with throttle.slot("a.example:80"):
        pass
    with (
        pytest.raises(TimeoutError, match="polite delay"),
        throttle.slot("a.example:80", timeout=5),
    ):
        pass
    assert clock.sleeps == []


@pytest.mark.parametrize(("slots", "delay"), [(0, 1.0), (1, -1.0)])
def test_bad_settings_are_refused(slots: int, delay: float) -> None:
    with pytest.raises(ValueError, match=r"max_per_host|polite_delay"):
        HostThrottle(max_per_host=slots, polite_delay=delay)


def test_one_slot_per_host_never_overlaps(
    server: LoopbackServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    intervals: list[Interval] = []
    url = server.add("/slow", timed_route(intervals))
    fetcher = HttpFetcher(client, dataclasses.replace(policy, max_per_host=1))
    fetch_in_threads(fetcher, [url, url, url])
    first, second, third = sorted(intervals)
    assert second[0] >= first[1]
    assert third[0] >= second[1]


def test_different_hosts_run_in_parallel(client: httpx.Client, policy: FetchPolicy) -> None:
    intervals: list[Interval] = []
    with LoopbackServer() as one, LoopbackServer() as two:
        urls = [one.add("/slow", timed_route(intervals)), two.add("/slow", timed_route(intervals))]
        fetcher = HttpFetcher(client, dataclasses.replace(policy, max_per_host=1))
        fetch_in_threads(fetcher, urls)
    first, second = sorted(intervals)
    assert second[0] < first[1]  # host:port is the key: two ports are two hosts


def test_each_redirect_hop_takes_its_turn(
    server: LoopbackServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    clock = FakeClock()
    throttle = HostThrottle(max_per_host=1, polite_delay=2.0, clock=clock, sleep=clock.sleep)
    server.add("/b", Route(body=b"done"))
    url = server.add("/a", Route(status=302, headers={"Location": "/b"}))
    fetcher = HttpFetcher(client, policy, throttle=throttle)
    assert fetcher.fetch(url).body == b"done"
    assert clock.sleeps == [2.0]


def test_polite_delay_past_the_deadline_is_a_fetch_error(
    server: LoopbackServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    clock = FakeClock()
    throttle = HostThrottle(polite_delay=3600, clock=clock, sleep=clock.sleep)
    url = server.add("/x", Route(body=b"x"))
    fetcher = HttpFetcher(client, policy, throttle=throttle)
    fetcher.fetch(url)
    with pytest.raises(FetchError, match=r"waited too long for a turn at 127\.0\.0\.1:") as error:
        fetcher.fetch(url)
    assert str(error.value).startswith(f"GET {url}: ")
    assert len(server.requests) == 1
