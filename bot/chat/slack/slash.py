"""Running ``/briefbot`` commands: each calls one service and answers privately via ``respond``.

``/briefbot ask`` is the exception: the question and its answer are posted in the channel
(a placeholder first, replaced by the answer) so the team can follow up in its thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import Respond
from slack_sdk.errors import SlackApiError

from bot.chat.references import new_correlation_id as new_reference
from bot.chat.slack.blocks import render_answer_blocks, render_error_blocks
from bot.chat.slack.commands import HELP_TEXT, Command, Verb, parse_command
from bot.chat.slack.events import question_text
from bot.chat.slack.ledger_blocks import render_claims_blocks, render_sources_blocks
from bot.chat.slack.mrkdwn import escape_inline
from bot.chat.slack.replies import APOLOGY, REFUSALS, SlackResponder, answer_fallback_text
from bot.chat.slack.services import SlackServices
from bot.domain.conversation import ThreadRef
from bot.domain.errors import BriefbotError, ChatError
from bot.domain.subscriptions import Platform
from bot.services.conversation import Question
from bot.services.digest_posting import PostStatus
from bot.services.subscriptions import format_days

logger = logging.getLogger(__name__)

NOT_IN_CHANNEL = frozenset({"not_in_channel", "channel_not_found", "is_archived"})


@dataclass(frozen=True, slots=True)
class CommandRunner:
    """Runs parsed ``/briefbot`` commands against the services."""

    services: SlackServices
    responder: SlackResponder

    def parse(self, text: str) -> Command | ChatError:
        """The command, or the reason it can't be parsed."""
        try:
            return parse_command(text)
        except ChatError as exc:
            return exc

    def run(self, command: dict[str, Any], respond: Respond) -> None:
        """Run the command; every failure becomes a short private reply."""
        parsed = self.parse(str(command.get("text") or ""))
        if isinstance(parsed, ChatError):
            respond(text=f":warning: {parsed}", response_type="ephemeral")
            return
        try:
            self._dispatch(parsed, command, respond)
        except BriefbotError as exc:
            respond(text=f":warning: {escape_inline(str(exc))}", response_type="ephemeral")
        except Exception:
            reference = new_reference()
            logger.exception("slack /briefbot %s failed [%s]", parsed.verb.value, reference)
            respond(
                text=f"{APOLOGY} (reference {reference})",
                blocks=render_error_blocks(APOLOGY, reference),
                response_type="ephemeral",
            )

    def _dispatch(self, parsed: Command, command: dict[str, Any], respond: Respond) -> None:
        channel, user = str(command.get("channel_id") or ""), command.get("user_id")
        if parsed.verb is Verb.HELP:
            return  # the ack carried the help text
        if parsed.verb is Verb.ASK:
            self._ask(parsed.text, command, respond)
        elif parsed.verb is Verb.DIGEST:
            respond(text=self._post_digest_now(channel), response_type="ephemeral")
        elif parsed.verb is Verb.CLAIMS:
            entries = self.services.ledger.entries()
            respond(blocks=render_claims_blocks(entries), text="Claim ledger")
        elif parsed.verb is Verb.SOURCES:
            sources = self.services.sources.list_sources()
            now = self.services.clock.now()
            respond(blocks=render_sources_blocks(sources, now=now), text="Sources")
        elif parsed.verb is Verb.SUBSCRIBE:
            respond(text=self._subscribe(parsed, channel, user), response_type="ephemeral")
        elif parsed.verb is Verb.UNSUBSCRIBE:
            respond(text=self._unsubscribe(parsed.channel or channel), response_type="ephemeral")
        else:  # pragma: no cover - every verb is handled above
            respond(text=HELP_TEXT)

    def _ask(self, text: str, command: dict[str, Any], respond: Respond) -> None:
        channel, user = str(command.get("channel_id") or ""), command.get("user_id")
        is_dm = channel.startswith("D") or command.get("channel_name") == "directmessage"
        question = Question(
            where=ThreadRef(Platform.SLACK, channel, None),
            text=question_text(text),
            user_id=str(user) if user else None,
            is_dm=is_dm,
        )
        conversation = self.services.conversation
        refusal = conversation.refusal(question)
        if refusal is not None:
            respond(text=REFUSALS[refusal], response_type="ephemeral")
            return
        placeholder = self._post_placeholder(channel, question)
        if placeholder is None:  # Briefbot is not in this channel: answer privately
            reply = conversation.answer(question)
            blocks = render_answer_blocks(reply.answer, turn_id=reply.turn.id)
            respond(blocks=blocks, text=answer_fallback_text(reply), response_type="ephemeral")
            return
        where = ThreadRef(Platform.SLACK, channel, placeholder)
        reply = conversation.answer(Question(where, question.text, question.user_id, is_dm))
        self.responder.client.chat_update(
            channel=channel,
            ts=placeholder,
            text=answer_fallback_text(reply),
            blocks=render_answer_blocks(reply.answer, turn_id=reply.turn.id),
        )
        conversation.record_reply(reply.turn, placeholder)

    def _post_placeholder(self, channel: str, question: Question) -> str | None:
        """Post "<asker> asked: …" in the channel; None when Briefbot can't post there."""
        asker = f"<@{question.user_id}>" if question.user_id else "Someone"
        try:
            posted = self.responder.client.chat_postMessage(
                channel=channel,
                text=f"{asker} asked: {escape_inline(question.text)} (looking it up…)",
                unfurl_links=False,
            )
        except SlackApiError as exc:
            if exc.response.get("error") in NOT_IN_CHANNEL:
                return None
            raise
        return str(posted["ts"])

    def _post_digest_now(self, channel: str) -> str:
        found = self.services.subscriptions.list(platform=Platform.SLACK, channel=channel)
        if not found:
            return (
                "This channel has no digest subscription yet: "
                "`/briefbot subscribe 07:30 America/New_York` sets one up."
            )
        outcome = self.services.poster.post_due(found[0], self.services.clock.now(), force=True)
        if outcome.status is PostStatus.FAILED:
            return f":warning: The digest could not be posted: {escape_inline(outcome.error or '')}"
        if outcome.status is PostStatus.SKIPPED:
            return "A digest is being posted here right now."
        return "Posted the digest."

    def _subscribe(self, parsed: Command, channel: str, user: object) -> str:
        target = parsed.channel or channel
        result = self.services.subscriptions.subscribe(
            platform=Platform.SLACK.value,
            channel=target,
            at=parsed.at or "",
            timezone=parsed.timezone or "",
            days=parsed.days,
            created_by=str(user) if user else None,
        )
        self.services.on_subscriptions_changed()
        spec = result.subscription.spec
        verb = "Subscribed" if result.created else "Changed the subscription of"
        return (
            f"{verb} <#{target}>: a digest at {spec.at:%H:%M} {spec.timezone}, "
            f"{format_days(spec.days)}. Invite @Briefbot to the channel if it isn't there yet."
        )

    def _unsubscribe(self, channel: str) -> str:
        removed = self.services.subscriptions.unsubscribe_channel(
            platform=Platform.SLACK, channel=channel
        )
        self.services.on_subscriptions_changed()
        if not removed:
            return f"<#{channel}> has no digest subscription."
        return f"<#{channel}> will get no more digests."
