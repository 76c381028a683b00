"""Pure readers of Slack event payloads: which messages are questions, and where they live.

Slack sends a mention in a channel twice (``app_mention`` and ``message``); Briefbot answers
the ``app_mention`` and lets the ``message`` copy go. Messages from bots (Briefbot included),
edits, deletions and joins are never questions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.domain.conversation import ThreadRef
from bot.domain.subscriptions import Platform
from bot.services.ask import MAX_QUESTION_CHARS
from bot.services.conversation import Question

_USER_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
# Subtypes of a person's message that carry a question (file shares have text too).
_PERSON_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})


class MessageKind(StrEnum):
    """What a ``message`` event is to Briefbot."""

    IGNORED = "ignored"  # a bot's message, an edit, a join, a mention handled elsewhere
    DIRECT = "direct"  # a question in a direct message
    THREAD_REPLY = "thread_reply"  # a reply in a channel thread (answered if Briefbot follows it)


@dataclass(frozen=True, slots=True)
class SlackQuestion:
    """A question read from an event, with the message to react to while answering."""

    question: Question
    message_ts: str  # the asking message (for the progress reaction)
    reply_thread: str | None  # where the answer goes (None: top level of a DM)


def is_from_a_bot(event: Mapping[str, Any]) -> bool:
    """A bot's message (Briefbot's own included) or a message with a bot subtype."""
    return bool(event.get("bot_id") or event.get("bot_profile")) or (
        event.get("subtype") == "bot_message"
    )


def classify_message(event: Mapping[str, Any], *, bot_user_id: str | None) -> MessageKind:
    """Whether a ``message`` event is a DM question, a channel thread reply, or nothing."""
    if is_from_a_bot(event) or event.get("subtype") not in _PERSON_SUBTYPES:
        return MessageKind.IGNORED
    if not event.get("user") or not str(event.get("text") or "").strip():
        return MessageKind.IGNORED
    if event.get("channel_type") == "im":
        return MessageKind.DIRECT
    if bot_user_id and f"<@{bot_user_id}" in str(event.get("text") or ""):
        return MessageKind.IGNORED  # the app_mention copy of this message is answered
    thread = event.get("thread_ts")
    if thread and thread != event.get("ts"):
        return MessageKind.THREAD_REPLY
    return MessageKind.IGNORED


def read_question(event: Mapping[str, Any], *, in_dm: bool = False) -> SlackQuestion:
    """The question in a mention, DM or thread reply, with mentions removed.

    In a channel the answer goes in the message's thread (a new thread under a top-level
    mention); in a DM it goes where the question was (top level or its thread).
    """
    channel = str(event.get("channel") or "")
    ts = str(event.get("ts") or "")
    thread = event.get("thread_ts")
    root = str(thread) if thread else (None if in_dm else ts)
    return SlackQuestion(
        question=Question(
            where=ThreadRef(platform=Platform.SLACK, channel=channel, thread=root),
            text=question_text(str(event.get("text") or "")),
            user_id=str(event["user"]) if event.get("user") else None,
            is_dm=in_dm,
        ),
        message_ts=ts,
        reply_thread=root,
    )


def question_text(text: str) -> str:
    """The text without ``<@U…>`` mentions, whitespace collapsed, capped in length."""
    return " ".join(_USER_MENTION.sub(" ", text).split())[:MAX_QUESTION_CHARS]


def event_id(body: Mapping[str, Any]) -> str | None:
    """The Events API ``event_id`` (the same on every redelivery), else the client message id."""
    found = body.get("event_id")
    if found:
        return str(found)
    event = body.get("event") or {}
    message_id = event.get("client_msg_id") if isinstance(event, Mapping) else None
    return f"msg:{message_id}" if message_id else None
