"""Sources: settings round-trip, health, document counts, removal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from bot.domain.models import DocumentKind, SourceKind, SourceSpec
from storage.repository import SqlStore

POLLED_AT = datetime(2019, 8, 6, 7, 30, tzinfo=UTC)
MakeSpec = Callable[..., SourceSpec]


def test_upsert_round_trips_every_setting(store: SqlStore, make_spec: MakeSpec) -> None:
    spec = make_spec(
        "White House",
        kind=SourceKind.LISTING,
        tags=("statements", "us"),
        speaker="President",
        statements=True,
        document_kind=DocumentKind.STATEMENT,
        poll_minutes=15,
        link_pattern=r"/briefings-statements/",
        enabled=False,
        respect_robots=False,
    )
    created = store.upsert_source(spec)
    assert created.spec == spec
    assert created.id > 0
    assert created.failure_count == 0
    assert created.document_count == 0
    assert store.get_source("White House") == created


def test_upsert_updates_settings_and_keeps_health(store: SqlStore, make_spec: MakeSpec) -> None:
    source = store.upsert_source(make_spec())
    store.record_poll_failure(source.id, at=POLLED_AT, error="HTTP 503")
    changed = make_spec(url="https://example.org/new.xml", poll_minutes=5)
    updated = store.upsert_source(changed)
    assert updated.id == source.id
    assert updated.spec == changed
    assert updated.failure_count == 1
    assert updated.last_error == "HTTP 503"


def test_list_sources_by_name_and_enabled_only(store: SqlStore, make_spec: MakeSpec) -> None:
    store.upsert_source(make_spec("b"))
    store.upsert_source(make_spec("a"))
    store.upsert_source(make_spec("c", enabled=False))
    assert [source.name for source in store.list_sources()] == ["a", "b", "c"]
    assert [source.name for source in store.list_sources(enabled_only=True)] == ["a", "b"]


def test_get_unknown_source_is_none(store: SqlStore) -> None:
    assert store.get_source("nope") is None


def test_poll_failures_count_up_and_success_resets(store: SqlStore, make_spec: MakeSpec) -> None:
    source = store.upsert_source(make_spec())
    store.record_poll_failure(source.id, at=POLLED_AT, error="timed out\nafter 10 s")
    store.record_poll_failure(source.id, at=POLLED_AT + timedelta(hours=1), error="HTTP 503")
    failed = store.get_source(source.name)
    assert failed is not None
    assert failed.failure_count == 2
    assert failed.last_error == "HTTP 503"
    assert failed.last_polled_at == POLLED_AT + timedelta(hours=1)
    assert failed.last_ok_at is None

    ok_at = POLLED_AT + timedelta(hours=2)
    store.record_poll_ok(source.id, at=ok_at, etag='W/"abc"', last_modified="Tue, 06 Aug 2019")
    healthy = store.get_source(source.name)
    assert healthy is not None
    assert (healthy.failure_count, healthy.last_error) == (0, None)
    assert (healthy.etag, healthy.last_modified) == ('W/"abc"', "Tue, 06 Aug 2019")
    assert healthy.last_ok_at == healthy.last_polled_at == ok_at


def test_times_come_back_as_aware_utc(store: SqlStore, make_spec: MakeSpec) -> None:
    source = store.upsert_source(make_spec())
    new_york = timezone(timedelta(hours=-4))
    store.record_poll_ok(
        source.id, at=datetime(2019, 8, 6, 8, 0, tzinfo=new_york), etag=None, last_modified=None
    )
    stored = store.get_source(source.name)
    assert stored is not None
    assert stored.last_ok_at is not None
    assert stored.last_ok_at.tzinfo is not None
    assert stored.last_ok_at.utcoffset() == timedelta(0)
    assert stored.last_ok_at == datetime(2019, 8, 6, 12, 0, tzinfo=UTC)


def test_document_count_and_removal_keeps_documents(
    store: SqlStore, make_spec: MakeSpec, add_document: Callable[..., int]
) -> None:
    source = store.upsert_source(make_spec())
    first = add_document("ISIS retains fighters.", slug="one", source_id=source.id)
    add_document("Attacks rose in Syria.", slug="two", source_id=source.id)
    listed = store.get_source(source.name)
    assert listed is not None
    assert listed.document_count == 2
    assert store.list_sources()[0].document_count == 2

    assert store.remove_source(source.name) is True
    assert store.remove_source(source.name) is False
    assert store.get_source(source.name) is None
    [kept] = store.get_documents([first])
    assert kept.source_id is None
    assert kept.source_name is None
