"""Posting a subscription's digest exactly once per local date: claim, build, post, record.

Rules (design §2, style rule 9):

- **Claim first.** A run is claimed in ``digest_run`` under the unique key (subscription,
  local date, edition) before anything is built or posted; a caller that does not get the
  claim posts nothing. ``force`` claims the date's next edition instead.
- **Retry rule.** A failed run (the sink raised) may be claimed again by a later call for the
  same local date: the next scheduled fire of a replica, a coalesced fire after a restart, or
  ``briefbot digest --post``. A pending run blocks everyone for ``pending_timeout`` (its
  claimer is still posting); after that its claimer is taken to be dead and the run may be
  claimed again. Once any run of the date is posted, only ``force`` posts again.
- **Crash recovery.** A run claimed again (``attempts > 1``) is first looked for with the
  sink's ``find_posted``: a message an earlier attempt posted before it could store its ts is
  recorded instead of being posted twice. A first attempt is not looked for: no message can
  carry the identity of a run that did not exist before.
- **Period.** A digest covers what was fetched since the ``period_end`` of the subscription's
  newest posted run (the time that digest was built), or the last ``first_period`` (24 h)
  when none was posted. A found message is recorded as covering up to its run's first claim,
  which may repeat a little in the next digest but never leaves a document out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.domain.errors import BriefbotError, ConfigError
from bot.domain.models import Digest
from bot.domain.subscriptions import DigestRun, Platform, PostedMessage, Subscription
from bot.ports import DigestRunStore, DigestSink
from bot.services.schedule import local_date_of

FIRST_PERIOD = timedelta(hours=24)
PENDING_TIMEOUT = timedelta(minutes=15)


class DigestBuilder(Protocol):
    """Builds a digest for a period (``DigestService`` for one lens)."""

    def build(
        self, *, since: datetime | None, now: datetime, tags: Sequence[str] = ()
    ) -> Digest: ...


class PostStatus(StrEnum):
    """What ``post_due`` did."""

    POSTED = "posted"  # built and posted now
    FOUND = "found"  # an earlier attempt had posted it; its ts is now stored
    SKIPPED = "skipped"  # another caller holds or finished this date's run
    FAILED = "failed"  # the sink or the digest failed; the run is marked failed


@dataclass(frozen=True, slots=True)
class PostOutcome:
    """The result of one ``post_due`` call."""

    status: PostStatus
    local_date: date
    run: DigestRun | None = None

    @property
    def error(self) -> str | None:
        """The failed run's one-line reason."""
        return self.run.error if self.run else None


@dataclass(frozen=True, slots=True)
class DigestPoster:
    """Posts subscriptions' digests through the sink of their platform, once per local date."""

    store: DigestRunStore
    sinks: Mapping[Platform, DigestSink]
    builders: Mapping[str, DigestBuilder]  # by lens id
    first_period: timedelta = FIRST_PERIOD
    pending_timeout: timedelta = PENDING_TIMEOUT

    def post_due(
        self, subscription: Subscription, now: datetime, *, force: bool = False
    ) -> PostOutcome:
        """Claim, build and post the digest due at ``now`` (see the module rules).

        Returns what happened; a sink or build failure is returned as ``FAILED`` with the
        run's one-line reason. Raises ``ConfigError`` (before claiming) when the platform has
        no sink or the lens is not loaded, ``StorageError`` when the claim can't be stored.
        """
        sink = self._sink_for(subscription)
        builder = self._builder_for(subscription)
        local_date = local_date_of(subscription, now)
        run = self.store.claim_digest_run(
            subscription.id,
            local_date=local_date,
            now=now,
            abandoned_before=now - self.pending_timeout,
            new_edition=force,
        )
        if run is None:
            return PostOutcome(PostStatus.SKIPPED, local_date)
        try:
            return self._deliver(subscription, run, now, sink=sink, builder=builder)
        except BriefbotError as exc:
            return PostOutcome(PostStatus.FAILED, local_date, self._fail(run, str(exc)))
        except Exception as exc:
            self._fail(run, f"unexpected {type(exc).__name__}: {exc}")
            raise

    def _sink_for(self, subscription: Subscription) -> DigestSink:
        sink = self.sinks.get(subscription.platform)
        if sink is None:
            label = subscription.platform.value.title()
            raise ConfigError(f"posting to {label} is not configured (Slack: set SLACK_BOT_TOKEN)")
        return sink

    def _builder_for(self, subscription: Subscription) -> DigestBuilder:
        builder = self.builders.get(subscription.spec.lens_id)
        if builder is None:
            raise ConfigError(f"lens {subscription.spec.lens_id!r} is not loaded")
        return builder

    def _deliver(
        self,
        subscription: Subscription,
        run: DigestRun,
        now: datetime,
        *,
        sink: DigestSink,
        builder: DigestBuilder,
    ) -> PostOutcome:
        found = sink.find_posted(subscription, run) if run.attempts > 1 else None
        if found is not None:
            stored = self._record(run, found, now=now, since=None, until=run.created_at)
            return PostOutcome(PostStatus.FOUND, run.local_date, stored)
        since = self.since_for(subscription, now)
        digest = builder.build(since=since, now=now, tags=subscription.spec.tags)
        message = sink.post_digest(subscription, digest, run)
        stored = self._record(
            run, message, now=now, since=since, until=now, cited=digest.document_ids
        )
        return PostOutcome(PostStatus.POSTED, run.local_date, stored)

    def since_for(self, subscription: Subscription, now: datetime) -> datetime:
        """Where the next digest starts: the newest posted digest's end, or ``first_period``
        before ``now``."""
        last = self.store.last_posted_run(subscription.id)
        if last is None or last.period_end is None:
            return now - self.first_period
        return min(last.period_end, now)

    def _record(
        self,
        run: DigestRun,
        message: PostedMessage,
        *,
        now: datetime,
        since: datetime | None,
        until: datetime,
        cited: tuple[int, ...] = (),
    ) -> DigestRun:
        return self.store.record_digest_posted(
            run.id,
            message=message,
            posted_at=now,
            period_start=since,
            period_end=until,
            cited_document_ids=cited,
        )

    def _fail(self, run: DigestRun, reason: str) -> DigestRun:
        return self.store.record_digest_failed(run.id, error=reason)
