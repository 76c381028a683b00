"""How Briefbot answers in Slack: a progress reaction, the threaded answer, and on failure an
ephemeral apology with a correlation id (the traceback goes to the log, never to the user)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.chat.references import new_correlation_id
from bot.chat.slack.blocks import render_answer_blocks, render_error_blocks
from bot.chat.slack.constants import MAX_FALLBACK_TEXT
from bot.chat.slack.events import SlackQuestion
from bot.chat.slack.mrkdwn import escape_mrkdwn, truncate
from bot.services.conversation import ConversationService, Refusal, Reply

logger = logging.getLogger(__name__)

PROGRESS_REACTION = "eyes"
APOLOGY = "Sorry, something went wrong while answering. Please try again in a minute."
REFUSALS = {
    Refusal.CHANNEL: "Briefbot isn't enabled in this channel. An admin can add it to "
    "BRIEFBOT_SLACK_ALLOWED_CHANNELS.",
    Refusal.USER: "Sorry, Briefbot answers only its team's members here. An admin can add you "
    "to BRIEFBOT_SLACK_ALLOWED_USERS.",
    Refusal.DMS_OFF: "Briefbot doesn't answer direct messages in this workspace; please mention "
    "it in a channel instead.",
}


@dataclass(frozen=True, slots=True)
class SlackResponder:
    """Answers questions read from Slack events through the conversation service."""

    client: WebClient
    conversation: ConversationService

    def answer_event(self, asked: SlackQuestion, *, event_id: str | None) -> Reply | None:
        """Answer ``asked`` once per event id; None when redelivered, refused or failed."""
        where = asked.question.where
        if not self.conversation.first_delivery(where, event_id):
            logger.info("slack event %s was delivered again: not answered twice", event_id)
            return None
        refusal = self.conversation.refusal(asked.question)
        if refusal is not None:
            self.tell_privately(asked, REFUSALS[refusal])
            return None
        try:
            return self._answer(asked)
        except Exception:  # noqa: BLE001 - an edge: the user gets an apology, the log the traceback
            self.apologize(asked, "answering a question")
            return None

    def _answer(self, asked: SlackQuestion) -> Reply:
        self._react("reactions_add", asked)
        try:
            reply = self.conversation.answer(asked.question)
            posted = self.client.chat_postMessage(
                channel=asked.question.where.channel,
                thread_ts=asked.reply_thread,
                text=answer_fallback_text(reply),
                blocks=render_answer_blocks(reply.answer, turn_id=reply.turn.id),
                unfurl_links=False,
                unfurl_media=False,
            )
            self.conversation.record_reply(reply.turn, str(posted["ts"]))
            return reply
        finally:
            self._react("reactions_remove", asked)

    def _react(self, method: str, asked: SlackQuestion) -> None:
        """Add or remove the progress reaction; a failure here is not worth an apology."""
        if asked.question.is_dm or not asked.message_ts:
            return
        try:
            getattr(self.client, method)(
                channel=asked.question.where.channel,
                timestamp=asked.message_ts,
                name=PROGRESS_REACTION,
            )
        except SlackApiError as exc:
            logger.warning("slack %s failed: %s", method, exc.response.get("error"))

    def tell_privately(self, asked: SlackQuestion, text: str) -> None:
        """An ephemeral note to the asker (only they see it)."""
        self.post_ephemeral(
            channel=asked.question.where.channel,
            user=asked.question.user_id,
            thread_ts=asked.reply_thread,
            text=text,
        )

    def apologize(self, asked: SlackQuestion, doing: str) -> str:
        """Log the current exception with a correlation id and tell the asker privately."""
        correlation = new_correlation_id()
        logger.exception("slack: %s failed [%s]", doing, correlation)
        self.post_ephemeral(
            channel=asked.question.where.channel,
            user=asked.question.user_id,
            thread_ts=asked.reply_thread,
            text=f"{APOLOGY} (reference {correlation})",
            blocks=render_error_blocks(APOLOGY, correlation),
        )
        return correlation

    def post_ephemeral(
        self,
        *,
        channel: str,
        user: str | None,
        text: str,
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
    ) -> None:
        """Post an ephemeral message; failures are logged (there is no one else to tell)."""
        if not user or not channel:
            return
        try:
            self.client.chat_postEphemeral(
                channel=channel, user=user, text=text, thread_ts=thread_ts, blocks=blocks
            )
        except SlackApiError as exc:
            logger.warning("slack chat.postEphemeral failed: %s", exc.response.get("error"))


def answer_fallback_text(reply: Reply) -> str:
    """The notification text beside an answer's blocks."""
    return truncate(escape_mrkdwn(" ".join(reply.answer.text.split())), MAX_FALLBACK_TEXT)
