"""Subscriptions: parse and validate what a user typed, then create, change, list or remove.

One subscription per (platform, workspace, channel, lens): subscribing a channel again
changes its time, time zone, days and tags (the scheduler then reschedules its job).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import time
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.errors import SubscriptionError
from bot.domain.subscriptions import (
    DAY_NAMES,
    EVERY_DAY,
    Platform,
    Subscription,
    SubscriptionSpec,
)
from bot.ports import SubscriptionStore

MIN_DAY_LETTERS = 3
FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EVERY_DAY_WORDS = frozenset({"*", "daily", "every day"})
TIME_PATTERN = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
SLACK_CHANNEL_PATTERN = re.compile(r"^[CGD][A-Z0-9]{6,}$")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})  # plain http allowed (tests)
MAX_WEBHOOK_URL = 2048
FINGERPRINT_CHARS = 8


def parse_time(text: str) -> time:
    """``"07:30"`` (or ``"7:30"``) as a time; raises ``SubscriptionError`` otherwise."""
    match = TIME_PATTERN.match(text.strip())
    if match is None:
        raise SubscriptionError(f"time {text!r} is not HH:MM on a 24-hour clock, e.g. 07:30")
    return time(int(match.group(1)), int(match.group(2)))


def parse_timezone(text: str) -> str:
    """An IANA time zone name, checked against the zone database (``America/New_York``)."""
    name = text.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SubscriptionError(
            f"time zone {text!r} is unknown: use an IANA name such as America/New_York"
        ) from exc
    return name


def parse_days(text: str) -> tuple[int, ...]:
    """Weekdays (Monday 0) from ``*``, ``mon-fri``, ``mon,wed,fri`` or ``fri-mon`` (wraps)."""
    words = text.strip().lower()
    if words in EVERY_DAY_WORDS:
        return EVERY_DAY
    days: set[int] = set()
    for part in words.split(","):
        days.update(_parse_day_range(part.strip(), text))
    return tuple(sorted(days))


def _parse_day_range(part: str, text: str) -> list[int]:
    first, dash, last = part.partition("-")
    start = _parse_day(first.strip(), text)
    end = _parse_day(last.strip(), text) if dash else start
    return [(start + step) % 7 for step in range((end - start) % 7 + 1)]


def _parse_day(word: str, text: str) -> int:
    """``mon``, ``tues``, ``thursday``: three letters or more of a weekday's English name."""
    for index, full in enumerate(FULL_DAY_NAMES):
        if len(word) >= MIN_DAY_LETTERS and full.startswith(word):
            return index
    raise SubscriptionError(
        f"days {text!r} are not understood: use mon-fri, mon,wed,fri or * (every day)"
    )


def format_days(days: Iterable[int]) -> str:
    """``*``, ``mon-fri``, ``mon,wed,fri`` or ``mon-wed,sat``: runs of three or more as ranges."""
    chosen = sorted(set(days))
    if tuple(chosen) == EVERY_DAY:
        return "*"
    runs: list[list[int]] = []
    for day in chosen:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(_format_run(run) for run in runs)


def _format_run(run: list[int]) -> str:
    if len(run) >= 3:
        return f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}"
    return ",".join(DAY_NAMES[day] for day in run)


def parse_platform(text: str) -> Platform:
    """``slack``, ``teams`` or ``console``."""
    try:
        return Platform(text.strip().lower())
    except ValueError as exc:
        names = ", ".join(platform.value for platform in Platform)
        raise SubscriptionError(f"platform {text!r} is not one of {names}") from exc


def parse_tags(values: Iterable[str]) -> tuple[str, ...]:
    """Source tags from repeated or comma-separated values, lower-cased, in order, no repeats."""
    tags = (tag.strip().lower() for value in values for tag in value.split(","))
    return tuple(dict.fromkeys(tag for tag in tags if tag))


def check_destination(platform: Platform, channel: str, webhook_url: str | None) -> None:
    """A Slack channel is an ID (C…); a Teams subscription needs its https webhook URL, and
    only a Teams subscription has one."""
    if not channel.strip():
        raise SubscriptionError("the channel is empty")
    if platform is Platform.SLACK and not SLACK_CHANNEL_PATTERN.match(channel):
        raise SubscriptionError(
            f"Slack channel {channel!r} is not a channel ID: use the ID (C…) from the "
            "channel's details, not its name"
        )
    if platform is Platform.TEAMS:
        check_webhook_url(webhook_url)
    elif webhook_url:
        raise SubscriptionError("a webhook URL is only for Teams subscriptions")


def check_webhook_url(url: str | None) -> str:
    """The host of a Teams Workflows webhook URL: https with a host (plain http only to a
    loopback host). The URL is a secret, so no message repeats it."""
    scheme, host = _scheme_and_host(url or "")
    if not url or not host or scheme not in {"https", "http"}:
        raise SubscriptionError("a Teams subscription needs the channel's https webhook URL")
    if scheme == "http" and host not in LOOPBACK_HOSTS:
        raise SubscriptionError("the Teams webhook URL must use https")
    if len(url) > MAX_WEBHOOK_URL or any(char.isspace() for char in url):
        raise SubscriptionError("the Teams webhook URL is not a valid URL")
    return host


def _scheme_and_host(url: str) -> tuple[str, str | None]:
    try:
        parts = urlsplit(url)
        return parts.scheme.lower(), parts.hostname
    except ValueError:
        return "", None


def default_channel(platform: Platform, webhook_url: str | None) -> str:
    """The channel name of a subscription made without one: for Teams, the webhook's host and
    a short fingerprint of its URL (``prod-27.westus.logic.azure.com#3f9a1c2b``), so two
    webhooks on one host stay two subscriptions; other platforms need a channel."""
    if platform is not Platform.TEAMS:
        raise SubscriptionError(f"a {platform.value.title()} subscription needs a channel")
    host = check_webhook_url(webhook_url)
    digest = hashlib.sha256((webhook_url or "").encode("utf-8")).hexdigest()
    return f"{host}#{digest[:FINGERPRINT_CHARS]}"


@dataclass(frozen=True, slots=True)
class SubscribeResult:
    """The stored subscription, and whether it is new or an existing one changed."""

    subscription: Subscription
    created: bool


@dataclass(frozen=True, slots=True)
class SubscriptionService:
    """Creates, changes, lists and removes subscriptions; ``lens_ids[0]`` is the default."""

    store: SubscriptionStore
    lens_ids: Sequence[str]

    def subscribe(
        self,
        *,
        platform: str,
        channel: str | None,
        at: str,
        timezone: str,
        days: str = "*",
        tags: Iterable[str] = (),
        lens_id: str | None = None,
        workspace: str | None = None,
        webhook_url: str | None = None,
        created_by: str | None = None,
    ) -> SubscribeResult:
        """Subscribe the channel (or change its subscription to this lens). A Teams channel
        may be None: it is then named after its webhook (``default_channel``).

        Raises ``SubscriptionError`` with a one-line reason for a bad platform, channel,
        webhook URL, time, time zone, days or lens.
        """
        chosen = parse_platform(platform)
        hook = webhook_url.strip() if webhook_url and webhook_url.strip() else None
        spec = SubscriptionSpec(
            platform=chosen,
            channel=(channel or "").strip() or default_channel(chosen, hook),
            at=parse_time(at),
            timezone=parse_timezone(timezone),
            lens_id=self._check_lens(lens_id),
            days=parse_days(days),
            tags=parse_tags(tags),
            workspace=workspace,
            webhook_url=hook,
            created_by=created_by,
        )
        check_destination(spec.platform, spec.channel, spec.webhook_url)
        existing = self._find(spec)
        if existing is None:
            return SubscribeResult(self.store.add_subscription(spec), created=True)
        kept = replace(spec, created_by=existing.spec.created_by or created_by)
        changed = self.store.update_subscription(existing.id, kept)
        return SubscribeResult(changed or self.store.add_subscription(spec), created=not changed)

    def _check_lens(self, lens_id: str | None) -> str:
        chosen = lens_id or self.lens_ids[0]
        if chosen not in self.lens_ids:
            raise SubscriptionError(f"lens {chosen!r} is not loaded: {', '.join(self.lens_ids)}")
        return chosen

    def _find(self, spec: SubscriptionSpec) -> Subscription | None:
        same_channel = self.store.list_subscriptions(platform=spec.platform, channel=spec.channel)
        return next(
            (
                found
                for found in same_channel
                if found.spec.workspace == spec.workspace and found.spec.lens_id == spec.lens_id
            ),
            None,
        )

    def get(self, subscription_id: int) -> Subscription:
        """The subscription; raises ``SubscriptionError`` when there is none with this id."""
        found = self.store.get_subscription(subscription_id)
        if found is None:
            raise SubscriptionError(f"there is no subscription {subscription_id}")
        return found

    def unsubscribe(self, subscription_id: int) -> Subscription:
        """Remove the subscription (and its run history); raises when there is none."""
        found = self.get(subscription_id)
        if not self.store.remove_subscription(subscription_id):
            raise SubscriptionError(f"there is no subscription {subscription_id}")
        return found

    def unsubscribe_channel(
        self, *, platform: Platform, channel: str, workspace: str | None = None
    ) -> list[Subscription]:
        """Remove every subscription of the channel (``/briefbot unsubscribe`` in it)."""
        found = [
            subscription
            for subscription in self.store.list_subscriptions(platform=platform, channel=channel)
            if subscription.spec.workspace == workspace
        ]
        return [s for s in found if self.store.remove_subscription(s.id)]

    def list(
        self, *, platform: Platform | None = None, channel: str | None = None
    ) -> list[Subscription]:
        """Subscriptions, oldest first, optionally of one platform or channel."""
        return self.store.list_subscriptions(platform=platform, channel=channel)
