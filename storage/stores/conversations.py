"""Conversation rows: turns asked and answered in chat threads, and chat events already handled."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain.conversation import Feedback, ThreadRef, Turn, TurnSpec
from bot.domain.models import Citation, DocumentKind
from bot.domain.subscriptions import DigestRun, Platform, RunStatus
from storage.columns import as_utc, dialect_insert
from storage.stores.digest_runs import build_digest_run
from storage.tables import ConversationTurnRow, DigestRunRow, ProcessedEventRow, SubscriptionRow

MAX_EVENT_ID_CHARS = 200


def claim_event(*, session: Session, platform: Platform, event_id: str, now: datetime) -> bool:
    """Record the event as handled; False when it already was (``INSERT … ON CONFLICT``)."""
    table: sa.Table = ProcessedEventRow.__table__  # type: ignore[attr-defined]
    statement = (
        dialect_insert(session, table)
        .values(platform=platform.value, event_id=event_id[:MAX_EVENT_ID_CHARS], created_at=now)
        .on_conflict_do_nothing(index_elements=["platform", "event_id"])
        .returning(table.c.id)
    )
    return session.execute(statement).scalar() is not None


def forget_events(*, session: Session, before: datetime) -> int:
    """Delete handled-event records older than ``before``; how many were deleted."""
    statement = sa.delete(ProcessedEventRow).where(col(ProcessedEventRow.created_at) < before)
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


def insert_turn(*, session: Session, spec: TurnSpec, now: datetime) -> Turn:
    """Store a question and its answer."""
    row = ConversationTurnRow(
        platform=spec.where.platform.value,
        channel=spec.where.channel,
        thread=spec.where.thread,
        user_id=spec.user_id,
        question=spec.question,
        answer=spec.answer,
        citations=[citation_to_json(citation) for citation in spec.citations],
        answered=spec.answered,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return build_turn(row)


def list_turns(*, session: Session, where: ThreadRef, limit: int) -> list[Turn]:
    """The thread's latest ``limit`` turns, oldest first."""
    statement = (
        select(ConversationTurnRow)
        .where(
            ConversationTurnRow.platform == where.platform.value,
            ConversationTurnRow.channel == where.channel,
            _same_thread(where.thread),
        )
        .order_by(col(ConversationTurnRow.id).desc())
        .limit(limit)
    )
    return [build_turn(row) for row in reversed(session.exec(statement).all())]


def _same_thread(thread: str | None) -> Any:
    column = col(ConversationTurnRow.thread)
    return column.is_(None) if thread is None else column == thread


def get_turn(*, session: Session, turn_id: int) -> Turn | None:
    """The turn with this id, or None."""
    row = session.get(ConversationTurnRow, turn_id)
    return None if row is None else build_turn(row)


def record_reply(*, session: Session, turn_id: int, reply_id: str) -> None:
    """Store the platform's id of the reply that carried the turn's answer."""
    row = session.get(ConversationTurnRow, turn_id)
    if row is not None:
        row.reply_id = reply_id
        session.add(row)


def record_feedback(
    *, session: Session, turn_id: int, feedback: Feedback, user_id: str | None
) -> Turn | None:
    """Store the reader's verdict on the turn (the latest wins); None when there is no turn."""
    row = session.get(ConversationTurnRow, turn_id)
    if row is None:
        return None
    row.feedback = feedback.value
    row.feedback_by = user_id
    session.add(row)
    session.flush()
    return build_turn(row)


def find_digest_run_by_message(
    *, session: Session, platform: Platform, channel: str, message_ts: str
) -> DigestRun | None:
    """The posted digest run whose message is ``message_ts`` in ``channel``, if any."""
    statement = (
        select(DigestRunRow)
        .join(SubscriptionRow, col(SubscriptionRow.id) == col(DigestRunRow.subscription_id))
        .where(
            SubscriptionRow.platform == platform.value,
            SubscriptionRow.channel == channel,
            DigestRunRow.message_ts == message_ts,
            DigestRunRow.status == RunStatus.POSTED.value,
        )
        .limit(1)
    )
    row = session.exec(statement).first()
    return None if row is None else build_digest_run(row)


def build_turn(row: ConversationTurnRow) -> Turn:
    """The domain ``Turn`` for ``row``."""
    assert row.id is not None
    spec = TurnSpec(
        where=ThreadRef(platform=Platform(row.platform), channel=row.channel, thread=row.thread),
        user_id=row.user_id,
        question=row.question,
        answer=row.answer,
        citations=tuple(citation_from_json(item) for item in row.citations),
        answered=row.answered,
    )
    return Turn(
        id=row.id,
        spec=spec,
        created_at=as_utc(row.created_at),
        reply_id=row.reply_id,
        feedback=Feedback(row.feedback) if row.feedback else None,
        feedback_by=row.feedback_by,
    )


def citation_to_json(citation: Citation) -> dict[str, Any]:
    """A citation as a JSON object."""
    return {
        "number": citation.number,
        "title": citation.title,
        "url": citation.url,
        "quote": citation.quote,
        "published_at": citation.published_at.isoformat() if citation.published_at else None,
        "publisher": citation.publisher,
        "document_kind": citation.document_kind.value if citation.document_kind else None,
    }


def citation_from_json(item: dict[str, Any]) -> Citation:
    """The citation ``citation_to_json`` wrote."""
    published = item.get("published_at")
    kind = item.get("document_kind")
    return Citation(
        number=int(item["number"]),
        title=str(item["title"]),
        url=str(item["url"]),
        quote=str(item["quote"]),
        published_at=as_utc(datetime.fromisoformat(published)) if published else None,
        publisher=item.get("publisher"),
        document_kind=DocumentKind(kind) if kind else None,
    )
