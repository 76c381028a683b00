"""The Slack digest sink: posts a digest (thread, chart) with run metadata, and finds it again."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.chat.slack.blocks import Block, render_digest_blocks, render_digest_text
from bot.domain.errors import ChatError
from bot.domain.models import Digest
from bot.domain.subscriptions import DigestRun, PostedMessage, Subscription

DIGEST_EVENT_TYPE = "briefbot_digest"
HISTORY_LIMIT = 50
HISTORY_MARGIN = timedelta(minutes=5)  # Slack's clock and ours may disagree a little
CHART_FILENAME = "indicator-chart.png"

ChartRenderer = Callable[[Digest], bytes | None]

log = logging.getLogger(__name__)


class SlackDigestSink:
    """Posts digests to Slack channels (``DigestSink``)."""

    def __init__(self, client: WebClient, *, chart: ChartRenderer | None = None) -> None:
        self._client = client
        self._chart = chart

    def post_digest(
        self, subscription: Subscription, digest: Digest, run: DigestRun
    ) -> PostedMessage:
        """Post ``digest``: the first message in the channel carrying the run's metadata, the
        rest in its thread, then the chart (if any) in the thread.

        Returns the first message's ts and permalink. Raises ``ChatError`` (naming the channel
        and Slack's error code) when a message can't be posted; a chart that can't be drawn or
        uploaded is logged and left out.
        """
        channel = subscription.channel
        first, *rest = render_digest_blocks(digest)
        text = render_digest_text(digest)
        with translate_errors(channel, "post the digest"):
            posted = self._client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=first,
                metadata=build_run_metadata(subscription, run),
                unfurl_links=False,
                unfurl_media=False,
            )
        ts, channel_id = str(posted["ts"]), str(posted.get("channel") or channel)
        self._post_thread(channel_id, ts, text, rest)
        self._upload_chart(channel_id, ts, digest)
        return PostedMessage(ts, self._permalink(channel_id, ts))

    def find_posted(self, subscription: Subscription, run: DigestRun) -> PostedMessage | None:
        """The message an earlier attempt of ``run`` posted, found by its metadata among the
        channel's newest messages since the run was first claimed; ``None`` when there is none.

        Raises ``ChatError`` when the channel history can't be read.
        """
        channel = subscription.channel
        oldest = (run.created_at - HISTORY_MARGIN).timestamp()
        with translate_errors(channel, "read the channel history"):
            history = self._client.conversations_history(
                channel=channel,
                include_all_metadata=True,
                limit=HISTORY_LIMIT,
                oldest=f"{max(oldest, 0):.6f}",
            )
        for message in history.get("messages") or []:
            if is_run_message(message, subscription, run):
                ts = str(message["ts"])
                return PostedMessage(ts, self._permalink(channel, ts))
        return None

    def _post_thread(self, channel: str, ts: str, text: str, messages: list[list[Block]]) -> None:
        """The digest's later parts in its thread. A part that can't be posted (after the
        client's retries) ends the thread with a note saying so, and the digest still counts as
        posted: its first message is up, and failing the run would only make the next attempt
        find that message and post nothing more."""
        total = len(messages) + 1
        for number, blocks in enumerate(messages, start=2):
            try:
                with translate_errors(channel, f"post part {number} of the digest"):
                    self._client.chat_postMessage(
                        channel=channel,
                        thread_ts=ts,
                        text=f"{text} (continued)",
                        blocks=blocks,
                        unfurl_links=False,
                        unfurl_media=False,
                    )
            except ChatError as exc:
                log.warning("%s; parts %d-%d of %d left out", exc, number, total, total)
                self._post_missing_parts_note(channel, ts, number, total)
                return

    def _post_missing_parts_note(self, channel: str, ts: str, number: int, total: int) -> None:
        note = f"Parts {number}–{total} of this digest could not be posted (Slack refused them)."
        try:
            with translate_errors(channel, "post the note on missing digest parts"):
                self._client.chat_postMessage(channel=channel, thread_ts=ts, text=note)
        except ChatError as exc:
            log.warning("%s", exc)

    def _upload_chart(self, channel: str, ts: str, digest: Digest) -> None:
        if self._chart is None:
            return
        try:
            png = self._chart(digest)
            if png is None:
                return
            with translate_errors(channel, "upload the chart"):
                self._client.files_upload_v2(
                    channel=channel,
                    thread_ts=ts,
                    file=png,
                    filename=CHART_FILENAME,
                    title=f"{digest.title}: indicator chart",
                    alt_txt="Indicator values over time, with the dates of claims marked",
                )
        except (ChatError, ValueError) as exc:
            # The digest is posted; a missing chart must not make it look failed (and repost).
            log.warning("digest chart left out in %s: %s", channel, exc)

    def _permalink(self, channel: str, ts: str) -> str | None:
        try:
            with translate_errors(channel, "get the digest's permalink"):
                response = self._client.chat_getPermalink(channel=channel, message_ts=ts)
        except ChatError as exc:
            log.warning("%s", exc)
            return None
        link = response.get("permalink")
        return str(link) if link else None


def build_run_metadata(subscription: Subscription, run: DigestRun) -> dict[str, Any]:
    """Slack message metadata naming the digest run (how ``find_posted`` knows its own post)."""
    return {
        "event_type": DIGEST_EVENT_TYPE,
        "event_payload": {
            "run_id": run.id,
            "subscription_id": subscription.id,
            "local_date": run.local_date.isoformat(),
            "edition": run.edition,
        },
    }


def is_run_message(message: Mapping[str, Any], subscription: Subscription, run: DigestRun) -> bool:
    """Whether ``message`` carries ``run``'s metadata: its id, or its subscription, local date
    and edition."""
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != DIGEST_EVENT_TYPE:
        return False
    payload = metadata.get("event_payload") or {}
    expected = build_run_metadata(subscription, run)["event_payload"]
    if _same(payload.get("run_id"), run.id):
        return True
    keys = ("subscription_id", "local_date", "edition")
    return all(_same(payload.get(key), expected[key]) for key in keys)


def _same(found: object, expected: object) -> bool:
    return found is not None and str(found) == str(expected)


@contextmanager
def translate_errors(channel: str, action: str) -> Iterator[None]:
    """Turn slack_sdk and connection errors into a one-line ``ChatError`` naming the channel
    and Slack's error code (never the request, which holds the token)."""
    try:
        yield
    except SlackApiError as exc:
        code = exc.response.get("error") or f"HTTP {exc.response.status_code}"
        raise ChatError(f"Slack could not {action} in {channel}: {code}") from exc
    except SlackClientError as exc:
        raise ChatError(f"Slack could not {action} in {channel}: {type(exc).__name__}") from exc
    except (URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or type(exc).__name__
        raise ChatError(f"Slack could not {action} in {channel}: {reason}") from exc
