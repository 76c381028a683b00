"""CollectService over the real SqlStore (SQLite) and MinHash signer, with scripted readers.

The reader is the SourceReader port fed with fixed readings, so each dedup rule is exercised
exactly: new, unchanged, re-dated, updated with a kept version, syndicated (linked), failing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.errors import FetchError
from bot.domain.models import (
    DocumentKind,
    FetchedDocument,
    SaveOutcome,
    Source,
    SourceKind,
    SourceReading,
    SourceSpec,
)
from bot.services.collect import CollectService, PollStatus, is_due, poll_jitter
from bot.sources.neardup import MinHashSigner
from storage.db import create_engine_for
from storage.migrate import upgrade_engine_to_head
from storage.repository import SqlStore

NOW = datetime(2019, 8, 7, 7, 30, tzinfo=UTC)
STORY = (
    "Islamic State fighters attacked a checkpoint near Kirkuk on Tuesday, killing four police "
    "officers, Iraqi security officials said. The attack was the third in the province this "
    "month. Officials said the group retained between 14,000 and 18,000 members in Iraq and "
    "Syria according to the latest inspector general estimate. Security forces launched a "
    "sweep of nearby villages and detained several suspects, the officials added. "
) * 2


class FixedClock:
    def __init__(self) -> None:
        self.now_value = NOW

    def now(self) -> datetime:
        return self.now_value


class ScriptedReader:
    """Returns, per source name, the reading (or raises the error) it was given."""

    def __init__(self) -> None:
        self.readings: dict[str, SourceReading | Exception] = {}

    def read(self, source: Source) -> SourceReading:
        result = self.readings[source.name]
        if isinstance(result, Exception):
            raise result
        return result


def fetched(url: str, text: str = STORY, **changes: object) -> FetchedDocument:
    document = FetchedDocument(
        url=url,
        canonical_url=url,
        title="Attack near Kirkuk",
        text=text,
        kind=DocumentKind.NEWS,
        published_at=datetime(2019, 8, 6, tzinfo=UTC),
    )
    return replace(document, **changes)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'collect.db'}")
    upgrade_engine_to_head(engine)
    yield SqlStore(engine)
    engine.dispose()


@pytest.fixture
def reader() -> ScriptedReader:
    return ScriptedReader()


@pytest.fixture
def service(store: SqlStore, reader: ScriptedReader) -> CollectService:
    return CollectService(
        reader=reader, store=store, signer=MinHashSigner(), clock=FixedClock(), workers=3
    )


def add_source(store: SqlStore, name: str) -> Source:
    return store.upsert_source(SourceSpec(name, f"http://{name}.example/feed", SourceKind.RSS))


def poll(service: CollectService, store: SqlStore, *names: str):  # type: ignore[no-untyped-def]
    sources = [s for s in store.list_sources() if s.name in names]
    return {o.source: o for o in service.collect(sources).outcomes}


def test_new_then_unchanged_then_redated_is_never_new_again(
    service: CollectService, store: SqlStore, reader: ScriptedReader
) -> None:
    add_source(store, "wire")
    reader.readings["wire"] = SourceReading(documents=(fetched("http://wire.example/a"),))
    assert poll(service, store, "wire")["wire"].new == 1
    assert poll(service, store, "wire")["wire"].unchanged == 1
    redated = fetched("http://wire.example/a", published_at=datetime(2019, 9, 1, tzinfo=UTC))
    reader.readings["wire"] = SourceReading(documents=(redated,))
    outcome = poll(service, store, "wire")["wire"]
    assert (outcome.new, outcome.unchanged) == (0, 1)
    assert store.find_document_by_url("http://wire.example/a") is not None


def test_edited_text_at_the_same_url_is_an_update_with_the_old_text_kept(
    service: CollectService, store: SqlStore, reader: ScriptedReader
) -> None:
    add_source(store, "wire")
    reader.readings["wire"] = SourceReading(documents=(fetched("http://wire.example/a"),))
    poll(service, store, "wire")
    edited = STORY.replace("four police officers", "five police officers")
    reader.readings["wire"] = SourceReading(documents=(fetched("http://wire.example/a", edited),))
    assert poll(service, store, "wire")["wire"].updated == 1
    document = store.find_document_by_url("http://wire.example/a")
    assert document is not None
    assert document.version == 2
    assert "five police officers" in document.text
    (old,) = store.list_versions(document.id)
    assert "four police officers" in old.text
    assert store.search_passages("five police officers")[0].document.id == document.id


def test_syndicated_story_on_three_sites_is_one_document_with_three_links(
    service: CollectService, store: SqlStore, reader: ScriptedReader
) -> None:
    for site in ("alpha", "beta", "gamma"):
        add_source(store, site)
        text = f"{site.title()} News Service.\n\n{STORY}\n\nCopyright {site} media."
        reader.readings[site] = SourceReading(
            documents=(fetched(f"http://{site}.example/s", text),)
        )
    outcomes = poll(service, store, "alpha", "beta", "gamma")
    assert sum(o.new for o in outcomes.values()) == 1
    assert sum(o.linked for o in outcomes.values()) == 2
    first = next(
        store.find_document_by_url(f"http://{s}.example/s")
        for s in ("alpha", "beta", "gamma")
        if store.find_document_by_url(f"http://{s}.example/s")
    )
    assert first is not None
    assert len(store.list_document_urls(first.id)) == 3


def test_page_that_now_carries_a_story_stored_elsewhere_is_linked_not_revised(
    service: CollectService, store: SqlStore, reader: ScriptedReader
) -> None:
    add_source(store, "wire")
    other = "A different report on coalition training in Anbar province. " * 10
    reader.readings["wire"] = SourceReading(
        documents=(fetched("http://wire.example/a"), fetched("http://wire.example/b", other))
    )
    poll(service, store, "wire")
    reader.readings["wire"] = SourceReading(documents=(fetched("http://wire.example/b"),))
    assert poll(service, store, "wire")["wire"].linked == 1
    page_b = store.find_document_by_url("http://wire.example/b")
    assert page_b is not None
    assert page_b.text == other  # not overwritten with the other document's text


def test_one_failing_source_does_not_stop_the_others_and_loses_nothing(
    service: CollectService, store: SqlStore, reader: ScriptedReader
) -> None:
    add_source(store, "good")
    add_source(store, "bad")
    add_source(store, "buggy")
    reader.readings["good"] = SourceReading(documents=(fetched("http://good.example/a"),))
    reader.readings["bad"] = FetchError("GET http://bad.example/feed: HTTP 503")
    reader.readings["buggy"] = ZeroDivisionError("division by zero")
    outcomes = poll(service, store, "good", "bad", "buggy")
    assert outcomes["good"].new == 1
    assert outcomes["bad"].status is PollStatus.FAILED
    assert outcomes["bad"].error == "GET http://bad.example/feed: HTTP 503"
    assert outcomes["buggy"].error == "unexpected ZeroDivisionError: division by zero"
    health = {s.name: (s.failure_count, s.last_error) for s in store.list_sources()}
    assert health["bad"] == (1, "GET http://bad.example/feed: HTTP 503")
    assert health["good"] == (0, None)
    assert store.find_document_by_url("http://good.example/a") is not None


def test_not_modified_reading_stores_nothing(
    service: CollectService, store: SqlStore, reader: ScriptedReader
) -> None:
    add_source(store, "quiet")
    reader.readings["quiet"] = SourceReading(not_modified=True, etag='"v1"')
    outcome = poll(service, store, "quiet")["quiet"]
    assert outcome.status is PollStatus.UNCHANGED
    (source,) = store.list_sources()
    assert source.etag == '"v1"'


def test_store_document_outcomes_directly(service: CollectService, store: SqlStore) -> None:
    source = add_source(store, "direct")
    prepared = service.prepare(fetched("http://direct.example/a"))
    assert service.store_document(prepared, source_id=source.id, at=NOW) is SaveOutcome.NEW
    assert service.store_document(prepared, source_id=source.id, at=NOW) is SaveOutcome.UNCHANGED


def test_jitter_is_stable_and_bounded() -> None:
    assert poll_jitter("a") == poll_jitter("a")
    assert all(0 <= poll_jitter(name) < 0.1 for name in map(str, range(200)))


def test_due_after_the_interval_plus_jitter() -> None:
    spec = SourceSpec("s", "http://s.example/", SourceKind.RSS, poll_minutes=60)
    polled = Source(id=1, spec=spec, last_polled_at=NOW)
    assert not is_due(polled, NOW + timedelta(minutes=59))
    assert is_due(polled, NOW + timedelta(minutes=67))
    assert is_due(Source(id=2, spec=spec), NOW)
