"""Subscription rows: settings from a ``SubscriptionSpec``, stored as text the CLI shows."""

from __future__ import annotations

from datetime import time

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain.subscriptions import (
    DAY_NAMES,
    EVERY_DAY,
    Platform,
    Subscription,
    SubscriptionSpec,
)
from storage.columns import as_utc
from storage.tables import SubscriptionRow

EVERY_DAY_TEXT = "*"


def format_stored_days(days: tuple[int, ...]) -> str:
    """``*`` for every day, else day names in week order: ``mon,wed,fri`` (a cron list)."""
    if tuple(sorted(set(days))) == EVERY_DAY:
        return EVERY_DAY_TEXT
    return ",".join(DAY_NAMES[day] for day in sorted(set(days)))


def parse_stored_days(text: str) -> tuple[int, ...]:
    """The weekdays ``format_stored_days`` wrote."""
    if text.strip() == EVERY_DAY_TEXT:
        return EVERY_DAY
    return tuple(sorted({DAY_NAMES.index(name.strip()) for name in text.split(",")}))


def build_subscription(row: SubscriptionRow) -> Subscription:
    """The domain ``Subscription`` for ``row``."""
    assert row.id is not None
    spec = SubscriptionSpec(
        platform=Platform(row.platform),
        channel=row.channel,
        at=time.fromisoformat(row.at_time),
        timezone=row.timezone,
        lens_id=row.lens_id,
        days=parse_stored_days(row.days),
        tags=tuple(row.tags),
        workspace=row.workspace,
        webhook_url=row.webhook_url,
        enabled=row.enabled,
        created_by=row.created_by,
    )
    return Subscription(id=row.id, spec=spec, created_at=as_utc(row.created_at))


def _apply_spec(row: SubscriptionRow, spec: SubscriptionSpec) -> None:
    row.platform = spec.platform.value
    row.channel = spec.channel
    row.at_time = spec.at.strftime("%H:%M")
    row.timezone = spec.timezone
    row.lens_id = spec.lens_id
    row.days = format_stored_days(spec.days)
    row.tags = list(spec.tags)
    row.workspace = spec.workspace
    row.webhook_url = spec.webhook_url
    row.enabled = spec.enabled
    row.created_by = spec.created_by


def insert_subscription(*, session: Session, spec: SubscriptionSpec) -> Subscription:
    """Store a new subscription."""
    row = SubscriptionRow(
        platform=spec.platform.value,
        channel=spec.channel,
        at_time="",
        timezone=spec.timezone,
        lens_id=spec.lens_id,
    )
    _apply_spec(row, spec)
    session.add(row)
    session.flush()
    return build_subscription(row)


def update_subscription(
    *, session: Session, subscription_id: int, spec: SubscriptionSpec
) -> Subscription | None:
    """Replace the subscription's settings; None when there is none with this id."""
    row = session.get(SubscriptionRow, subscription_id)
    if row is None:
        return None
    _apply_spec(row, spec)
    session.add(row)
    session.flush()
    return build_subscription(row)


def get_subscription(*, session: Session, subscription_id: int) -> Subscription | None:
    """The subscription with this id, or None."""
    row = session.get(SubscriptionRow, subscription_id)
    return None if row is None else build_subscription(row)


def list_subscriptions(
    *,
    session: Session,
    enabled_only: bool = False,
    platform: Platform | None = None,
    channel: str | None = None,
) -> list[Subscription]:
    """Subscriptions, oldest first, optionally of one platform or channel, or enabled only."""
    statement = select(SubscriptionRow).order_by(col(SubscriptionRow.id))
    if enabled_only:
        statement = statement.where(col(SubscriptionRow.enabled).is_(True))
    if platform is not None:
        statement = statement.where(SubscriptionRow.platform == platform.value)
    if channel is not None:
        statement = statement.where(SubscriptionRow.channel == channel)
    return [build_subscription(row) for row in session.exec(statement)]


def delete_subscription(*, session: Session, subscription_id: int) -> bool:
    """Delete the subscription (its digest runs go with it); False when there was none."""
    statement = sa.delete(SubscriptionRow).where(col(SubscriptionRow.id) == subscription_id)
    return bool(session.exec(statement).rowcount)
