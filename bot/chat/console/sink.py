"""``ConsoleDigestSink``: the terminal as a digest destination, for the demo and local use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.chat.console.render import render_digest
from bot.domain.models import Digest
from bot.domain.subscriptions import DigestRun, PostedMessage, Subscription

CONSOLE_TS_PREFIX = "console"


def build_console_ts(run: DigestRun) -> str:
    """A synthetic message id naming the run: ``console:<subscription>:<date>:<edition>``."""
    return f"{CONSOLE_TS_PREFIX}:{run.subscription_id}:{run.local_date.isoformat()}:{run.edition}"


@dataclass(frozen=True, slots=True)
class ConsoleDigestSink:
    """Writes the rendered digest with a one-line header; a terminal keeps no history."""

    write: Callable[[str], None]

    def find_posted(self, subscription: Subscription, run: DigestRun) -> PostedMessage | None:
        """Always None: nothing written to a terminal can be looked up again."""
        del subscription, run
        return None

    def post_digest(
        self, subscription: Subscription, digest: Digest, run: DigestRun
    ) -> PostedMessage:
        """Write the digest for ``run`` and return its synthetic ts (no permalink)."""
        header = (
            f"== {subscription.channel} · digest for {run.local_date.isoformat()}"
            f" · edition {run.edition} =="
        )
        self.write(f"{header}\n{render_digest(digest)}")
        return PostedMessage(ts=build_console_ts(run))
