"""Job functions the scheduler calls by reference: thin edges that call one service each.

A persistent job store keeps only ``bot.scheduling.jobs:run_digest_job`` and the
subscription id, so the services are installed here at boot (``install_job_context``) by
the composition root, and removed at shutdown. These are edges: they catch every failure,
log it on one line and return, so one bad run never stops the scheduler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from bot.ports import SubscriptionStore
from bot.services.digest_posting import DigestPoster, PostOutcome

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class JobContext:
    """What the jobs need: the poster, the subscriptions, a collect run, the clock, and a
    scheduler sync (subscriptions changed by another process, such as the CLI)."""

    poster: DigestPoster
    subscriptions: SubscriptionStore
    collect: Callable[[], object]
    now: Callable[[], datetime]
    sync: Callable[[], object] | None = None


class _Installed:
    """The one context the running process installed (None before boot and after shutdown)."""

    context: ClassVar[JobContext | None] = None


def install_job_context(context: JobContext | None) -> None:
    """Give the jobs their services (None removes them)."""
    _Installed.context = context


def run_digest_job(subscription_id: int) -> PostOutcome | None:
    """Post the subscription's due digest (claimed once per local date); None when skipped
    for want of a context or subscription, or after an unexpected failure (logged)."""
    context = _Installed.context
    if context is None:
        logger.error("digest job %s: no job context installed", subscription_id)
        return None
    try:
        return _post_due(context, subscription_id)
    except Exception:
        logger.exception("digest job %s failed", subscription_id)
        return None


def _post_due(context: JobContext, subscription_id: int) -> PostOutcome | None:
    subscription = context.subscriptions.get_subscription(subscription_id)
    if subscription is None or not subscription.enabled:
        logger.info("digest job %s: no enabled subscription, nothing posted", subscription_id)
        return None
    outcome = context.poster.post_due(subscription, context.now())
    logger.info(
        "digest job %s: %s for %s%s",
        subscription_id,
        outcome.status.value,
        outcome.local_date.isoformat(),
        f": {outcome.error}" if outcome.error else "",
    )
    return outcome


def run_collect_job() -> None:
    """Collect (and analyze) once; failures are logged."""
    context = _Installed.context
    if context is None:
        logger.error("collect job: no job context installed")
        return
    try:
        context.collect()
    except Exception:
        logger.exception("collect job failed")


def run_sync_job() -> None:
    """Make the scheduler's jobs match the subscription table again; failures are logged."""
    context = _Installed.context
    if context is None or context.sync is None:
        logger.error("sync job: no job context installed")
        return
    try:
        context.sync()
    except Exception:
        logger.exception("sync job failed")
