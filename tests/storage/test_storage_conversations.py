"""Conversation turns, feedback, handled chat events and digest lookup by message, on both
databases."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

from bot.domain.conversation import Feedback, ThreadRef, TurnSpec
from bot.domain.models import Citation, DocumentKind
from bot.domain.subscriptions import Platform, PostedMessage, SubscriptionSpec
from storage.repository import SqlStore

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
THREAD = ThreadRef(Platform.SLACK, "C1", "1700000001.000100")
CITATION = Citation(
    number=1,
    title="Lead IG report",
    url="https://example.org/ig",
    quote="ISIS retained between 14,000 and 18,000 members",
    published_at=datetime(2019, 8, 6, tzinfo=UTC),
    publisher="Lead Inspector General",
    document_kind=DocumentKind.REPORT,
)


def turn(
    question: str,
    where: ThreadRef = THREAD,
    *,
    citations: tuple[Citation, ...] = (),
    answered: bool = True,
) -> TurnSpec:
    answer = f"answer to {question}"
    return TurnSpec(where, "U1", question, answer, citations=citations, answered=answered)


def test_an_event_is_claimed_once(store: SqlStore) -> None:
    assert store.claim_event(Platform.SLACK, "Ev1", now=NOW)
    assert not store.claim_event(Platform.SLACK, "Ev1", now=NOW)
    assert store.claim_event(Platform.TEAMS, "Ev1", now=NOW)  # ids are per platform


def test_racing_deliveries_of_one_event_claim_it_once(store: SqlStore) -> None:
    wins: list[bool] = []
    barrier = threading.Barrier(8)

    def deliver() -> None:
        barrier.wait()
        wins.append(store.claim_event(Platform.SLACK, "Ev-race", now=NOW))

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False] * 7 + [True]


def test_old_events_are_forgotten_and_can_be_claimed_again(store: SqlStore) -> None:
    store.claim_event(Platform.SLACK, "old", now=NOW - timedelta(days=8))
    store.claim_event(Platform.SLACK, "new", now=NOW)
    assert store.forget_events(before=NOW - timedelta(days=7)) == 1
    assert store.claim_event(Platform.SLACK, "old", now=NOW)
    assert not store.claim_event(Platform.SLACK, "new", now=NOW)


def test_a_hostile_event_id_is_cut_not_refused(store: SqlStore) -> None:
    assert store.claim_event(Platform.SLACK, "x" * 10_000, now=NOW)
    assert not store.claim_event(Platform.SLACK, "x" * 10_000, now=NOW)


def test_turns_round_trip_with_citations_oldest_first(store: SqlStore) -> None:
    first = store.add_turn(turn("first", citations=(CITATION,)), now=NOW)
    store.add_turn(turn("second", answered=False), now=NOW + timedelta(seconds=1))
    store.add_turn(turn("elsewhere", where=ThreadRef(Platform.SLACK, "C1", "other")), now=NOW)
    turns = store.list_turns(THREAD)
    assert [t.spec.question for t in turns] == ["first", "second"]
    assert turns[0].spec.citations == (CITATION,)
    assert turns[0].id == first.id
    assert turns[0].created_at == NOW
    assert [t.spec.answered for t in turns] == [True, False]
    assert [t.spec.question for t in store.list_turns(THREAD, limit=1)] == ["second"]


def test_top_level_direct_messages_form_one_thread(store: SqlStore) -> None:
    dm = ThreadRef(Platform.SLACK, "D1", None)
    store.add_turn(turn("in the dm", where=dm), now=NOW)
    assert [t.spec.question for t in store.list_turns(dm)] == ["in the dm"]
    assert store.list_turns(ThreadRef(Platform.SLACK, "D2", None)) == []


def test_reply_id_and_feedback_are_stored_latest_wins(store: SqlStore) -> None:
    stored = store.add_turn(turn("q"), now=NOW)
    store.record_reply(stored.id, "1700000002.000200")
    store.record_feedback(stored.id, Feedback.UP, user_id="U1")
    changed = store.record_feedback(stored.id, Feedback.DOWN, user_id="U2")
    assert changed is not None
    found = store.get_turn(stored.id)
    assert found is not None
    assert (found.reply_id, found.feedback, found.feedback_by) == (
        "1700000002.000200",
        Feedback.DOWN,
        "U2",
    )
    assert store.record_feedback(999_999, Feedback.UP, user_id="U1") is None


def test_a_posted_digest_is_found_by_its_message(store: SqlStore) -> None:
    spec = SubscriptionSpec(
        platform=Platform.SLACK, channel="C1", at=time(7, 30), timezone="UTC", lens_id="lens"
    )
    subscription = store.add_subscription(spec)
    run = store.claim_digest_run(
        subscription.id, local_date=date(2026, 11, 25), now=NOW, abandoned_before=NOW
    )
    assert run is not None
    ts = "1700000003.000300"
    assert store.find_digest_run_by_message(Platform.SLACK, "C1", ts) is None  # still pending
    store.record_digest_posted(
        run.id,
        message=PostedMessage(ts=ts),
        posted_at=NOW,
        period_start=None,
        period_end=NOW,
        cited_document_ids=(3, 5),
    )
    found = store.find_digest_run_by_message(Platform.SLACK, "C1", ts)
    assert found is not None
    assert found.cited_document_ids == (3, 5)
    assert store.find_digest_run_by_message(Platform.SLACK, "C2", ts) is None
    assert store.find_digest_run_by_message(Platform.TEAMS, "C1", ts) is None
