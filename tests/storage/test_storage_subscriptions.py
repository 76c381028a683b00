"""Subscriptions in the store: round trip, filters, update, removal with their runs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

from bot.domain.subscriptions import EVERY_DAY, Platform, SubscriptionSpec
from storage.repository import SqlStore

NOW = datetime(2026, 3, 9, 12, 30, tzinfo=UTC)
SPEC = SubscriptionSpec(
    platform=Platform.SLACK,
    channel="C0123456",
    at=time(7, 30),
    timezone="America/New_York",
    lens_id="premature_victory",
    days=(0, 1, 2, 3, 4),
    tags=("isis", "official"),
    workspace="T01",
    created_by="U42",
)


def test_a_subscription_round_trips(store: SqlStore) -> None:
    added = store.add_subscription(SPEC)
    assert added.spec == SPEC
    assert store.get_subscription(added.id) == added
    assert added.created_at.tzinfo is not None


def test_every_day_and_a_teams_webhook_round_trip(store: SqlStore) -> None:
    teams = replace(
        SPEC,
        platform=Platform.TEAMS,
        channel="Policy",
        days=EVERY_DAY,
        webhook_url="https://example.org/hook?sig=secret",
    )
    added = store.add_subscription(teams)
    assert store.get_subscription(added.id) == added
    assert added.spec.days == EVERY_DAY
    assert "secret" not in repr(added)


def test_list_filters_by_platform_channel_and_enabled(store: SqlStore) -> None:
    first = store.add_subscription(SPEC)
    other = store.add_subscription(replace(SPEC, channel="C0999999", enabled=False))
    console = store.add_subscription(replace(SPEC, platform=Platform.CONSOLE, channel="term"))
    assert [s.id for s in store.list_subscriptions()] == [first.id, other.id, console.id]
    assert [s.id for s in store.list_subscriptions(enabled_only=True)] == [first.id, console.id]
    assert [s.id for s in store.list_subscriptions(platform=Platform.SLACK)] == [first.id, other.id]
    assert [s.id for s in store.list_subscriptions(channel="C0999999")] == [other.id]


def test_update_replaces_settings(store: SqlStore) -> None:
    added = store.add_subscription(SPEC)
    changed = store.update_subscription(added.id, replace(SPEC, at=time(18, 5), days=(5, 6)))
    assert changed is not None
    assert (changed.at, changed.days) == (time(18, 5), (5, 6))
    assert changed.created_at == added.created_at
    assert store.update_subscription(added.id + 100, SPEC) is None


def test_remove_deletes_the_subscription_and_its_runs(store: SqlStore) -> None:
    added = store.add_subscription(SPEC)
    store.claim_digest_run(added.id, local_date=date(2026, 3, 9), now=NOW, abandoned_before=NOW)
    assert store.remove_subscription(added.id) is True
    assert store.get_subscription(added.id) is None
    assert store.list_digest_runs(added.id) == []
    assert store.remove_subscription(added.id) is False
