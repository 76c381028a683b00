"""``SubscriptionRepository``: subscriptions and the digest runs claimed for them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.domain.subscriptions import (
    DigestRun,
    Platform,
    PostedMessage,
    Subscription,
    SubscriptionSpec,
)
from storage.sessions import SessionScope
from storage.stores import digest_runs, subscriptions


class SubscriptionRepository(SessionScope):
    """The ``SubscriptionStore`` and ``DigestRunStore`` halves of ``SqlStore``."""

    def add_subscription(self, spec: SubscriptionSpec) -> Subscription:
        """Store a new subscription."""
        with self._session() as session:
            return subscriptions.insert_subscription(session=session, spec=spec)

    def update_subscription(
        self, subscription_id: int, spec: SubscriptionSpec
    ) -> Subscription | None:
        """Replace the subscription's settings; None when there is no such subscription."""
        with self._session() as session:
            return subscriptions.update_subscription(
                session=session, subscription_id=subscription_id, spec=spec
            )

    def get_subscription(self, subscription_id: int) -> Subscription | None:
        """The subscription with this id, or None."""
        with self._session() as session:
            return subscriptions.get_subscription(session=session, subscription_id=subscription_id)

    def list_subscriptions(
        self,
        *,
        enabled_only: bool = False,
        platform: Platform | None = None,
        channel: str | None = None,
    ) -> list[Subscription]:
        """Subscriptions, oldest first, optionally only those of one platform or channel."""
        with self._session() as session:
            return subscriptions.list_subscriptions(
                session=session, enabled_only=enabled_only, platform=platform, channel=channel
            )

    def remove_subscription(self, subscription_id: int) -> bool:
        """Delete the subscription and its digest runs; False when there was none."""
        with self._session() as session:
            return subscriptions.delete_subscription(
                session=session, subscription_id=subscription_id
            )

    # Digest runs ---------------------------------------------------------------------------

    def claim_digest_run(
        self,
        subscription_id: int,
        *,
        local_date: date,
        now: datetime,
        abandoned_before: datetime,
        new_edition: bool = False,
    ) -> DigestRun | None:
        """Claim the digest of ``local_date`` for this caller alone; None when not to post.

        Edition 1 is inserted with ``INSERT … ON CONFLICT DO NOTHING`` on (subscription, local
        date, edition); when it exists, the date's newest run is taken over by one conditional
        UPDATE if it failed or was claimed before ``abandoned_before`` and is still pending,
        and no run of that date was posted. ``new_edition`` inserts the next edition instead,
        unless the newest is pending and claimed since ``abandoned_before``. Of racing callers,
        exactly one gets the run.
        """
        with self._session() as session:
            return digest_runs.claim_digest_run(
                session=session,
                subscription_id=subscription_id,
                local_date=local_date,
                now=now,
                abandoned_before=abandoned_before,
                new_edition=new_edition,
            )

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
        """Mark the run posted with its message ts and permalink and the period it covered."""
        with self._session() as session:
            return digest_runs.record_digest_posted(
                session=session,
                run_id=run_id,
                message=message,
                posted_at=posted_at,
                period_start=period_start,
                period_end=period_end,
                cited_document_ids=cited_document_ids,
            )

    def record_digest_failed(self, run_id: int, *, error: str) -> DigestRun:
        """Mark the run failed with a one-line reason (it may be claimed again)."""
        with self._session() as session:
            return digest_runs.record_digest_failed(session=session, run_id=run_id, error=error)

    def last_posted_run(self, subscription_id: int) -> DigestRun | None:
        """The subscription's posted run with the latest ``period_end``, if any."""
        with self._session() as session:
            return digest_runs.last_posted_run(session=session, subscription_id=subscription_id)

    def list_digest_runs(
        self, subscription_id: int, *, local_date: date | None = None
    ) -> list[DigestRun]:
        """The subscription's runs (of one local date if given), oldest first."""
        with self._session() as session:
            return digest_runs.list_digest_runs(
                session=session, subscription_id=subscription_id, local_date=local_date
            )
