"""Subscriptions (which channel gets a digest, when) and digest runs (each post, claimed once)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum

EVERY_DAY: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)  # Monday is 0, as in ``date.weekday()``
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # as cron writes them


class Platform(StrEnum):
    """Where a subscription's digest is posted."""

    SLACK = "slack"
    TEAMS = "teams"
    CONSOLE = "console"


class RunStatus(StrEnum):
    """Where a digest run stands."""

    PENDING = "pending"  # claimed, being built and posted
    POSTED = "posted"  # the message exists; its ts and permalink are stored
    FAILED = "failed"  # the post failed; the run may be claimed again the same local date


@dataclass(frozen=True, slots=True)
class SubscriptionSpec:
    """What a user asks for: a digest in a channel at a local time on some weekdays."""

    platform: Platform
    channel: str
    at: time
    timezone: str  # an IANA name, e.g. "America/New_York"
    lens_id: str
    days: tuple[int, ...] = EVERY_DAY  # weekdays, Monday 0, sorted, no repeats
    tags: tuple[str, ...] = ()
    workspace: str | None = None
    webhook_url: str | None = field(default=None, repr=False)  # Teams: a secret
    enabled: bool = True
    created_by: str | None = None


@dataclass(frozen=True, slots=True)
class Subscription:
    """A stored subscription."""

    id: int
    spec: SubscriptionSpec
    created_at: datetime

    @property
    def platform(self) -> Platform:
        return self.spec.platform

    @property
    def channel(self) -> str:
        return self.spec.channel

    @property
    def at(self) -> time:
        return self.spec.at

    @property
    def timezone(self) -> str:
        return self.spec.timezone

    @property
    def days(self) -> tuple[int, ...]:
        return self.spec.days

    @property
    def enabled(self) -> bool:
        return self.spec.enabled


@dataclass(frozen=True, slots=True)
class DigestRun:
    """One digest for a subscription, local date and edition, claimed before it is posted.

    ``created_at`` is the first claim; ``claimed_at`` the latest (a failed or abandoned run is
    claimed again); ``attempts`` counts the claims. ``period_start``/``period_end`` bound what
    the posted digest covered: the next digest starts at ``period_end``.
    """

    id: int
    subscription_id: int
    local_date: date
    edition: int
    status: RunStatus
    created_at: datetime
    claimed_at: datetime
    attempts: int = 1
    period_start: datetime | None = None
    period_end: datetime | None = None
    posted_at: datetime | None = None
    message_ts: str | None = None
    permalink: str | None = None
    error: str | None = None
    cited_document_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class PostedMessage:
    """Where a posted digest is: the platform's message id (Slack ``ts``) and a link to it."""

    ts: str
    permalink: str | None = None
