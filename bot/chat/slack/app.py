"""The bolt app: mentions, DMs, thread replies, ``/briefbot``, feedback buttons, the assistant.

Every listener acks at once and does its work in a lazy listener (bolt runs those on its
executor), so Slack gets its answer well inside 3 seconds however slow the LLM is. Listeners
are edges: they read the payload, call one service, post the result, and turn any failure into
a short ephemeral message with a correlation id.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import Executor
from typing import Any

from slack_bolt import Ack, App, Assistant, BoltContext, Respond, Say
from slack_bolt.context.set_status import SetStatus
from slack_bolt.context.set_suggested_prompts import SetSuggestedPrompts
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient

from bot.chat.slack.commands import HELP_TEXT, Command, Verb
from bot.chat.slack.constants import ActionId
from bot.chat.slack.events import (
    MessageKind,
    classify_message,
    event_id,
    is_from_a_bot,
    read_question,
)
from bot.chat.slack.replies import SlackResponder
from bot.chat.slack.services import SlackServices
from bot.chat.slack.slash import CommandRunner
from bot.domain.conversation import Feedback
from bot.services.conversation import ConversationService

logger = logging.getLogger(__name__)

ASSISTANT_GREETING = (
    "Ask about the collected reports and leader statements. Every answer cites the documents, "
    "quoting the passage it rests on, or says that they don't answer the question."
)
SUGGESTED_PROMPTS = (
    ("What changed since yesterday?", "What changed since yesterday's digest?"),
    ("Latest fighter estimate", "How many fighters does ISIS keep according to the latest report?"),
    ("Claims under pressure", "Which declarations of victory does the newest evidence contradict?"),
)
WORKING_STATUS = "is reading the collected documents…"
BOLT_LOGGER = "bot.chat.slack.bolt"


class SkipTokenUnusedWarning(logging.Filter):
    """Bolt warns that its token is unused whenever ``SLACK_BOT_TOKEN`` is set and a client is
    given; Briefbot's client is built from that very token, so the warning is noise."""

    message = warning_client_prioritized_and_token_skipped()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != self.message


def build_bolt_logger() -> logging.Logger:
    bolt_logger = logging.getLogger(BOLT_LOGGER)
    if not any(isinstance(f, SkipTokenUnusedWarning) for f in bolt_logger.filters):
        bolt_logger.addFilter(SkipTokenUnusedWarning())
    return bolt_logger


def build_slack_app(
    services: SlackServices,
    *,
    client: WebClient,
    signing_secret: str | None,
    executor: Executor | None = None,
) -> App:
    """A bolt app on ``client`` with every Briefbot listener registered.

    ``signing_secret`` is required for HTTP mode (requests are verified and stale timestamps
    refused); Socket Mode requests carry no signature and are not checked.
    """
    app = App(
        client=client,
        signing_secret=signing_secret or "",
        request_verification_enabled=signing_secret is not None,
        process_before_response=False,
        listener_executor=executor,
        logger=build_bolt_logger(),
    )
    responder = SlackResponder(client=client, conversation=services.conversation)
    runner = CommandRunner(services=services, responder=responder)
    _register_events(app, responder)
    _register_command(app, runner)
    _register_feedback(app, services.conversation)
    app.use(_build_assistant(responder))
    app.error(_log_error)
    return app


def just_ack(ack: Ack) -> None:
    """The first listener of every lazy pair: acknowledge within Slack's 3 seconds."""
    ack()


def _register_events(app: App, responder: SlackResponder) -> None:
    def answer_mention(body: dict[str, Any], event: dict[str, Any]) -> None:
        if is_from_a_bot(event):
            return
        responder.answer_event(read_question(event), event_id=event_id(body))

    def answer_message(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
        kind = classify_message(event, bot_user_id=context.bot_user_id)
        if kind is MessageKind.DIRECT:
            responder.answer_event(read_question(event, in_dm=True), event_id=event_id(body))
        elif kind is MessageKind.THREAD_REPLY:
            asked = read_question(event)
            if responder.conversation.follows(asked.question.where):
                responder.answer_event(asked, event_id=event_id(body))

    app.event("app_mention")(ack=just_ack, lazy=[answer_mention])
    app.event("message")(ack=just_ack, lazy=[answer_message])


def _register_command(app: App, runner: CommandRunner) -> None:
    def acknowledge(ack: Ack, command: dict[str, Any]) -> None:
        parsed = runner.parse(str(command.get("text") or ""))
        if isinstance(parsed, Command) and parsed.verb is Verb.HELP:
            ack(text=HELP_TEXT)
        else:
            ack()

    def run(command: dict[str, Any], respond: Respond) -> None:
        runner.run(command, respond)

    app.command("/briefbot")(ack=acknowledge, lazy=[run])


def _register_feedback(app: App, conversation: ConversationService) -> None:
    verdicts = {ActionId.FEEDBACK_UP: Feedback.UP, ActionId.FEEDBACK_DOWN: Feedback.DOWN}

    def record(body: dict[str, Any], respond: Respond) -> None:
        action = (body.get("actions") or [{}])[0]
        verdict = verdicts.get(ActionId(action.get("action_id")))
        user = (body.get("user") or {}).get("id")
        try:
            turn_id = int(str(action.get("value")))
        except ValueError:
            logger.warning("slack feedback with a malformed turn id: %r", action.get("value"))
            return
        if verdict is None or not conversation.record_feedback(turn_id, verdict, user_id=user):
            respond(text="That answer is no longer on record.", replace_original=False)
            return
        thanks = "Thanks, noted: helpful." if verdict is Feedback.UP else "Thanks, noted."
        respond(text=thanks, response_type="ephemeral", replace_original=False)

    for action_id in verdicts:
        app.action(action_id.value)(ack=just_ack, lazy=[record])


def _build_assistant(responder: SlackResponder) -> Assistant:
    """Slack's AI-app split view: suggested prompts, a status while working, the same answers."""
    assistant = Assistant(logger=logging.getLogger("bot.chat.slack.assistant"))

    @assistant.thread_started
    def greet(say: Say, set_suggested_prompts: SetSuggestedPrompts) -> None:
        say(ASSISTANT_GREETING)
        set_suggested_prompts(
            prompts=[{"title": title, "message": message} for title, message in SUGGESTED_PROMPTS]
        )

    @assistant.user_message
    def answer(body: dict[str, Any], payload: dict[str, Any], set_status: SetStatus) -> None:
        if is_from_a_bot(payload):
            return
        asked = read_question(payload, in_dm=True)
        try:
            set_status(WORKING_STATUS)
        except Exception as exc:  # noqa: BLE001 - a DM thread outside the assistant view
            logger.info("slack assistant status not set: %s", exc)
        responder.answer_event(asked, event_id=event_id(body))

    return assistant


def _log_error(error: Exception, body: Mapping[str, Any]) -> None:
    kind = body.get("type") or (body.get("event") or {}).get("type") or "request"
    logger.error("slack %s failed: %s: %s", kind, type(error).__name__, error)
