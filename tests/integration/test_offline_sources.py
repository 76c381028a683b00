"""The production sources.yaml, collected with no network: one clean line per source."""

from __future__ import annotations

import socket
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.services.collect import CollectService, PollStatus
from bot.settings import PROJECT_ROOT
from bot.sources.catalog import load_sources_file
from bot.sources.fetch import FetchPolicy, HttpFetcher
from bot.sources.neardup import MinHashSigner
from bot.sources.reader import HttpSourceReader
from bot.sources.robots import RobotsPolicy
from storage.db import create_engine_for
from storage.migrate import upgrade_engine_to_head
from storage.repository import SqlStore


def resolve_nothing(host: str, port: int) -> Sequence[str]:
    """What getaddrinfo does on a machine without DNS (no real lookup is made)."""
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


class Clock:
    def now(self) -> datetime:
        return datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'offline.db'}")
    upgrade_engine_to_head(engine)
    yield SqlStore(engine)
    engine.dispose()


def test_every_production_source_fails_with_one_line_naming_it(store: SqlStore) -> None:
    specs = load_sources_file(PROJECT_ROOT / "examples" / "sources.yaml")
    for spec in specs:
        store.upsert_source(spec)
    policy = FetchPolicy(polite_delay=0.0)
    with httpx.Client(follow_redirects=False, trust_env=False) as client:
        fetcher = HttpFetcher(client, policy, resolve=resolve_nothing)
        reader = HttpSourceReader(fetcher, robots=RobotsPolicy(fetcher))
        service = CollectService(reader=reader, store=store, signer=MinHashSigner(), clock=Clock())
        report = service.collect(store.list_sources())
    assert len(report.outcomes) == len(specs) >= 10
    for outcome in report.outcomes:
        assert outcome.status is PollStatus.FAILED
        assert outcome.error is not None
        assert "\n" not in outcome.error
        assert "cannot resolve" in outcome.error
    assert all(source.failure_count == 1 for source in store.list_sources())
