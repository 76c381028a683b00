"""When a subscription's digests fall, computed with zoneinfo alone (no scheduler inside).

A local time that does not exist on a spring-forward day (02:30 in New York on 8 March 2026)
falls at the same instant a wall clock that was not yet moved shows it: 03:30 daylight time.
A local time that happens twice on a fall-back day falls at its first occurrence only.
APScheduler's ``CronTrigger`` fires at both occurrences; the digest-run claim, keyed by local
date, keeps that to one post.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

MISFIRE_GRACE = timedelta(hours=1)  # a job that starts later than this after its slot is dropped
SEARCH_DAYS = 8  # a week holds every weekday: one more day covers the time-of-day boundary


class Scheduled(Protocol):
    """Anything with a local time, a time zone and weekdays (a subscription or its spec)."""

    @property
    def at(self) -> time: ...

    @property
    def timezone(self) -> str: ...

    @property
    def days(self) -> tuple[int, ...]: ...


def slot_on(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant ``at`` falls on ``day`` in ``zone`` (see the module docstring for DST)."""
    wall = datetime.combine(day, at, tzinfo=zone)  # fold=0: the first occurrence
    return wall.astimezone(UTC).astimezone(zone)


def next_digest_times(schedule: Scheduled, after: datetime, count: int) -> list[datetime]:
    """The next ``count`` digest times strictly after ``after``, in the schedule's zone."""
    zone = ZoneInfo(schedule.timezone)
    day = after.astimezone(zone).date()
    times: list[datetime] = []
    while schedule.days and len(times) < count:
        if day.weekday() in schedule.days:
            slot = slot_on(day, schedule.at, zone)
            if slot > after:
                times.append(slot)
        day += timedelta(days=1)
    return times


def previous_digest_time(schedule: Scheduled, at_or_before: datetime) -> datetime | None:
    """The latest digest time at or before ``at_or_before`` within a week, or None."""
    zone = ZoneInfo(schedule.timezone)
    day = at_or_before.astimezone(zone).date()
    for _ in range(SEARCH_DAYS):
        if day.weekday() in schedule.days:
            slot = slot_on(day, schedule.at, zone)
            if slot <= at_or_before:
                return slot
        day -= timedelta(days=1)
    return None


def local_date_of(schedule: Scheduled, when: datetime) -> date:
    """The local date a digest posted at ``when`` is for: the date of the slot it belongs to.

    A job started up to ``MISFIRE_GRACE`` after its slot belongs to that slot, even past
    midnight (a 23:45 digest started at 00:10 is the previous day's). Any other time (a post
    on demand) is for ``when``'s own local date.
    """
    zone = ZoneInfo(schedule.timezone)
    slot = previous_digest_time(schedule, when)
    if slot is not None and when - slot <= MISFIRE_GRACE:
        return slot.date()
    return when.astimezone(zone).date()
