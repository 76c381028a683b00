"""Composition root: the only place that builds engines, clients, adapters and services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from bot.analysis.extractive import ExtractiveAnswerer
from bot.analysis.lens import load_lens
from bot.analysis.offline import OfflineAnalyzer
from bot.domain.models import Lens
from bot.services.analyze import AnalyzeService
from bot.services.ask import AskService
from bot.services.collect import CollectService
from bot.services.digest import DigestService
from bot.settings import FetchSettings, Settings
from bot.sources.fetch import FetchPolicy, HttpFetcher
from bot.sources.neardup import MinHashSigner
from bot.sources.reader import HttpSourceReader
from bot.sources.robots import RobotsPolicy
from storage.db import create_engine_for
from storage.migrate import upgrade_engine_to_head
from storage.repository import SqlStore


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Briefbot:
    """The assembled application: services over one store, one lens and one HTTP client."""

    settings: Settings
    lens: Lens
    store: SqlStore
    clock: SystemClock
    collector: CollectService
    analyzer: AnalyzeService
    digests: DigestService
    asker: AskService


def build_fetch_policy(fetch: FetchSettings) -> FetchPolicy:
    """The collector's limits from settings."""
    contact = f" (+{fetch.contact})" if fetch.contact else ""
    return FetchPolicy(
        connect_timeout=fetch.connect_timeout,
        read_timeout=fetch.read_timeout,
        total_timeout=fetch.total_timeout,
        max_bytes=fetch.max_bytes,
        max_redirects=fetch.max_redirects,
        user_agent=f"{fetch.user_agent}{contact}",
        allow_hosts=fetch.allow_hosts,
        max_per_host=fetch.max_per_host,
        polite_delay=fetch.polite_delay,
    )


def build_http_client(policy: FetchPolicy) -> httpx.Client:
    """One pooled client; redirects are followed by HttpFetcher, hop by hop, not by httpx."""
    timeout = httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout)
    return httpx.Client(
        timeout=timeout,
        follow_redirects=False,
        headers={"User-Agent": policy.user_agent},
        trust_env=False,
    )


@contextmanager
def build_briefbot(settings: Settings) -> Iterator[Briefbot]:
    """Migrate the database, build every adapter and service; close them on exit."""
    lens = load_lens(settings.lens_path)
    engine = create_engine_for(settings.database_url)
    upgrade_engine_to_head(engine)
    policy = build_fetch_policy(settings.fetch())
    client = build_http_client(policy)
    try:
        store = SqlStore(engine)
        clock = SystemClock()
        fetcher = HttpFetcher(client, policy)  # one per process: it holds the per-host throttle
        reader = HttpSourceReader(fetcher, robots=RobotsPolicy(fetcher), now=clock.now)
        yield Briefbot(
            settings=settings,
            lens=lens,
            store=store,
            clock=clock,
            collector=CollectService(
                reader=reader,
                store=store,
                signer=MinHashSigner(),
                clock=clock,
                chunk_chars=settings.chunk_chars,
                workers=settings.collect_workers,
            ),
            analyzer=AnalyzeService(
                analyzer=OfflineAnalyzer(), store=store, lens=lens, clock=clock
            ),
            digests=DigestService(store=store, lens=lens),
            asker=AskService(store=store, answerer=ExtractiveAnswerer()),
        )
    finally:
        client.close()
        engine.dispose()
