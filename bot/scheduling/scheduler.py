"""The APScheduler 3 adapter: one scheduler whose jobs follow the subscription table.

The subscription table is the only record of what is scheduled; ``sync_jobs`` makes the job
store agree with it. Job ids are deterministic (``digest:<subscription id>``, ``collect``).
A job that exists is never re-added with ``replace_existing``: that would recompute its next
run time and silently drop a run missed while the process was down. It is rescheduled only
when its time, time zone or days changed. Jobs call module-level functions with plain
arguments, so a persistent job store can pickle them by reference.

Boot order: ``build_scheduler``, ``start(paused=True)`` (a SQLAlchemy job store creates its
table on start), ``sync_jobs``, ``resume``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, fields
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.jobstores.base import ConflictingIdError, JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.domain.subscriptions import DAY_NAMES, Subscription
from bot.services.schedule import MISFIRE_GRACE

DIGEST_JOB_PREFIX = "digest:"
COLLECT_JOB_ID = "collect"
JOBSTORE = "default"
JOB_OPTIONS: dict[str, Any] = {
    "coalesce": True,  # runs missed while down are run once, not once per missed slot
    "max_instances": 1,
    "misfire_grace_time": int(MISFIRE_GRACE.total_seconds()),
}


def build_scheduler(jobstore_url: str | None = None) -> BackgroundScheduler:
    """A background scheduler in UTC with a SQLAlchemy job store at ``jobstore_url``, or in
    memory when None; every job coalesces, runs alone and may start up to an hour late."""
    store = SQLAlchemyJobStore(url=jobstore_url) if jobstore_url else MemoryJobStore()
    return BackgroundScheduler(
        jobstores={JOBSTORE: store}, job_defaults=dict(JOB_OPTIONS), timezone=UTC
    )


def digest_job_id(subscription_id: int) -> str:
    """``digest:<subscription id>``."""
    return f"{DIGEST_JOB_PREFIX}{subscription_id}"


def build_digest_trigger(subscription: Subscription) -> CronTrigger:
    """A cron trigger at the subscription's local time on its days, in its time zone."""
    return CronTrigger(
        hour=subscription.at.hour,
        minute=subscription.at.minute,
        day_of_week=",".join(DAY_NAMES[day] for day in subscription.days),
        timezone=ZoneInfo(subscription.timezone),
    )


def build_collect_trigger(minutes: int) -> IntervalTrigger:
    """Every ``minutes`` minutes."""
    return IntervalTrigger(minutes=minutes, timezone=UTC)


@dataclass(frozen=True, slots=True)
class SyncReport:
    """Job ids by what ``sync_jobs`` did to them."""

    added: tuple[str, ...] = ()
    rescheduled: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()  # function, arguments or options changed, times kept
    removed: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Wanted:
    job_id: str
    func: Callable[..., Any]
    trigger: CronTrigger | IntervalTrigger
    args: tuple[Any, ...]
    name: str


def sync_jobs(
    scheduler: BackgroundScheduler,
    subscriptions: Iterable[Subscription],
    *,
    digest_job: Callable[[int], Any],
    collect_minutes: int,
    collect_job: Callable[[], Any],
) -> SyncReport:
    """Make the scheduler's jobs match the enabled ``subscriptions`` and the collect interval.

    Missing jobs are added; jobs whose trigger changed are rescheduled; digest jobs whose
    subscription is gone or disabled are removed; the rest keep their next run time. Safe to
    run again, and on replicas sharing one job store (a job another replica just added or
    removed is left as it is).
    """
    wanted = _wanted_jobs(subscriptions, digest_job, collect_minutes, collect_job)
    existing = {job.id: job for job in scheduler.get_jobs()}
    actions: dict[str, list[str]] = {field.name: [] for field in fields(SyncReport)}
    for job_id, spec in wanted.items():
        actions[_ensure_job(scheduler, existing.get(job_id), spec)].append(job_id)
    for job_id in existing:
        if job_id.startswith(DIGEST_JOB_PREFIX) and job_id not in wanted:
            _remove_job(scheduler, job_id)
            actions["removed"].append(job_id)
    return SyncReport(**{name: tuple(ids) for name, ids in actions.items()})


def _wanted_jobs(
    subscriptions: Iterable[Subscription],
    digest_job: Callable[[int], Any],
    collect_minutes: int,
    collect_job: Callable[[], Any],
) -> dict[str, _Wanted]:
    wanted = {
        digest_job_id(s.id): _Wanted(
            digest_job_id(s.id),
            digest_job,
            build_digest_trigger(s),
            (s.id,),
            f"digest for {s.platform.value} {s.channel}",
        )
        for s in subscriptions
        if s.enabled
    }
    trigger = build_collect_trigger(collect_minutes)
    wanted[COLLECT_JOB_ID] = _Wanted(COLLECT_JOB_ID, collect_job, trigger, (), "collect")
    return wanted


def _ensure_job(scheduler: BackgroundScheduler, job: Any, wanted: _Wanted) -> str:
    """Add, reschedule, update or keep one job; returns which (a ``SyncReport`` field)."""
    if job is None:
        return _add_job(scheduler, wanted)
    if _trigger_key(job.trigger) != _trigger_key(wanted.trigger):
        scheduler.reschedule_job(wanted.job_id, trigger=wanted.trigger)
        _update_job(scheduler, wanted)
        return "rescheduled"
    if _job_key(job) != _job_key_of(wanted):
        _update_job(scheduler, wanted)
        return "updated"
    return "kept"


def _add_job(scheduler: BackgroundScheduler, wanted: _Wanted) -> str:
    try:
        scheduler.add_job(
            wanted.func,
            wanted.trigger,
            args=list(wanted.args),
            id=wanted.job_id,
            name=wanted.name,
            replace_existing=False,
            **JOB_OPTIONS,
        )
    except ConflictingIdError:
        return "kept"  # another replica sharing the job store added it first
    return "added"


def _update_job(scheduler: BackgroundScheduler, wanted: _Wanted) -> None:
    scheduler.modify_job(
        wanted.job_id, func=wanted.func, args=list(wanted.args), name=wanted.name, **JOB_OPTIONS
    )


def _remove_job(scheduler: BackgroundScheduler, job_id: str) -> None:
    with suppress(JobLookupError):  # another replica removed it first
        scheduler.remove_job(job_id)


def _trigger_key(trigger: Any) -> tuple[str, str]:
    """What makes two triggers fire at the same times (``repr`` holds a start date)."""
    return str(trigger), str(getattr(trigger, "timezone", ""))


def _job_key(job: Any) -> tuple[Any, ...]:
    options = tuple(getattr(job, name) for name in JOB_OPTIONS)
    return job.func, tuple(job.args), job.name, options


def _job_key_of(wanted: _Wanted) -> tuple[Any, ...]:
    return wanted.func, wanted.args, wanted.name, tuple(JOB_OPTIONS.values())
