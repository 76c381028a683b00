"""``briefbot subscribe``, ``unsubscribe``, ``subscriptions`` and ``digest --post``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from bot.chat.teams.workflows import mask_webhook_url
from bot.cli.common import fail, open_briefbot, out
from bot.domain.subscriptions import Subscription
from bot.main import Briefbot
from bot.services.digest_posting import PostOutcome, PostStatus
from bot.services.schedule import next_digest_times
from bot.services.subscriptions import format_days

TIME_FORMAT = "%Y-%m-%d %H:%M %Z"


def subscribe(
    at: Annotated[str, typer.Option(help="Local time, HH:MM (24-hour).")],
    tz: Annotated[str, typer.Option(help="IANA time zone, e.g. America/New_York.")],
    channel: Annotated[
        str | None,
        typer.Option(
            help="Slack channel ID (C…) or console name; Teams: a name (default: the "
            "webhook's host and a fingerprint of its URL)."
        ),
    ] = None,
    platform: Annotated[str, typer.Option(help="slack, teams or console.")] = "slack",
    days: Annotated[str, typer.Option(help="mon-fri, mon,wed,fri or * (every day).")] = "*",
    tags: Annotated[str, typer.Option(help="Comma-separated source tags.")] = "",
    workspace: Annotated[str | None, typer.Option(help="Slack team ID (T…).")] = None,
    webhook_url: Annotated[
        str | None,
        typer.Option(help="Teams: the channel's Workflows webhook URL (https; a secret)."),
    ] = None,
) -> None:
    """Subscribe a channel to the daily digest (or change its subscription)."""
    with open_briefbot() as briefbot:
        result = briefbot.subscriptions.subscribe(
            platform=platform,
            channel=channel,
            at=at,
            timezone=tz,
            days=days,
            tags=[tags],
            workspace=workspace,
            webhook_url=webhook_url,
        )
        subscription = result.subscription
        verb = "Subscribed" if result.created else "Changed subscription"
        upcoming = next_digest_times(subscription, briefbot.clock.now(), 1)
        out.print(f"{verb} {subscription.id}: {describe(subscription)}", markup=False)
        if upcoming:
            out.print(f"Next digest: {upcoming[0]:{TIME_FORMAT}}", markup=False)


def unsubscribe(
    subscription_id: Annotated[int, typer.Argument(help="The subscription's id.")],
) -> None:
    """Remove a subscription (its job is dropped at the next scheduler sync)."""
    with open_briefbot() as briefbot:
        removed = briefbot.subscriptions.unsubscribe(subscription_id)
        out.print(f"Unsubscribed {removed.id}: {describe(removed)}", markup=False)


def subscriptions() -> None:
    """Every subscription with its next digest."""
    with open_briefbot() as briefbot:
        found = briefbot.subscriptions.list()
        if not found:
            out.print("No subscriptions.", markup=False)
            return
        out.print(render_subscriptions_table(found, briefbot))


def post_subscription_digest(briefbot: Briefbot, subscription_id: int, *, force: bool) -> None:
    """Post the subscription's digest now under the claim rule; fail on one line."""
    subscription = briefbot.subscriptions.get(subscription_id)
    outcome = briefbot.poster.post_due(subscription, briefbot.clock.now(), force=force)
    if outcome.status is PostStatus.FAILED:
        fail(f"posting subscription {subscription_id} failed: {outcome.error}")
    out.print(describe_outcome(outcome), markup=False)


def describe_outcome(outcome: PostOutcome) -> str:
    """One line on what posting did."""
    day = outcome.local_date.isoformat()
    run = outcome.run
    if run is None:
        return (
            f"The digest for {day} was already posted (or is being posted); "
            "--force posts another edition."
        )
    edition = f"edition {run.edition}"
    if outcome.status is PostStatus.FOUND:
        return f"The digest for {day} ({edition}) had been posted: recorded as {run.message_ts}."
    return f"Posted the digest for {day} ({edition}) as {run.message_ts}."


def describe(subscription: Subscription) -> str:
    """``slack C0123 at 07:30 America/New_York, mon-fri, tags isis``; a Teams subscription
    adds ``via https://host/…`` (its webhook URL masked)."""
    tags = f", tags {','.join(subscription.spec.tags)}" if subscription.spec.tags else ""
    disabled = " (disabled)" if not subscription.enabled else ""
    webhook = masked_webhook(subscription)
    via = f" via {webhook}" if webhook else ""
    return (
        f"{subscription.platform.value} {subscription.channel}{via} at {subscription.at:%H:%M} "
        f"{subscription.timezone}, {format_days(subscription.days)}{tags}{disabled}"
    )


def masked_webhook(subscription: Subscription) -> str | None:
    """The subscription's webhook URL as it may be shown (``https://host/…``), if it has one."""
    url = subscription.spec.webhook_url
    return mask_webhook_url(url) if url else None


def render_subscriptions_table(found: list[Subscription], briefbot: Briefbot) -> Table:
    """One row per subscription: where (a webhook URL masked), when, and when its next
    digest falls."""
    table = Table(
        "id", "platform", "channel", "webhook", "at", "time zone", "days", "tags", "next digest"
    )
    table.title = "Subscriptions"
    now = briefbot.clock.now()
    for subscription in found:
        upcoming = next_digest_times(subscription, now, 1) if subscription.enabled else []
        table.add_row(
            str(subscription.id),
            subscription.platform.value,
            subscription.channel,
            masked_webhook(subscription) or "-",
            f"{subscription.at:%H:%M}",
            subscription.timezone,
            format_days(subscription.days),
            ",".join(subscription.spec.tags),
            f"{upcoming[0]:{TIME_FORMAT}}" if upcoming else "-",
        )
    return table
