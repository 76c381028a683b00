"""What the Slack edge needs from the core: the services its listeners call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.ports import Clock, SourceStore
from bot.services.conversation import ConversationService
from bot.services.digest_posting import DigestPoster
from bot.services.ledger import LedgerService
from bot.services.subscriptions import SubscriptionService


def _nothing() -> None:
    """No scheduler to tell (tests, one-off commands)."""


@dataclass(frozen=True, slots=True)
class SlackServices:
    """The services the Slack listeners call; ``on_subscriptions_changed`` re-syncs the
    scheduler after ``/briefbot subscribe`` or ``unsubscribe``."""

    conversation: ConversationService
    subscriptions: SubscriptionService
    poster: DigestPoster
    ledger: LedgerService
    sources: SourceStore
    clock: Clock
    on_subscriptions_changed: Callable[[], None] = _nothing
