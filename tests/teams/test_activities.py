"""Reading Teams message activities into questions: who is asked, where, and with what text."""

from __future__ import annotations

from typing import Any

import pytest
from microsoft_agents.activity import Activity

from bot.chat.teams.activities import (
    MessageKind,
    classify_activity,
    event_id,
    question_text,
    read_question,
    thread_of,
)
from bot.domain.conversation import ThreadRef
from bot.domain.subscriptions import Platform

BOT = "28:9f1c2b7e-0d4a-4c1e-b7f3-2a5d6e8c0b11"
CHANNEL = "19:4a95f7d8db4c4e7fae857bcebe0623e6@thread.tacv2"
BOT_MENTION = {"type": "mention", "text": "<at>Briefbot</at>", "mentioned": {"id": BOT}}


def activity(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": "message",
        "id": "1700000000001",
        "from": {"id": "29:1alice", "aadObjectId": "aad-alice"},
        "recipient": {"id": BOT, "name": "Briefbot"},
        "conversation": {
            "conversationType": "channel",
            "id": f"{CHANNEL};messageid=1700000000001",
        },
        "text": "<at>Briefbot</at> How many fighters?",
        "entities": [BOT_MENTION],
    }
    return {**base, **fields}


PERSONAL = {"conversationType": "personal", "id": "a:1chat"}
GROUP = {"conversationType": "groupChat", "id": "19:group@thread.v2"}


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({}, MessageKind.MENTION),
        ({"conversation": PERSONAL, "entities": []}, MessageKind.PERSONAL),
        ({"conversation": GROUP}, MessageKind.MENTION),
        ({"conversation": GROUP, "entities": []}, MessageKind.IGNORED),
        ({"entities": []}, MessageKind.IGNORED),  # a top-level post without a mention
        ({"id": "1700000000002", "entities": []}, MessageKind.THREAD_REPLY),
        ({"type": "conversationUpdate"}, MessageKind.IGNORED),
        ({"from": {"id": "28:other-bot"}}, MessageKind.IGNORED),
        ({"from": {"id": "29:1bob", "role": "bot"}}, MessageKind.IGNORED),
        ({"from": {}}, MessageKind.IGNORED),
        ({"text": "<at>Briefbot</at>   "}, MessageKind.IGNORED),
        ({"text": None, "attachments": [{"contentType": "image/png"}]}, MessageKind.IGNORED),
        # <at> text without a mention entity naming Briefbot is not a mention of Briefbot
        ({"entities": [{**BOT_MENTION, "mentioned": {"id": "29:1bob"}}]}, MessageKind.IGNORED),
    ],
)
def test_which_messages_are_questions(fields: dict[str, Any], kind: MessageKind) -> None:
    assert classify_activity(activity(**fields)) is kind


def test_the_sdk_activity_reads_like_its_json() -> None:
    raw = activity(id="1700000000002")
    model = Activity.model_validate(raw)
    assert classify_activity(model) is classify_activity(raw) is MessageKind.MENTION
    assert read_question(model, MessageKind.MENTION) == read_question(raw, MessageKind.MENTION)


def test_a_channel_question_lives_in_its_thread() -> None:
    asked = read_question(activity(id="1700000000002"), MessageKind.MENTION)
    assert asked.question.where == ThreadRef(
        Platform.TEAMS, CHANNEL, f"{CHANNEL};messageid=1700000000001"
    )
    assert asked.question.text == "How many fighters?"
    assert asked.question.user_id == "aad-alice"
    assert not asked.question.is_dm
    assert asked.event_id == f"{CHANNEL}/1700000000002"


def test_a_top_level_post_without_its_id_in_the_conversation_starts_a_thread() -> None:
    post = activity(conversation={"conversationType": "channel", "id": CHANNEL})
    assert thread_of(post).thread == f"{CHANNEL};messageid=1700000000001"


def test_chats_have_no_thread() -> None:
    personal = read_question(activity(conversation=PERSONAL), MessageKind.PERSONAL)
    assert personal.question.where == ThreadRef(Platform.TEAMS, "a:1chat", None)
    assert personal.question.is_dm
    assert thread_of(activity(conversation=GROUP)) == ThreadRef(
        Platform.TEAMS, "19:group@thread.v2", None
    )


def test_question_text_drops_briefbots_mention_and_keeps_other_names() -> None:
    text = (
        "<p><at>Briefbot</at>&nbsp;what did <at>Alice Smith</at> say about "
        "<b>Raqqa</b> &amp; Mosul?</p>"
    )
    other = {"type": "mention", "text": "<at>Alice Smith</at>", "mentioned": {"id": "29:1a"}}
    found = question_text(activity(text=text, entities=[BOT_MENTION, other]))
    assert found == "what did Alice Smith say about Raqqa & Mosul?"
    assert len(question_text(activity(text="x" * 5000))) == 2000


def test_hostile_shapes_are_read_without_errors() -> None:
    odd = activity(
        entities="not a list",
        conversation=["not", "an", "object"],
        **{"from": "nobody"},
    )
    assert classify_activity(odd) is MessageKind.IGNORED
    assert event_id(activity(id=None)) is None
