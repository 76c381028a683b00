"""Conversations in chat: questions asked in a thread, the answers given, and feedback on them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.domain.models import Citation
from bot.domain.subscriptions import Platform


class Feedback(StrEnum):
    """A reader's verdict on one answer (the 👍/👎 buttons)."""

    UP = "up"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class PriorTurn:
    """An earlier question and answer in the same thread: context for a follow-up question."""

    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class ThreadRef:
    """Where a conversation happens: a platform, a channel (or DM) and a thread root.

    ``thread`` is the root message id (Slack ``thread_ts``, Teams conversation id with its
    message id), None for a question asked outside any thread.
    """

    platform: Platform
    channel: str
    thread: str | None = None


@dataclass(frozen=True, slots=True)
class TurnSpec:
    """One question and the answer Briefbot gave, to be stored."""

    where: ThreadRef
    user_id: str | None
    question: str
    answer: str
    citations: tuple[Citation, ...] = field(default=())
    answered: bool = True


@dataclass(frozen=True, slots=True)
class Turn:
    """A stored question and answer."""

    id: int
    spec: TurnSpec
    created_at: datetime
    reply_id: str | None = None  # the platform's id of Briefbot's reply, once posted
    feedback: Feedback | None = None
    feedback_by: str | None = None

    @property
    def prior(self) -> PriorTurn:
        """This turn as context for the next question in its thread."""
        return PriorTurn(question=self.spec.question, answer=self.spec.answer)
