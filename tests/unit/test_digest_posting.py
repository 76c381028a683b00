"""DigestPoster: claim once, retry failed runs, find a message a crashed attempt posted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.domain.errors import ChatError, ConfigError
from bot.domain.models import Digest
from bot.domain.subscriptions import (
    DigestRun,
    Platform,
    PostedMessage,
    RunStatus,
    Subscription,
    SubscriptionSpec,
)
from bot.services.digest_posting import DigestPoster, PostStatus

NOW = datetime(2026, 3, 9, 12, 30, tzinfo=UTC)  # 08:30 in New York, an hour after the slot
SUBSCRIPTION = Subscription(
    id=7,
    spec=SubscriptionSpec(
        platform=Platform.SLACK,
        channel="C0123456",
        at=time(7, 30),
        timezone="America/New_York",
        lens_id="premature_victory",
    ),
    created_at=NOW - timedelta(days=30),
)


class Crash(BaseException):
    """The process dies (not an ``Exception``: nothing catches it on the way out)."""


@dataclass
class FakeRunStore:
    """The ``DigestRunStore`` claim rules, in memory."""

    runs: dict[int, DigestRun] = field(default_factory=dict)
    crash_on_record: bool = False

    def claim_digest_run(
        self,
        subscription_id: int,
        *,
        local_date: date,
        now: datetime,
        abandoned_before: datetime,
        new_edition: bool = False,
    ) -> DigestRun | None:
        same_day = self.list_digest_runs(subscription_id, local_date=local_date)
        if not same_day:
            return self._insert(subscription_id, local_date, 1, now)
        newest = same_day[-1]
        abandoned = newest.status is RunStatus.PENDING and newest.claimed_at < abandoned_before
        if new_edition:
            busy = newest.status is RunStatus.PENDING and not abandoned
            return (
                None if busy else self._insert(subscription_id, local_date, newest.edition + 1, now)
            )
        posted = any(run.status is RunStatus.POSTED for run in same_day)
        if posted or not (newest.status is RunStatus.FAILED or abandoned):
            return None
        retaken = replace(
            newest, status=RunStatus.PENDING, claimed_at=now, attempts=newest.attempts + 1
        )
        self.runs[retaken.id] = retaken
        return retaken

    def _insert(
        self, subscription_id: int, local_date: date, edition: int, now: datetime
    ) -> DigestRun:
        run = DigestRun(
            id=len(self.runs) + 1,
            subscription_id=subscription_id,
            local_date=local_date,
            edition=edition,
            status=RunStatus.PENDING,
            created_at=now,
            claimed_at=now,
        )
        self.runs[run.id] = run
        return run

    def record_digest_posted(
        self,
        run_id: int,
        *,
        message: PostedMessage,
        posted_at: datetime,
        period_start: datetime | None,
        period_end: datetime,
        cited_document_ids: Sequence[int] = (),
    ) -> DigestRun:
        if self.crash_on_record:
            raise Crash
        run = replace(
            self.runs[run_id],
            status=RunStatus.POSTED,
            message_ts=message.ts,
            permalink=message.permalink,
            posted_at=posted_at,
            period_start=period_start,
            period_end=period_end,
            cited_document_ids=tuple(cited_document_ids),
            error=None,
        )
        self.runs[run_id] = run
        return run

    def record_digest_failed(self, run_id: int, *, error: str) -> DigestRun:
        self.runs[run_id] = replace(self.runs[run_id], status=RunStatus.FAILED, error=error)
        return self.runs[run_id]

    def last_posted_run(self, subscription_id: int) -> DigestRun | None:
        posted = [
            run
            for run in self.runs.values()
            if run.subscription_id == subscription_id and run.status is RunStatus.POSTED
        ]
        return max(posted, key=lambda run: run.period_end or NOW, default=None)

    def list_digest_runs(
        self, subscription_id: int, *, local_date: date | None = None
    ) -> list[DigestRun]:
        runs = [
            run
            for run in self.runs.values()
            if run.subscription_id == subscription_id
            and (local_date is None or run.local_date == local_date)
        ]
        return sorted(runs, key=lambda run: (run.local_date, run.edition))


@dataclass
class FakeSink:
    """Remembers what it posted by run id, as Slack message metadata would."""

    fail_with: str | None = None
    posted: dict[int, PostedMessage] = field(default_factory=dict)
    digests: list[Digest] = field(default_factory=list)
    lookups: list[int] = field(default_factory=list)

    def find_posted(self, subscription: Subscription, run: DigestRun) -> PostedMessage | None:
        self.lookups.append(run.id)
        return self.posted.get(run.id)

    def post_digest(
        self, subscription: Subscription, digest: Digest, run: DigestRun
    ) -> PostedMessage:
        if self.fail_with:
            raise ChatError(self.fail_with)
        message = PostedMessage(ts=f"1773059400.{run.id:06d}", permalink=f"https://x/p{run.id}")
        self.posted[run.id] = message
        self.digests.append(digest)
        return message


@dataclass
class FakeBuilder:
    calls: list[datetime | None] = field(default_factory=list)
    tags: list[tuple[str, ...]] = field(default_factory=list)
    explode: bool = False

    def build(self, *, since: datetime | None, now: datetime, tags: Sequence[str] = ()) -> Digest:
        if self.explode:
            raise ZeroDivisionError("boom")
        self.calls.append(since)
        self.tags.append(tuple(tags))
        return Digest(
            title="t", question="q", generated_at=now, bottom_line="b", document_ids=(3, 4)
        )


@pytest.fixture
def store() -> FakeRunStore:
    return FakeRunStore()


@pytest.fixture
def sink() -> FakeSink:
    return FakeSink()


@pytest.fixture
def builder() -> FakeBuilder:
    return FakeBuilder()


@pytest.fixture
def poster(store: FakeRunStore, sink: FakeSink, builder: FakeBuilder) -> DigestPoster:
    return DigestPoster(
        store=store, sinks={Platform.SLACK: sink}, builders={"premature_victory": builder}
    )


def test_posts_once_per_local_date_and_stores_ts_and_permalink(
    poster: DigestPoster, sink: FakeSink
) -> None:
    first = poster.post_due(SUBSCRIPTION, NOW)
    assert first.status is PostStatus.POSTED
    assert first.local_date == date(2026, 3, 9)
    assert first.run is not None
    assert first.run.message_ts == "1773059400.000001"
    assert first.run.permalink == "https://x/p1"
    assert first.run.cited_document_ids == (3, 4)
    again = poster.post_due(SUBSCRIPTION, NOW + timedelta(minutes=40))
    assert again.status is PostStatus.SKIPPED
    assert len(sink.digests) == 1
    assert sink.lookups == []  # a first attempt is never looked for


def test_force_posts_a_second_edition(poster: DigestPoster, sink: FakeSink) -> None:
    poster.post_due(SUBSCRIPTION, NOW)
    forced = poster.post_due(SUBSCRIPTION, NOW + timedelta(hours=2), force=True)
    assert forced.status is PostStatus.POSTED
    assert forced.run is not None
    assert forced.run.edition == 2
    assert len(sink.digests) == 2


def test_a_failed_post_is_recorded_and_retried_the_same_day(
    poster: DigestPoster, sink: FakeSink, store: FakeRunStore
) -> None:
    sink.fail_with = "slack said:\nchannel_not_found"
    failed = poster.post_due(SUBSCRIPTION, NOW)
    assert failed.status is PostStatus.FAILED
    assert failed.error == "slack said: channel_not_found"
    assert store.runs[1].status is RunStatus.FAILED
    sink.fail_with = None
    retried = poster.post_due(SUBSCRIPTION, NOW + timedelta(minutes=5))
    assert retried.status is PostStatus.POSTED
    assert retried.run is not None
    assert (retried.run.id, retried.run.attempts, retried.run.edition) == (1, 2, 1)
    assert sink.lookups == [1]  # a retaken run is looked for before posting


def test_a_crash_between_post_and_store_is_found_not_posted_twice(
    poster: DigestPoster, sink: FakeSink, store: FakeRunStore
) -> None:
    store.crash_on_record = True
    with pytest.raises(Crash):
        poster.post_due(SUBSCRIPTION, NOW)
    store.crash_on_record = False
    assert store.runs[1].status is RunStatus.PENDING
    soon = poster.post_due(SUBSCRIPTION, NOW + timedelta(minutes=5))
    assert soon.status is PostStatus.SKIPPED  # a pending run may still be posting
    found = poster.post_due(SUBSCRIPTION, NOW + timedelta(minutes=20))
    assert found.status is PostStatus.FOUND
    assert found.run is not None
    assert found.run.message_ts == "1773059400.000001"
    assert found.run.period_end == NOW  # up to the first claim: nothing is left out
    assert len(sink.digests) == 1


def test_the_period_runs_from_the_last_posted_digest(
    poster: DigestPoster, builder: FakeBuilder
) -> None:
    poster.post_due(SUBSCRIPTION, NOW)
    next_day = NOW + timedelta(days=1)
    poster.post_due(SUBSCRIPTION, next_day)
    assert builder.calls == [NOW - timedelta(hours=24), NOW]


def test_a_failed_run_does_not_move_the_period(
    poster: DigestPoster, builder: FakeBuilder, sink: FakeSink
) -> None:
    poster.post_due(SUBSCRIPTION, NOW)
    sink.fail_with = "down"
    poster.post_due(SUBSCRIPTION, NOW + timedelta(days=1))
    sink.fail_with = None
    poster.post_due(SUBSCRIPTION, NOW + timedelta(days=1, minutes=10))
    assert builder.calls == [NOW - timedelta(hours=24), NOW, NOW]


def test_no_sink_for_the_platform_fails_before_claiming(
    store: FakeRunStore, builder: FakeBuilder
) -> None:
    poster = DigestPoster(store=store, sinks={}, builders={"premature_victory": builder})
    with pytest.raises(ConfigError, match="posting to Slack is not configured"):
        poster.post_due(SUBSCRIPTION, NOW)
    assert store.runs == {}


def test_an_unexpected_error_marks_the_run_failed_and_propagates(
    poster: DigestPoster, builder: FakeBuilder, store: FakeRunStore
) -> None:
    builder.explode = True
    with pytest.raises(ZeroDivisionError):
        poster.post_due(SUBSCRIPTION, NOW)
    assert store.runs[1].status is RunStatus.FAILED
    assert store.runs[1].error == "unexpected ZeroDivisionError: boom"


def test_the_subscription_tags_reach_the_digest(poster: DigestPoster, builder: FakeBuilder) -> None:
    tagged = replace(SUBSCRIPTION, spec=replace(SUBSCRIPTION.spec, tags=("official",)))
    poster.post_due(tagged, NOW)
    assert builder.tags == [("official",)]
