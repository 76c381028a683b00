"""The conversation service over the demo documents in real SQLite: dedupe, access, thread
following, digest grounding, history and feedback."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain.conversation import Feedback, ThreadRef
from bot.domain.subscriptions import Platform, PostedMessage
from bot.main import Briefbot
from bot.services.conversation import ChatAccess, ConversationService, Question, Refusal

ASK = "How many fighters does ISIS still have according to the inspector general?"
CHANNEL_THREAD = ThreadRef(Platform.SLACK, "C1", "1700000001.000100")


def test_an_event_is_answered_once(briefbot: Briefbot) -> None:
    service = briefbot.conversation
    assert service.first_delivery(CHANNEL_THREAD, "Ev1")
    assert not service.first_delivery(CHANNEL_THREAD, "Ev1")
    assert service.first_delivery(CHANNEL_THREAD, None)  # no id: nothing to dedupe on


def test_an_answer_cites_verified_passages_and_is_remembered(briefbot: Briefbot) -> None:
    reply = briefbot.conversation.answer(Question(CHANNEL_THREAD, ASK, "U1"))
    assert reply.answer.answered
    assert reply.answer.citations
    for citation in reply.answer.citations:
        document = briefbot.store.find_document_by_url(citation.url)
        assert document is not None
        assert citation.quote in document.text
    [stored] = briefbot.store.list_turns(CHANNEL_THREAD)
    assert stored.id == reply.turn.id
    assert stored.spec.citations == reply.answer.citations


def test_briefbot_follows_only_threads_where_it_spoke(briefbot: Briefbot) -> None:
    service = briefbot.conversation
    assert not service.follows(CHANNEL_THREAD)
    assert not service.follows(ThreadRef(Platform.SLACK, "C1", None))
    service.answer(Question(CHANNEL_THREAD, ASK, "U1"))
    assert service.follows(CHANNEL_THREAD)
    assert not service.follows(ThreadRef(Platform.SLACK, "C2", CHANNEL_THREAD.thread))


def test_a_digest_thread_is_followed_and_grounded_in_the_digest(briefbot: Briefbot) -> None:
    subscription = briefbot.subscriptions.subscribe(
        platform="slack", channel="C0DIGEST9", at="07:30", timezone="UTC"
    ).subscription
    now = datetime(2026, 11, 25, 7, 30, tzinfo=UTC)
    run = briefbot.store.claim_digest_run(
        subscription.id, local_date=date(2026, 11, 25), now=now, abandoned_before=now
    )
    assert run is not None
    everywhere = briefbot.conversation.answer(Question(CHANNEL_THREAD, ASK, "U1")).answer
    cited = everywhere.citations[-1].url  # the digest cites one of the matching documents
    document = briefbot.store.find_document_by_url(cited)
    assert document is not None
    briefbot.store.record_digest_posted(
        run.id,
        message=PostedMessage(ts="1700000009.000900"),
        posted_at=now,
        period_start=None,
        period_end=now,
        cited_document_ids=[document.id],
    )
    thread = ThreadRef(Platform.SLACK, "C0DIGEST9", "1700000009.000900")
    assert briefbot.conversation.follows(thread)
    reply = briefbot.conversation.answer(Question(thread, ASK, "U1"))
    assert reply.grounded_in_digest
    assert reply.answer.answered
    assert {c.url for c in reply.answer.citations} == {cited}


def test_a_short_follow_up_is_read_with_the_previous_question(briefbot: Briefbot) -> None:
    service = briefbot.conversation
    first = service.answer(Question(CHANNEL_THREAD, ASK, "U1"))
    follow_up = service.answer(Question(CHANNEL_THREAD, "Who said otherwise?", "U1"))
    alone = briefbot.asker.ask("Who said otherwise?")
    assert first.answer.answered
    assert follow_up.answer.question == "Who said otherwise?"
    assert follow_up.answer.answered
    assert not alone.answered


def test_feedback_is_stored_on_the_turn(briefbot: Briefbot) -> None:
    reply = briefbot.conversation.answer(Question(CHANNEL_THREAD, ASK, "U1"))
    assert briefbot.conversation.record_feedback(reply.turn.id, Feedback.DOWN, user_id="U2")
    stored = briefbot.store.get_turn(reply.turn.id)
    assert stored is not None
    assert stored.feedback is Feedback.DOWN
    assert not briefbot.conversation.record_feedback(10_000, Feedback.UP, user_id="U2")


def test_access_lists_and_direct_messages(briefbot: Briefbot) -> None:
    access = ChatAccess.of(channels=["C1"], users=[], dms=False)
    service = ConversationService(
        store=briefbot.store, asker=briefbot.asker, clock=briefbot.clock, access=access
    )
    allowed = Question(CHANNEL_THREAD, ASK, "U1")
    elsewhere = Question(ThreadRef(Platform.SLACK, "C2", None), ASK, "U1")
    direct = Question(ThreadRef(Platform.SLACK, "D1", None), ASK, "U1", is_dm=True)
    assert service.refusal(allowed) is None
    assert service.refusal(elsewhere) is Refusal.CHANNEL
    assert service.refusal(direct) is Refusal.DMS_OFF
    only_u2 = ChatAccess.of(users=["U2"])
    assert only_u2.refusal(channel="C1", user_id="U1", is_dm=False) is Refusal.USER
    assert only_u2.refusal(channel="C1", user_id="U2", is_dm=True) is None


def test_a_subscription_with_tags_gets_only_documents_from_sources_so_tagged(
    briefbot: Briefbot,
) -> None:
    now = datetime(2026, 11, 25, 7, 30, tzinfo=UTC)
    everything = briefbot.digests.build(since=None, now=now)
    statements = briefbot.digests.build(since=None, now=now, tags=("Statements",))
    tagged = {s.id for s in briefbot.store.list_sources() if "statements" in s.spec.tags}
    kept = briefbot.store.get_documents(statements.document_ids)
    assert kept
    assert {document.source_id for document in kept} <= tagged
    assert len(statements.document_ids) < len(everything.document_ids)
    assert briefbot.digests.build(since=None, now=now, tags=("no-such-tag",)).document_ids == ()
