"""Pure readers: which Slack events are questions, and how /briefbot text is parsed."""

from __future__ import annotations

from typing import Any

import pytest

from bot.chat.slack.commands import Verb, parse_command
from bot.chat.slack.events import MessageKind, classify_message, event_id, read_question
from bot.domain.errors import ChatError

BOT = "U0BRIEFBOT"


def message(**fields: Any) -> dict[str, Any]:
    base = {"type": "message", "user": "U1", "text": "how many?", "ts": "2.0", "channel": "C1"}
    return {**base, **fields}


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        (message(channel_type="im", channel="D1"), MessageKind.DIRECT),
        (message(channel_type="channel", thread_ts="1.0"), MessageKind.THREAD_REPLY),
        (message(channel_type="channel"), MessageKind.IGNORED),  # top level, no mention
        (message(channel_type="channel", thread_ts="2.0"), MessageKind.IGNORED),  # the root
        (message(thread_ts="1.0", text=f"<@{BOT}> again?"), MessageKind.IGNORED),  # app_mention
        (message(channel_type="im", bot_id="B0FAKE"), MessageKind.IGNORED),  # Briefbot itself
        (message(channel_type="im", subtype="bot_message"), MessageKind.IGNORED),
        (message(channel_type="im", subtype="message_changed"), MessageKind.IGNORED),
        (message(channel_type="im", subtype="channel_join"), MessageKind.IGNORED),
        (message(channel_type="im", text="   "), MessageKind.IGNORED),
        (message(channel_type="im", user=None), MessageKind.IGNORED),
        (message(channel_type="im", subtype="file_share"), MessageKind.DIRECT),
    ],
)
def test_messages_are_classified(event: dict[str, Any], kind: MessageKind) -> None:
    assert classify_message(event, bot_user_id=BOT) is kind


def test_a_mention_is_answered_in_its_thread_without_the_mention() -> None:
    asked = read_question(message(text=f"<@{BOT}>  How many\nfighters? <@U2|ann>", ts="5.0"))
    assert asked.question.text == "How many fighters?"
    assert asked.reply_thread == "5.0"
    assert asked.question.where.thread == "5.0"
    inside = read_question(message(ts="6.0", thread_ts="5.0"))
    assert inside.reply_thread == "5.0"
    assert inside.message_ts == "6.0"


def test_a_top_level_dm_is_answered_at_top_level() -> None:
    asked = read_question(message(channel="D1", channel_type="im"), in_dm=True)
    assert asked.reply_thread is None
    assert asked.question.is_dm


def test_an_oversized_question_is_cut() -> None:
    asked = read_question(message(text="word " * 5000))
    assert len(asked.question.text) <= 2000


def test_event_ids_come_from_the_envelope_or_the_client_message_id() -> None:
    assert event_id({"event_id": "Ev1", "event": {}}) == "Ev1"
    assert event_id({"event": {"client_msg_id": "abc"}}) == "msg:abc"
    assert event_id({"event": "not a dict"}) is None


@pytest.mark.parametrize(
    ("text", "verb", "value"),
    [
        ("", Verb.HELP, ""),
        ("help", Verb.HELP, ""),
        ("ask How many fighters?", Verb.ASK, "How many fighters?"),
        ("How many fighters?", Verb.ASK, "How many fighters?"),
        ("ask", Verb.HELP, ""),
        ("digest now", Verb.DIGEST, ""),
        ("DIGEST", Verb.DIGEST, ""),
        ("claims", Verb.CLAIMS, ""),
        ("sources", Verb.SOURCES, ""),
    ],
)
def test_commands_are_parsed(text: str, verb: Verb, value: str) -> None:
    command = parse_command(text)
    assert command.verb is verb
    assert command.text == value


def test_subscribe_takes_an_escaped_channel_time_zone_and_days() -> None:
    command = parse_command("subscribe <#C0123ABC|policy> 07:30 America/New_York mon-fri")
    assert command.verb is Verb.SUBSCRIBE
    assert (command.channel, command.at, command.timezone, command.days) == (
        "C0123ABC",
        "07:30",
        "America/New_York",
        "mon-fri",
    )
    here = parse_command("subscribe 08:00 Europe/London")
    assert here.channel is None
    assert here.days == "*"


def test_unsubscribe_takes_an_optional_channel() -> None:
    assert parse_command("unsubscribe").channel is None
    assert parse_command("unsubscribe <#G0PRIVATE>").channel == "G0PRIVATE"


@pytest.mark.parametrize(
    "text",
    [
        "subscribe",
        "subscribe 07:30",
        "subscribe #policy 07:30 UTC",
        "digest later",
        "unsubscribe x",
    ],
)
def test_malformed_commands_say_how_to_write_them(text: str) -> None:
    with pytest.raises(ChatError) as caught:
        parse_command(text)
    assert "\n" not in str(caught.value)
