"""The Teams agent: an ``AgentApplication`` whose message route answers questions.

Teams wants a first response within 15 seconds, and an answer (retrieval, maybe an LLM) can
take longer. So the message route only decides (is it a question for Briefbot, the first
delivery of this activity, allowed here?), replies "Working on it…" at once and returns; the
answer is worked out in a background task, with the synchronous ``ConversationService`` on a
thread pool (its database and LLM calls never block the event loop), and posted as a proactive
message in the question's thread: ``continue_conversation_with_claims`` with the request's own
claims identity (in anonymous mode that identity is empty, so the reply goes out without a
token; ``continue_conversation`` with an app id would demand one).

Failures are edges: the asker gets an error card with a correlation id, the log gets the
traceback under the same id. ``close`` waits for answers in flight (up to a grace period),
then cancels the rest.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, TypeVar

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    ConversationReference,
    ResourceResponse,
)
from microsoft_agents.hosting.core import (
    AgentApplication,
    ApplicationOptions,
    CardFactory,
    ChannelServiceAdapter,
    ClaimsIdentity,
    Connections,
    MemoryStorage,
    RouteRank,
    TurnContext,
    TurnState,
)

from bot.chat.references import new_correlation_id
from bot.chat.teams.activities import MessageKind, TeamsQuestion, classify_activity, read_question
from bot.chat.teams.cards import render_answer_card, render_error_card
from bot.chat.teams.payload import Card
from bot.domain.errors import ChatError
from bot.services.conversation import ConversationService, Refusal

logger = logging.getLogger(__name__)

WORKING = "Working on it… reading the collected documents."
APOLOGY = "Sorry, something went wrong while answering. Please try again in a minute."
REFUSALS = {
    Refusal.CHANNEL: "Briefbot isn't enabled in this channel; an admin can allow it.",
    Refusal.USER: "Sorry, Briefbot answers only its team's members here; an admin can add you.",
    Refusal.DMS_OFF: "Briefbot doesn't answer personal chats here; please mention it in a "
    "channel instead.",
}
SHUTDOWN_GRACE_SECONDS = 10.0

T = TypeVar("T")


def card_message(card: Card) -> Activity:
    """A message carrying one Adaptive Card."""
    return Activity(type=ActivityTypes.message, attachments=[CardFactory.adaptive_card(card)])


@dataclass(frozen=True, slots=True)
class Admission:
    """Whether a question is answered, and if it is refused, why."""

    answer: bool
    refusal: Refusal | None = None


class TeamsResponder:
    """Answers questions read from Teams activities through the conversation service."""

    def __init__(
        self,
        conversation: ConversationService,
        *,
        executor: Executor,
        shutdown_grace: float = SHUTDOWN_GRACE_SECONDS,
    ) -> None:
        self.conversation = conversation
        self._executor = executor
        self._shutdown_grace = shutdown_grace
        self._tasks: set[asyncio.Task[None]] = set()

    async def on_message(self, context: TurnContext, state: TurnState) -> None:
        """The message route: decide, say "working", and answer in the background."""
        kind = classify_activity(context.activity)
        if kind is MessageKind.IGNORED:
            return
        asked = read_question(context.activity, kind)
        admission = await self._run(self._admit, asked)
        if admission.refusal is not None:
            await context.send_activity(REFUSALS[admission.refusal])
            return
        if not admission.answer:
            return
        if kind is MessageKind.PERSONAL:  # Teams shows no bot typing in channels
            await context.send_activity(Activity(type=ActivityTypes.typing))
        await context.send_activity(WORKING)
        self._start(
            self._answer_later(
                context.adapter,
                context.identity or ClaimsIdentity(),
                context.activity.get_conversation_reference(),
                asked,
            )
        )

    async def on_error(self, context: TurnContext, error: Exception) -> None:
        """A turn failed: the traceback to the log, an error card to the asker."""
        correlation = new_correlation_id()
        logger.error("teams: a turn failed [%s]", correlation, exc_info=error)
        try:
            await context.send_activity(card_message(render_error_card(APOLOGY, correlation)))
        except Exception:  # noqa: BLE001 - an edge: nobody else to tell
            logger.warning("teams: the error card [%s] could not be sent", correlation)

    async def close(self) -> None:
        """Let answers in flight finish (up to the grace period), then cancel the rest."""
        if not self._tasks:
            return
        pending = set(self._tasks)
        _, late = await asyncio.wait(pending, timeout=self._shutdown_grace)
        for task in late:
            task.cancel()
        if late:
            logger.warning("teams: %d answers cancelled at shutdown", len(late))
        await asyncio.gather(*pending, return_exceptions=True)

    def _admit(self, asked: TeamsQuestion) -> Admission:
        """Runs on the thread pool: thread following, the once-per-activity claim, access."""
        where = asked.question.where
        if asked.kind is MessageKind.THREAD_REPLY and not self.conversation.follows(where):
            return Admission(answer=False)
        if not self.conversation.first_delivery(where, asked.event_id):
            logger.info("teams activity %s was delivered again: not answered twice", asked.event_id)
            return Admission(answer=False)
        refusal = self.conversation.refusal(asked.question)
        return Admission(answer=refusal is None, refusal=refusal)

    async def _answer_later(
        self,
        adapter: ChannelServiceAdapter,
        identity: ClaimsIdentity,
        reference: ConversationReference,
        asked: TeamsQuestion,
    ) -> None:
        """Answer, post the answer card in the question's thread, remember which message it is."""
        try:
            reply = await self._run(self.conversation.answer, asked.question)
            card = card_message(render_answer_card(reply.answer))
            sent = await post_proactively(adapter, identity, reference, card)
        except Exception:  # an edge: the asker gets an apology, the log the traceback
            correlation = new_correlation_id()
            logger.exception("teams: answering a question failed [%s]", correlation)
            apology = card_message(render_error_card(APOLOGY, correlation))
            try:
                await post_proactively(adapter, identity, reference, apology)
            except Exception:  # noqa: BLE001 - Teams is unreachable: the log is all there is
                logger.warning("teams: the error card [%s] could not be sent", correlation)
            return
        try:
            await self._run(self.conversation.record_reply, reply.turn, sent)
        except Exception:  # the answer was delivered: no apology for a bookkeeping failure
            logger.exception("teams: the reply to turn %d was not recorded", reply.turn.id)

    def _start(self, work: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` on the thread pool, awaited."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(function, *args))


async def post_proactively(
    adapter: ChannelServiceAdapter,
    identity: ClaimsIdentity,
    reference: ConversationReference,
    activity: Activity,
) -> str:
    """Send ``activity`` as a reply to the referenced message (in its thread) outside the
    request that brought it; returns the id Teams gave the new message."""
    continuation = reference.get_continuation_activity()
    continuation.id = reference.activity_id  # replies go to the question, None: to the chat
    outcome: list[ResourceResponse | Exception] = []

    async def send(context: TurnContext) -> None:
        try:
            outcome.append(await context.send_activity(activity))
        except Exception as exc:  # noqa: BLE001 - raised below, not to the adapter's error handler
            outcome.append(exc)

    await adapter.continue_conversation_with_claims(identity, continuation, send)
    if not outcome:
        raise ChatError("Teams: the proactive turn ran no callback")
    if isinstance(outcome[0], Exception):
        raise outcome[0]
    return outcome[0].id or ""


def build_agent_application(
    responder: TeamsResponder, *, connections: Connections
) -> AgentApplication[TurnState]:
    """The agent: messages to ``responder``, every other activity quietly ignored, failures
    to ``responder.on_error``. No typing timer (the turn is short), the raw text kept (the
    activity reader removes mentions), no state kept between turns."""
    app = AgentApplication[TurnState](
        ApplicationOptions(
            storage=MemoryStorage(),
            remove_recipient_mention=False,
            start_typing_timer=False,
            turn_state_factory=TurnState,
        ),
        connection_manager=connections,
    )
    app.activity(ActivityTypes.message)(responder.on_message)
    app.add_route(_anything, _ignore, rank=RouteRank.LAST)
    app.error(responder.on_error)
    return app


def _anything(context: TurnContext) -> bool:
    return True


async def _ignore(context: TurnContext, state: TurnState) -> None:
    logger.debug("teams: %s activity ignored", context.activity.type)
