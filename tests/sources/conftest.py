"""Fixtures for source tests: a loopback server, an httpx client and a fetcher allowed to
reach 127.0.0.1 with small limits."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.sources.fetch import FetchPolicy, HttpFetcher
from tests.support.http_server import LoopbackServer

LOOPBACK = ("127.0.0.1",)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(follow_redirects=False, trust_env=False) as http:
        yield http


@pytest.fixture
def policy() -> FetchPolicy:
    return FetchPolicy(
        connect_timeout=2.0,
        read_timeout=2.0,
        total_timeout=5.0,
        max_bytes=1_000_000,
        allow_hosts=LOOPBACK,
        polite_delay=0.0,
    )


@pytest.fixture
def fetcher(client: httpx.Client, policy: FetchPolicy) -> HttpFetcher:
    return HttpFetcher(client, policy)
