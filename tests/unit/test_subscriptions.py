"""Parsing what users type for a subscription, and the one-per-channel-and-lens rule."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time

import pytest

from bot.domain.errors import SubscriptionError
from bot.domain.subscriptions import (
    EVERY_DAY,
    Platform,
    Subscription,
    SubscriptionSpec,
)
from bot.services.subscriptions import (
    SubscriptionService,
    format_days,
    parse_days,
    parse_tags,
    parse_time,
    parse_timezone,
)

CREATED = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("07:30", time(7, 30)), ("7:05", time(7, 5)), (" 23:59 ", time(23, 59)), ("0:00", time(0))],
)
def test_times(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["7.30", "24:00", "07:60", "0730", "", "7:5", "noon"])
def test_bad_times(text: str) -> None:
    with pytest.raises(SubscriptionError, match="HH:MM"):
        parse_time(text)


@pytest.mark.parametrize("text", ["America/New_York", "Europe/London", "UTC", "Asia/Kolkata"])
def test_time_zones(text: str) -> None:
    assert parse_timezone(text) == text


@pytest.mark.parametrize("text", ["America/Gotham", "EST5EDT/x", "../etc/passwd", "", "/tmp"])
def test_bad_time_zones(text: str) -> None:
    with pytest.raises(SubscriptionError, match="IANA"):
        parse_timezone(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*", EVERY_DAY),
        ("daily", EVERY_DAY),
        ("mon-fri", (0, 1, 2, 3, 4)),
        ("mon,wed,fri", (0, 2, 4)),
        ("MON, Wednesday ,fri", (0, 2, 4)),
        ("fri-mon", (0, 4, 5, 6)),
        ("sat-sun", (5, 6)),
        ("tues-thurs", (1, 2, 3)),
        ("sun", (6,)),
    ],
)
def test_days(text: str, expected: tuple[int, ...]) -> None:
    assert parse_days(text) == expected


@pytest.mark.parametrize("text", ["", "funday", "mo", "mon-", "mon,,fri", "1-5", "mon-fri-sat"])
def test_bad_days(text: str) -> None:
    with pytest.raises(SubscriptionError, match="mon-fri"):
        parse_days(text)


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (EVERY_DAY, "*"),
        ((0, 1, 2, 3, 4), "mon-fri"),
        ((0, 2, 4), "mon,wed,fri"),
        ((5, 6), "sat,sun"),
    ],
)
def test_days_are_shown_compactly(days: tuple[int, ...], text: str) -> None:
    assert format_days(days) == text
    assert parse_days(text) == days


def test_tags_are_split_lowered_and_unique() -> None:
    assert parse_tags(["ISIS, official", "isis", ""]) == ("isis", "official")


@dataclass
class MemoryStore:
    rows: dict[int, Subscription] = field(default_factory=dict)

    def add_subscription(self, spec: SubscriptionSpec) -> Subscription:
        added = Subscription(id=len(self.rows) + 1, spec=spec, created_at=CREATED)
        self.rows[added.id] = added
        return added

    def update_subscription(
        self, subscription_id: int, spec: SubscriptionSpec
    ) -> Subscription | None:
        if subscription_id not in self.rows:
            return None
        self.rows[subscription_id] = replace(self.rows[subscription_id], spec=spec)
        return self.rows[subscription_id]

    def get_subscription(self, subscription_id: int) -> Subscription | None:
        return self.rows.get(subscription_id)

    def list_subscriptions(
        self,
        *,
        enabled_only: bool = False,
        platform: Platform | None = None,
        channel: str | None = None,
    ) -> list[Subscription]:
        return [
            s
            for s in self.rows.values()
            if (platform is None or s.platform is platform)
            and (channel is None or s.channel == channel)
            and (s.enabled or not enabled_only)
        ]

    def remove_subscription(self, subscription_id: int) -> bool:
        return self.rows.pop(subscription_id, None) is not None


@pytest.fixture
def service() -> SubscriptionService:
    return SubscriptionService(store=MemoryStore(), lens_ids=("premature_victory",))


def test_subscribing_a_channel_again_changes_its_subscription(service: SubscriptionService) -> None:
    first = service.subscribe(
        platform="slack", channel="C0123ABCD", at="07:30", timezone="UTC", created_by="U1"
    )
    assert first.created
    again = service.subscribe(
        platform="slack", channel="C0123ABCD", at="18:00", timezone="Europe/London", days="mon-fri"
    )
    assert not again.created
    assert again.subscription.id == first.subscription.id
    assert again.subscription.spec.created_by == "U1"
    assert (again.subscription.at, again.subscription.days) == (time(18), (0, 1, 2, 3, 4))
    other = service.subscribe(platform="slack", channel="C0999ABCD", at="07:30", timezone="UTC")
    assert other.created


def test_teams_needs_an_https_webhook_and_slack_a_channel_id(service: SubscriptionService) -> None:
    with pytest.raises(SubscriptionError, match="webhook"):
        service.subscribe(platform="teams", channel="Policy", at="07:30", timezone="UTC")
    with pytest.raises(SubscriptionError, match="channel ID"):
        service.subscribe(platform="slack", channel="general", at="07:30", timezone="UTC")
    teams = service.subscribe(
        platform="teams",
        channel="Policy",
        at="07:30",
        timezone="UTC",
        webhook_url="https://example.org/hook",
    )
    assert teams.created


HOOK = (
    "https://prod-27.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=s3cr3t"
)


def test_a_teams_channel_defaults_to_its_webhook_host_and_fingerprint(
    service: SubscriptionService,
) -> None:
    first = service.subscribe(
        platform="teams", channel=None, at="07:30", timezone="UTC", webhook_url=HOOK
    )
    assert first.subscription.channel.startswith("prod-27.westus.logic.azure.com#")
    assert len(first.subscription.channel.split("#")[1]) == 8
    again = service.subscribe(
        platform="teams", channel=" ", at="08:00", timezone="UTC", webhook_url=f" {HOOK} "
    )
    assert (again.created, again.subscription.id) == (False, first.subscription.id)
    assert again.subscription.spec.webhook_url == HOOK
    other = service.subscribe(
        platform="teams", channel=None, at="07:30", timezone="UTC", webhook_url=HOOK + "x"
    )
    assert other.created  # another webhook on the same host is another channel


@pytest.mark.parametrize(
    ("platform", "url", "message"),
    [
        ("teams", "http://teams.example.org/hook?sig=s3cr3t", "must use https"),
        ("teams", "ftp://teams.example.org/hook?sig=s3cr3t", "needs the channel's https webhook"),
        ("teams", "https:///hook?sig=s3cr3t", "needs the channel's https webhook"),
        ("teams", "https://teams.example.org/a b?sig=s3cr3t", "is not a valid URL"),
        ("slack", "https://teams.example.org/hook?sig=s3cr3t", "only for Teams subscriptions"),
        ("console", "https://teams.example.org/hook?sig=s3cr3t", "only for Teams subscriptions"),
    ],
)
def test_bad_webhook_urls_are_refused_without_repeating_them(
    service: SubscriptionService, platform: str, url: str, message: str
) -> None:
    channel = "C0123ABCD" if platform == "slack" else "desk"
    with pytest.raises(SubscriptionError, match=message) as caught:
        service.subscribe(
            platform=platform, channel=channel, at="07:30", timezone="UTC", webhook_url=url
        )
    assert "s3cr3t" not in str(caught.value)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_plain_http_is_for_loopback_webhooks_only(service: SubscriptionService, host: str) -> None:
    result = service.subscribe(
        platform="teams", channel=None, at="07:30", timezone="UTC", webhook_url=f"http://{host}:8/h"
    )
    assert result.created


def test_only_teams_may_go_without_a_channel(service: SubscriptionService) -> None:
    with pytest.raises(SubscriptionError, match="a Slack subscription needs a channel"):
        service.subscribe(platform="slack", channel=None, at="07:30", timezone="UTC")


def test_an_unknown_lens_is_refused(service: SubscriptionService) -> None:
    with pytest.raises(SubscriptionError, match="lens 'other' is not loaded"):
        service.subscribe(
            platform="console", channel="desk", at="07:30", timezone="UTC", lens_id="other"
        )


def test_unsubscribe_by_id_and_by_channel(service: SubscriptionService) -> None:
    one = service.subscribe(platform="slack", channel="C0123ABCD", at="07:30", timezone="UTC")
    service.subscribe(platform="console", channel="desk", at="07:30", timezone="UTC")
    assert service.unsubscribe(one.subscription.id) == one.subscription
    with pytest.raises(SubscriptionError, match="no subscription 1"):
        service.unsubscribe(1)
    removed = service.unsubscribe_channel(platform=Platform.CONSOLE, channel="desk")
    assert [s.channel for s in removed] == ["desk"]
    assert service.list() == []
