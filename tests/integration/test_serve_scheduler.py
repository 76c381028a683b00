"""``briefbot serve``'s scheduler: boot syncs the subscription table, the sync job follows it."""

from __future__ import annotations

from bot.main import Briefbot
from bot.scheduling.jobs import run_sync_job
from bot.serve import SYNC_JOB_ID, running_scheduler


def test_boot_schedules_each_subscription_and_the_sync_job_follows_changes(
    briefbot: Briefbot,
) -> None:
    first = briefbot.subscriptions.subscribe(
        platform="console", channel="desk", at="07:30", timezone="America/New_York"
    ).subscription
    with running_scheduler(briefbot) as scheduler:
        ids = {job.id for job in scheduler.get_jobs()}
        assert ids == {f"digest:{first.id}", "collect", SYNC_JOB_ID}
        second = briefbot.subscriptions.subscribe(
            platform="console", channel="other-desk", at="08:00", timezone="Europe/London"
        ).subscription
        briefbot.subscriptions.unsubscribe(first.id)
        run_sync_job()  # what the scheduler runs every minute (and /briefbot subscribe at once)
        ids = {job.id for job in scheduler.get_jobs()}
        assert ids == {f"digest:{second.id}", "collect", SYNC_JOB_ID}
        job = scheduler.get_job(f"digest:{second.id}")
        assert str(job.trigger.timezone) == "Europe/London"
    assert not scheduler.running
