"""Digest runs: claimed exactly once (8 racing threads, both databases), retaken, recorded."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.domain.errors import StorageError
from bot.domain.subscriptions import DigestRun, Platform, PostedMessage, RunStatus, SubscriptionSpec
from storage.repository import SqlStore

NOW = datetime(2026, 3, 9, 12, 30, tzinfo=UTC)
DAY = date(2026, 3, 9)
RACERS = 8
SPEC = SubscriptionSpec(
    platform=Platform.SLACK,
    channel="C0123456",
    at=time(7, 30),
    timezone="America/New_York",
    lens_id="premature_victory",
)


@pytest.fixture
def subscription_id(store: SqlStore) -> int:
    return store.add_subscription(SPEC).id


def claim(
    store: SqlStore, subscription_id: int, *, now: datetime = NOW, force: bool = False
) -> DigestRun | None:
    return store.claim_digest_run(
        subscription_id,
        local_date=DAY,
        now=now,
        abandoned_before=now - timedelta(minutes=15),
        new_edition=force,
    )


def race(store: SqlStore, subscription_id: int, *, force: bool = False) -> list[DigestRun]:
    """``RACERS`` threads claim at the same moment; the runs they got."""
    barrier = threading.Barrier(RACERS)

    def attempt(_: int) -> DigestRun | None:
        barrier.wait()
        return claim(store, subscription_id, force=force)

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        results = list(pool.map(attempt, range(RACERS)))
    return [run for run in results if run is not None]


def post(store: SqlStore, run: DigestRun, *, at: datetime = NOW) -> DigestRun:
    return store.record_digest_posted(
        run.id,
        message=PostedMessage(ts="1773059400.000100", permalink="https://x/p"),
        posted_at=at,
        period_start=at - timedelta(hours=24),
        period_end=at,
        cited_document_ids=[3, 5],
    )


def test_a_claim_is_a_pending_first_edition(store: SqlStore, subscription_id: int) -> None:
    run = claim(store, subscription_id)
    assert run is not None
    assert (run.local_date, run.edition, run.status, run.attempts) == (
        DAY,
        1,
        RunStatus.PENDING,
        1,
    )
    assert run.claimed_at == NOW == run.created_at


def test_eight_racing_threads_claim_exactly_once(store: SqlStore, subscription_id: int) -> None:
    winners = race(store, subscription_id)
    assert len(winners) == 1
    assert len(store.list_digest_runs(subscription_id)) == 1


def test_a_failed_run_is_retaken_by_exactly_one_racer(
    store: SqlStore, subscription_id: int
) -> None:
    first = claim(store, subscription_id)
    assert first is not None
    store.record_digest_failed(first.id, error="slack said:\n  ratelimited")
    assert store.list_digest_runs(subscription_id)[0].error == "slack said: ratelimited"
    winners = race(store, subscription_id)
    assert [(run.id, run.attempts, run.error) for run in winners] == [(first.id, 2, None)]


def test_a_pending_run_blocks_until_it_is_abandoned(store: SqlStore, subscription_id: int) -> None:
    first = claim(store, subscription_id)
    assert first is not None
    assert claim(store, subscription_id, now=NOW + timedelta(minutes=10)) is None
    later = claim(store, subscription_id, now=NOW + timedelta(minutes=16))
    assert later is not None
    assert (later.id, later.attempts, later.created_at) == (first.id, 2, NOW)
    assert later.claimed_at == NOW + timedelta(minutes=16)


def test_a_posted_day_is_never_claimed_again_without_force(
    store: SqlStore, subscription_id: int
) -> None:
    first = claim(store, subscription_id)
    assert first is not None
    posted = post(store, first)
    assert (posted.status, posted.message_ts, posted.permalink) == (
        RunStatus.POSTED,
        "1773059400.000100",
        "https://x/p",
    )
    assert posted.cited_document_ids == (3, 5)
    assert claim(store, subscription_id, now=NOW + timedelta(hours=3)) is None


def test_force_creates_edition_two_once_among_racers(store: SqlStore, subscription_id: int) -> None:
    first = claim(store, subscription_id)
    assert first is not None
    post(store, first)
    winners = race(store, subscription_id, force=True)
    assert [run.edition for run in winners] == [2]
    post(store, winners[0])
    forced_again = claim(store, subscription_id, force=True)
    assert forced_again is not None
    assert forced_again.edition == 3


def test_a_failed_second_edition_is_not_retaken_once_the_day_was_posted(
    store: SqlStore, subscription_id: int
) -> None:
    first = claim(store, subscription_id)
    assert first is not None
    post(store, first)
    second = claim(store, subscription_id, force=True)
    assert second is not None
    store.record_digest_failed(second.id, error="down")
    assert claim(store, subscription_id) is None


def test_last_posted_run_is_the_latest_period(store: SqlStore, subscription_id: int) -> None:
    assert store.last_posted_run(subscription_id) is None
    first = claim(store, subscription_id)
    assert first is not None
    post(store, first)
    second = claim(store, subscription_id, force=True)
    assert second is not None
    post(store, second, at=NOW + timedelta(hours=1))
    third = claim(store, subscription_id, force=True)
    assert third is not None
    store.record_digest_failed(third.id, error="down")
    last = store.last_posted_run(subscription_id)
    assert last is not None
    assert (last.id, last.period_end) == (second.id, NOW + timedelta(hours=1))


def test_runs_list_by_date_and_edition(store: SqlStore, subscription_id: int) -> None:
    first = claim(store, subscription_id)
    assert first is not None
    post(store, first)
    claim(store, subscription_id, force=True)
    store.claim_digest_run(
        subscription_id, local_date=DAY + timedelta(days=1), now=NOW, abandoned_before=NOW
    )
    runs = store.list_digest_runs(subscription_id)
    assert [(r.local_date.day, r.edition) for r in runs] == [(9, 1), (9, 2), (10, 1)]
    assert len(store.list_digest_runs(subscription_id, local_date=DAY)) == 2


def test_recording_a_deleted_run_raises_storage_error(
    store: SqlStore, subscription_id: int
) -> None:
    run = claim(store, subscription_id)
    assert run is not None
    store.remove_subscription(subscription_id)
    with pytest.raises(StorageError, match="no longer exists"):
        store.record_digest_failed(run.id, error="down")


def test_force_waits_while_an_edition_is_being_posted(
    store: SqlStore, subscription_id: int
) -> None:
    first = claim(store, subscription_id)
    assert first is not None
    assert claim(store, subscription_id, now=NOW + timedelta(minutes=1), force=True) is None
    later = claim(store, subscription_id, now=NOW + timedelta(minutes=20), force=True)
    assert later is not None
    assert later.edition == 2
