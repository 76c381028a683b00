"""Conversations: who may ask, which thread replies Briefbot follows, and each turn remembered.

The chat adapters (Slack, Teams, the terminal) turn platform events into ``Question``s and
call this service; it decides nothing about how an answer looks. Rules:

- An event is handled once: its id is claimed in ``processed_event`` before any work, so a
  redelivered event (Slack retries after 3 s, Teams after 15 s) gets no second answer.
- In a thread, Briefbot answers without being mentioned only where it spoke first: under a
  digest it posted, or in a thread where it already answered.
- A question asked in a digest's thread is grounded first in the documents that digest cited.
- The thread's earlier turns (up to ``history_turns``) are the question's context.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from bot.domain.conversation import Feedback, ThreadRef, Turn, TurnSpec
from bot.domain.models import Answer
from bot.ports import Clock, ConversationStore
from bot.services.ask import MAX_QUESTION_CHARS, AskService

HISTORY_TURNS = 6
EVENT_MEMORY = timedelta(days=7)  # Slack retries for minutes; a week is ample


class Refusal(StrEnum):
    """Why a question is not served (the adapter words a polite reply)."""

    CHANNEL = "channel"  # the channel is not on the allowed list
    USER = "user"  # the user is not on the allowed list
    DMS_OFF = "dms_off"  # direct messages are turned off


@dataclass(frozen=True, slots=True)
class ChatAccess:
    """Who may ask: empty allow-lists mean every channel the bot is in and every user."""

    channels: frozenset[str] = field(default_factory=frozenset)
    users: frozenset[str] = field(default_factory=frozenset)
    dms: bool = True

    @classmethod
    def of(
        cls, *, channels: Collection[str] = (), users: Collection[str] = (), dms: bool = True
    ) -> ChatAccess:
        return cls(channels=frozenset(channels), users=frozenset(users), dms=dms)

    def refusal(self, *, channel: str, user_id: str | None, is_dm: bool) -> Refusal | None:
        """None when the user may ask here, else why not."""
        if self.users and user_id not in self.users:
            return Refusal.USER
        if is_dm:
            return None if self.dms else Refusal.DMS_OFF
        if self.channels and channel not in self.channels:
            return Refusal.CHANNEL
        return None


@dataclass(frozen=True, slots=True)
class Question:
    """A question as a chat adapter received it."""

    where: ThreadRef
    text: str
    user_id: str | None
    is_dm: bool = False


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer to a question and the turn it was stored as."""

    answer: Answer
    turn: Turn
    grounded_in_digest: bool


@dataclass(frozen=True, slots=True)
class ConversationService:
    """Answers chat questions with thread context and remembers every turn."""

    store: ConversationStore
    asker: AskService
    clock: Clock
    access: ChatAccess = field(default_factory=ChatAccess)
    history_turns: int = HISTORY_TURNS

    def first_delivery(self, where: ThreadRef, event_id: str | None) -> bool:
        """Claim the event; False when it was handled before (no id: always first)."""
        if not event_id:
            return True
        return self.store.claim_event(where.platform, event_id, now=self.clock.now())

    def refusal(self, question: Question) -> Refusal | None:
        """Why ``question`` may not be served here, or None."""
        return self.access.refusal(
            channel=question.where.channel, user_id=question.user_id, is_dm=question.is_dm
        )

    def follows(self, where: ThreadRef) -> bool:
        """Whether Briefbot answers an unmentioned reply in this thread: a thread under its
        digest or one where it already answered."""
        if where.thread is None:
            return False
        if self.store.list_turns(where, limit=1):
            return True
        return self._digest_documents(where) is not None

    def answer(self, question: Question) -> Reply:
        """Answer with the thread's earlier turns as context and store the turn."""
        where = question.where
        history = self.store.list_turns(where, limit=self.history_turns) if where.thread else []
        cited = self._digest_documents(where)
        answer = self.asker.ask(
            question.text, document_ids=cited, history=[turn.prior for turn in history]
        )
        turn = self.store.add_turn(
            TurnSpec(
                where=where,
                user_id=question.user_id,
                question=answer.question or question.text[:MAX_QUESTION_CHARS],
                answer=answer.text,
                citations=answer.citations,
                answered=answer.answered,
            ),
            now=self.clock.now(),
        )
        return Reply(answer=answer, turn=turn, grounded_in_digest=bool(cited))

    def record_reply(self, turn: Turn, reply_id: str) -> None:
        """Remember which message carried the turn's answer."""
        self.store.record_reply(turn.id, reply_id)

    def record_feedback(self, turn_id: int, feedback: Feedback, *, user_id: str | None) -> bool:
        """Store 👍/👎 on the turn; False when there is no such turn."""
        return self.store.record_feedback(turn_id, feedback, user_id=user_id) is not None

    def forget_old_events(self) -> int:
        """Drop handled-event records older than a week; returns how many."""
        return self.store.forget_events(before=self.clock.now() - EVENT_MEMORY)

    def _digest_documents(self, where: ThreadRef) -> list[int] | None:
        if where.thread is None:
            return None
        run = self.store.find_digest_run_by_message(where.platform, where.channel, where.thread)
        return None if run is None else list(run.cited_document_ids)
