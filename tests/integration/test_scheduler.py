"""The APScheduler 3 adapter on a real BackgroundScheduler (memory and SQLite job stores).

Nothing here waits for a schedule: jobs are inspected in the (paused) scheduler and run by
calling their module-level functions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot.chat.console.sink import ConsoleDigestSink
from bot.domain.models import Digest
from bot.domain.subscriptions import Platform, Subscription, SubscriptionSpec
from bot.scheduling.jobs import JobContext, install_job_context, run_collect_job, run_digest_job
from bot.scheduling.scheduler import (
    COLLECT_JOB_ID,
    JOBSTORE,
    build_digest_trigger,
    build_scheduler,
    digest_job_id,
    sync_jobs,
)
from bot.services.digest_posting import DigestPoster, PostStatus
from bot.services.schedule import next_digest_times
from storage.db import create_engine_for
from storage.migrate import upgrade_engine_to_head
from storage.repository import SqlStore

CREATED = datetime(2026, 3, 1, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


def make_subscription(subscription_id: int, **changes: object) -> Subscription:
    spec = SubscriptionSpec(
        platform=Platform.CONSOLE,
        channel=f"desk-{subscription_id}",
        at=time(7, 30),
        timezone="America/New_York",
        lens_id="premature_victory",
        days=(0, 1, 2, 3, 4),
    )
    return Subscription(id=subscription_id, spec=replace(spec, **changes), created_at=CREATED)


def sync(scheduler: BackgroundScheduler, subscriptions: list[Subscription]):  # type: ignore[no-untyped-def]
    return sync_jobs(
        scheduler,
        subscriptions,
        digest_job=run_digest_job,
        collect_minutes=15,
        collect_job=run_collect_job,
    )


@pytest.fixture(params=["memory", "sqlite"])
def jobstore_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    return None if request.param == "memory" else f"sqlite:///{tmp_path / 'jobs.db'}"


@pytest.fixture
def scheduler(jobstore_url: str | None) -> Iterator[BackgroundScheduler]:
    scheduler = build_scheduler(jobstore_url)
    scheduler.start(paused=True)
    yield scheduler
    scheduler.shutdown(wait=False)


def test_sync_adds_one_job_per_subscription_and_the_collect_job(
    scheduler: BackgroundScheduler,
) -> None:
    report = sync(scheduler, [make_subscription(1), make_subscription(2)])
    assert sorted(report.added) == [COLLECT_JOB_ID, "digest:1", "digest:2"]
    job = scheduler.get_job(digest_job_id(1))
    assert job.args == (1,)
    assert job.func is run_digest_job
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 3600)
    assert job.trigger.timezone == NEW_YORK


def test_sync_twice_adds_nothing_and_keeps_next_run_times(scheduler: BackgroundScheduler) -> None:
    subscriptions = [make_subscription(1), make_subscription(2)]
    sync(scheduler, subscriptions)
    before = {job.id: job.next_run_time for job in scheduler.get_jobs()}
    report = sync(scheduler, subscriptions)
    assert report.added == report.rescheduled == report.removed == ()
    assert sorted(report.kept) == sorted(before)
    assert {job.id: job.next_run_time for job in scheduler.get_jobs()} == before


def test_a_changed_time_zone_or_days_reschedules_the_job(scheduler: BackgroundScheduler) -> None:
    sync(scheduler, [make_subscription(1)])
    before = scheduler.get_job("digest:1").next_run_time
    report = sync(scheduler, [make_subscription(1, timezone="Europe/London", days=(5, 6))])
    assert report.rescheduled == ("digest:1",)
    job = scheduler.get_job("digest:1")
    assert job.next_run_time != before
    assert job.next_run_time.astimezone(ZoneInfo("Europe/London")).weekday() in (5, 6)


def test_removed_and_disabled_subscriptions_drop_their_jobs(scheduler: BackgroundScheduler) -> None:
    sync(scheduler, [make_subscription(1), make_subscription(2), make_subscription(3)])
    scheduler.add_job(run_collect_job, "interval", minutes=5, id="someone-else")
    report = sync(scheduler, [make_subscription(1), make_subscription(2, enabled=False)])
    assert sorted(report.removed) == ["digest:2", "digest:3"]
    assert sorted(job.id for job in scheduler.get_jobs()) == [
        COLLECT_JOB_ID,
        "digest:1",
        "someone-else",
    ]


def stop_keeping_jobs(scheduler: BackgroundScheduler) -> None:
    """Shut down without touching stored jobs: APScheduler 3 processes due jobs once more
    when a paused scheduler shuts down, through the closed executor, advancing them."""
    scheduler.remove_jobstore(JOBSTORE)
    scheduler.shutdown(wait=False)


def test_a_persistent_store_keeps_a_run_missed_during_a_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    missed = datetime(2026, 3, 9, 11, 30, tzinfo=UTC)
    first = build_scheduler(url)
    first.start(paused=True)
    sync(first, [make_subscription(1)])
    first.modify_job("digest:1", next_run_time=missed)  # the slot passed while it was down
    stop_keeping_jobs(first)
    second = build_scheduler(url)
    second.start(paused=True)
    try:
        report = sync(second, [make_subscription(1)])
        assert "digest:1" in report.kept
        assert len(second.get_jobs()) == 2
        assert second.get_job("digest:1").next_run_time == missed  # still due: not dropped
    finally:
        stop_keeping_jobs(second)


def test_the_cron_trigger_agrees_with_the_pure_schedule_across_dst() -> None:
    subscription = make_subscription(1, days=(0, 1, 2, 3, 4, 5, 6))
    trigger = build_digest_trigger(subscription)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    fired: list[datetime] = []
    previous = None
    for _ in range(20):
        previous = trigger.get_next_fire_time(previous, now)
        fired.append(previous)
        now = previous
    assert fired == next_digest_times(subscription, datetime(2026, 3, 1, tzinfo=UTC), 20)


class NoDigest:
    def build(self, *, since: datetime | None, now: datetime, tags: Sequence[str] = ()) -> Digest:
        return Digest(title="ISIS", question="q", generated_at=now, bottom_line="Nothing new.")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'briefbot.db'}")
    upgrade_engine_to_head(engine)
    yield SqlStore(engine)
    engine.dispose()


@pytest.fixture
def printed() -> list[str]:
    return []


@pytest.fixture
def poster(store: SqlStore, printed: list[str]) -> DigestPoster:
    return DigestPoster(
        store=store,
        sinks={Platform.CONSOLE: ConsoleDigestSink(printed.append)},
        builders={"premature_victory": NoDigest()},
    )


def test_the_digest_job_posts_once_per_local_date(
    store: SqlStore, poster: DigestPoster, printed: list[str]
) -> None:
    subscription = store.add_subscription(make_subscription(0).spec)
    clock = iter(
        [datetime(2026, 3, 9, 11, 31, tzinfo=UTC), datetime(2026, 3, 9, 11, 40, tzinfo=UTC)]
    )
    collected: list[bool] = []
    install_job_context(
        JobContext(
            poster=poster,
            subscriptions=store,
            collect=lambda: collected.append(True),
            now=lambda: next(clock),
        )
    )
    try:
        first = run_digest_job(subscription.id)
        second = run_digest_job(subscription.id)
        run_collect_job()
    finally:
        install_job_context(None)
    assert first is not None
    assert first.status is PostStatus.POSTED
    assert second is not None
    assert second.status is PostStatus.SKIPPED
    assert len(printed) == 1
    assert "digest for 2026-03-09 · edition 1" in printed[0]
    assert collected == [True]


def test_a_job_without_context_or_subscription_posts_nothing(
    store: SqlStore, poster: DigestPoster
) -> None:
    assert run_digest_job(1) is None
    install_job_context(
        JobContext(poster=poster, subscriptions=store, collect=lambda: None, now=lambda: CREATED)
    )
    try:
        assert run_digest_job(404) is None
    finally:
        install_job_context(None)


def test_the_cron_trigger_fires_twice_in_a_repeated_hour_and_the_claim_posts_once(
    store: SqlStore, poster: DigestPoster, printed: list[str]
) -> None:
    subscription = store.add_subscription(make_subscription(0, at=time(1, 30), days=(6,)).spec)
    trigger = build_digest_trigger(subscription)
    start = datetime(2026, 10, 31, 12, tzinfo=UTC)
    first = trigger.get_next_fire_time(None, start)
    second = trigger.get_next_fire_time(first, first)
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)  # EDT, EST
    outcomes = [poster.post_due(subscription, fired).status for fired in (first, second)]
    assert outcomes == [PostStatus.POSTED, PostStatus.SKIPPED]
    assert len(printed) == 1
