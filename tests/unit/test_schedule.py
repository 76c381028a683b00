"""Pure schedule computation with fixed datetimes across DST changes (no scheduler, no clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.subscriptions import EVERY_DAY, Platform, SubscriptionSpec
from bot.services.schedule import (
    local_date_of,
    next_digest_times,
    previous_digest_time,
)

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
WEEKDAYS = (0, 1, 2, 3, 4)


def spec(
    at: time, zone: str = "America/New_York", days: tuple[int, ...] = EVERY_DAY
) -> SubscriptionSpec:
    return SubscriptionSpec(
        platform=Platform.CONSOLE, channel="c", at=at, timezone=zone, lens_id="l", days=days
    )


def local(times: list[datetime]) -> list[str]:
    return [t.isoformat() for t in times]


def test_0730_new_york_across_the_march_2026_change_keeps_local_time() -> None:
    times = next_digest_times(spec(time(7, 30)), datetime(2026, 3, 6, 18, tzinfo=UTC), 4)
    assert local(times) == [
        "2026-03-07T07:30:00-05:00",
        "2026-03-08T07:30:00-04:00",  # DST began at 02:00 that morning
        "2026-03-09T07:30:00-04:00",
        "2026-03-10T07:30:00-04:00",
    ]
    assert [t.astimezone(UTC).hour for t in times] == [12, 11, 11, 11]


def test_0730_new_york_across_the_november_2026_change() -> None:
    times = next_digest_times(spec(time(7, 30)), datetime(2026, 10, 31, tzinfo=NEW_YORK), 3)
    assert local(times) == [
        "2026-10-31T07:30:00-04:00",
        "2026-11-01T07:30:00-05:00",
        "2026-11-02T07:30:00-05:00",
    ]


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        ("America/New_York", date(2026, 3, 8)),
        ("America/New_York", date(2026, 11, 1)),
        ("Europe/London", date(2026, 3, 29)),
        ("Europe/London", date(2026, 10, 25)),
    ],
)
@pytest.mark.parametrize("at", [time(7, 30), time(1, 30), time(2, 30), time(0, 0), time(23, 59)])
def test_every_time_fires_exactly_once_on_a_dst_day(zone: str, day: date, at: time) -> None:
    tz = ZoneInfo(zone)
    start = datetime.combine(day, time(0, 0), tzinfo=tz) - timedelta(seconds=1)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz)
    times = next_digest_times(spec(at, zone), start, 5)
    on_day = [t for t in times if start < t < end]
    assert len(on_day) == 1, local(times)
    assert on_day[0].date() == day


def test_a_time_skipped_by_spring_forward_falls_an_hour_later_on_the_wall() -> None:
    times = next_digest_times(spec(time(2, 30)), datetime(2026, 3, 8, tzinfo=NEW_YORK), 1)
    assert local(times) == ["2026-03-08T03:30:00-04:00"]


def test_a_time_repeated_by_fall_back_fires_at_its_first_occurrence_only() -> None:
    times = next_digest_times(spec(time(1, 30)), datetime(2026, 11, 1, tzinfo=NEW_YORK), 2)
    assert local(times) == ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"]


def test_london_across_both_2026_changes() -> None:
    march = next_digest_times(
        spec(time(7, 30), "Europe/London"), datetime(2026, 3, 27, 12, tzinfo=UTC), 2
    )
    assert [t.astimezone(UTC).hour for t in march] == [7, 6]  # 07:30 BST is 06:30 UTC
    october = next_digest_times(
        spec(time(7, 30), "Europe/London"), datetime(2026, 10, 23, 12, tzinfo=UTC), 2
    )
    assert [t.astimezone(UTC).hour for t in october] == [6, 7]
    assert all(t.astimezone(LONDON).time() == time(7, 30) for t in march + october)


def test_weekdays_only_skip_the_weekend() -> None:
    friday_noon = datetime(2026, 3, 6, 12, tzinfo=NEW_YORK)
    times = next_digest_times(spec(time(7, 30), days=WEEKDAYS), friday_noon, 3)
    assert [t.date() for t in times] == [date(2026, 3, 9), date(2026, 3, 10), date(2026, 3, 11)]


def test_chosen_days_and_strictly_after() -> None:
    monday_slot = datetime(2026, 3, 9, 7, 30, tzinfo=NEW_YORK)
    times = next_digest_times(spec(time(7, 30), days=(0, 2, 4)), monday_slot, 3)
    assert [t.strftime("%a %d") for t in times] == ["Wed 11", "Fri 13", "Mon 16"]


def test_no_days_means_no_times() -> None:
    assert next_digest_times(spec(time(7, 30), days=()), datetime(2026, 3, 9, tzinfo=UTC), 3) == []


def test_previous_time_is_at_or_before() -> None:
    slot = datetime(2026, 3, 9, 7, 30, tzinfo=NEW_YORK)
    assert previous_digest_time(spec(time(7, 30)), slot) == slot
    earlier = previous_digest_time(spec(time(7, 30)), slot - timedelta(seconds=1))
    assert earlier == datetime(2026, 3, 8, 7, 30, tzinfo=NEW_YORK)


def test_local_date_is_the_subscribers_date_not_utc() -> None:
    # 02:00 UTC on 9 March is still 8 March in New York.
    assert local_date_of(spec(time(12, 0)), datetime(2026, 3, 9, 2, tzinfo=UTC)) == date(2026, 3, 8)


def test_a_late_job_past_midnight_belongs_to_its_slots_date() -> None:
    late = datetime(2026, 3, 9, 0, 10, tzinfo=NEW_YORK)  # the 23:45 digest, 25 minutes late
    assert local_date_of(spec(time(23, 45)), late) == date(2026, 3, 8)


def test_a_post_on_demand_is_for_todays_date() -> None:
    noon = datetime(2026, 3, 9, 12, tzinfo=NEW_YORK)
    assert local_date_of(spec(time(23, 45)), noon) == date(2026, 3, 9)
    saturday = datetime(2026, 3, 14, 12, tzinfo=NEW_YORK)
    assert local_date_of(spec(time(7, 30), days=WEEKDAYS), saturday) == date(2026, 3, 14)
