"""``ConversationRepository``: chat turns, feedback, and the chat events already handled."""

from __future__ import annotations

from datetime import datetime

from bot.domain.conversation import Feedback, ThreadRef, Turn, TurnSpec
from bot.domain.subscriptions import DigestRun, Platform
from storage.sessions import SessionScope
from storage.stores import conversations


class ConversationRepository(SessionScope):
    """The ``ConversationStore`` half of ``SqlStore``."""

    def claim_event(self, platform: Platform, event_id: str, *, now: datetime) -> bool:
        """Record a chat event as handled; False when it already was (a redelivery)."""
        with self._session() as session:
            return conversations.claim_event(
                session=session, platform=platform, event_id=event_id, now=now
            )

    def forget_events(self, *, before: datetime) -> int:
        """Drop handled-event records older than ``before``; returns how many."""
        with self._session() as session:
            return conversations.forget_events(session=session, before=before)

    def add_turn(self, spec: TurnSpec, *, now: datetime) -> Turn:
        """Store a question and the answer given."""
        with self._session() as session:
            return conversations.insert_turn(session=session, spec=spec, now=now)

    def list_turns(self, where: ThreadRef, *, limit: int = 20) -> list[Turn]:
        """The thread's latest ``limit`` turns, oldest first."""
        with self._session() as session:
            return conversations.list_turns(session=session, where=where, limit=limit)

    def get_turn(self, turn_id: int) -> Turn | None:
        """The turn with this id, or None."""
        with self._session() as session:
            return conversations.get_turn(session=session, turn_id=turn_id)

    def record_reply(self, turn_id: int, reply_id: str) -> None:
        """Store the id of the message that carried the turn's answer."""
        with self._session() as session:
            conversations.record_reply(session=session, turn_id=turn_id, reply_id=reply_id)

    def record_feedback(
        self, turn_id: int, feedback: Feedback, *, user_id: str | None
    ) -> Turn | None:
        """Store 👍/👎 on the turn (the latest wins); None when there is no such turn."""
        with self._session() as session:
            return conversations.record_feedback(
                session=session, turn_id=turn_id, feedback=feedback, user_id=user_id
            )

    def find_digest_run_by_message(
        self, platform: Platform, channel: str, message_ts: str
    ) -> DigestRun | None:
        """The posted digest whose message is ``message_ts`` in ``channel``, if any."""
        with self._session() as session:
            return conversations.find_digest_run_by_message(
                session=session, platform=platform, channel=channel, message_ts=message_ts
            )
