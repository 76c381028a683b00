"""Pure readers of Teams message activities: which messages are questions, and where they live.

Teams delivers a channel message to a bot only when it @mentions the bot (unless the app has
resource-specific consent to read every message); a 1:1 (personal) chat delivers everything;
a group chat delivers mentions. Briefbot answers:

- every person's message in a personal chat;
- a channel or group-chat message that mentions Briefbot (a ``mention`` entity naming the
  activity's recipient, not merely ``<at>`` text);
- an unmentioned reply in a channel thread, when one arrives, if Briefbot follows that thread
  (the caller asks ``ConversationService.follows``).

A channel message's ``conversation.id`` names its thread: ``19:…@thread.tacv2;messageid=<root>``.
That whole id is the ``ThreadRef.thread``; the part before ``;messageid=`` is the channel.
Non-message activities, messages from bots (Briefbot included) and empty texts are never
questions.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from microsoft_agents.activity import Activity

from bot.domain.conversation import ThreadRef
from bot.domain.subscriptions import Platform
from bot.services.ask import MAX_QUESTION_CHARS
from bot.services.conversation import Question

THREAD_MARKER = ";messageid="
PERSONAL = "personal"
CHANNEL = "channel"
BOT_ID_PREFIX = "28:"  # Teams ids of bots (Briefbot's own recipient id too)
_AT_TAG = re.compile(r"<at[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_ANY_TAG = re.compile(r"<[^>]{0,200}>")

ActivityLike = Activity | Mapping[str, Any]


class MessageKind(StrEnum):
    """What a message activity is to Briefbot."""

    IGNORED = "ignored"  # not a message, a bot's message, empty, or not addressed to Briefbot
    PERSONAL = "personal"  # a question in a 1:1 chat
    MENTION = "mention"  # a channel or group-chat message that mentions Briefbot
    THREAD_REPLY = "thread_reply"  # an unmentioned channel reply (answered if Briefbot follows)


@dataclass(frozen=True, slots=True)
class TeamsQuestion:
    """A question read from an activity, with the id it is deduplicated by."""

    question: Question
    kind: MessageKind
    event_id: str | None  # the activity id within its conversation (None: no id to dedupe on)


def as_mapping(activity: ActivityLike) -> Mapping[str, Any]:
    """The activity as its wire JSON (camelCase keys), whichever form it came in."""
    if isinstance(activity, Activity):
        return activity.model_dump(by_alias=True, mode="json", exclude_none=True)
    return activity


def classify_activity(activity: ActivityLike) -> MessageKind:
    """Whether a message activity is a personal question, a mention, a thread reply, or nothing."""
    body = as_mapping(activity)
    if body.get("type") != "message" or is_from_a_bot(body):
        return MessageKind.IGNORED
    if not _field(body, "from", "id") or not question_text(body):
        return MessageKind.IGNORED
    kind = _conversation_type(body)
    if kind == PERSONAL:
        return MessageKind.PERSONAL
    if mentions_recipient(body):
        return MessageKind.MENTION
    if kind == CHANNEL and _is_reply(body):
        return MessageKind.THREAD_REPLY
    return MessageKind.IGNORED


def read_question(activity: ActivityLike, kind: MessageKind) -> TeamsQuestion:
    """The question in a message ``classify_activity`` called ``kind``, mentions removed."""
    body = as_mapping(activity)
    is_dm = kind is MessageKind.PERSONAL
    return TeamsQuestion(
        question=Question(
            where=thread_of(body),
            text=question_text(body),
            user_id=user_id(body),
            is_dm=is_dm,
        ),
        kind=kind,
        event_id=event_id(body),
    )


def thread_of(activity: ActivityLike) -> ThreadRef:
    """Where the message lives: a channel thread (the whole ``conversation.id``), or the top
    of a personal or group chat (no thread)."""
    body = as_mapping(activity)
    conversation = str(_field(body, "conversation", "id") or "")
    if _conversation_type(body) != CHANNEL:
        return ThreadRef(platform=Platform.TEAMS, channel=conversation, thread=None)
    channel, _, root = conversation.partition(THREAD_MARKER)
    root = root or str(body.get("id") or "")  # a top-level post without its id starts a thread
    thread = f"{channel}{THREAD_MARKER}{root}" if root else None
    return ThreadRef(platform=Platform.TEAMS, channel=channel, thread=thread)


def question_text(activity: ActivityLike) -> str:
    """The text without Briefbot's mention (other ``<at>`` mentions keep their names), tags
    and entities resolved, whitespace collapsed, capped in length."""
    body = as_mapping(activity)
    text = str(body.get("text") or "")
    for mention in _recipient_mentions(body):
        if mention.get("text"):
            text = text.replace(str(mention["text"]), " ")
    text = _AT_TAG.sub(r"\1", text)
    text = html.unescape(_ANY_TAG.sub(" ", text))
    return " ".join(text.split())[:MAX_QUESTION_CHARS]


def is_from_a_bot(activity: ActivityLike) -> bool:
    """A bot's message: the sender's role is ``bot``, its id is a bot id, or it is Briefbot."""
    body = as_mapping(activity)
    sender = str(_field(body, "from", "id") or "")
    return (
        _field(body, "from", "role") == "bot"
        or sender.startswith(BOT_ID_PREFIX)
        or (bool(sender) and sender == _field(body, "recipient", "id"))
    )


def mentions_recipient(activity: ActivityLike) -> bool:
    """Whether a ``mention`` entity names the activity's recipient (Briefbot)."""
    return bool(_recipient_mentions(as_mapping(activity)))


def user_id(activity: ActivityLike) -> str | None:
    """The asker: their Entra object id (stable across chats), else their Teams user id."""
    body = as_mapping(activity)
    found = _field(body, "from", "aadObjectId") or _field(body, "from", "id")
    return str(found) if found else None


def event_id(activity: ActivityLike) -> str | None:
    """The activity id (the same on every redelivery), scoped by its conversation, since Teams
    ids are unique only within one."""
    body = as_mapping(activity)
    found = body.get("id")
    if not found:
        return None
    conversation = str(_field(body, "conversation", "id") or "")
    return f"{conversation.partition(THREAD_MARKER)[0]}/{found}"


def _recipient_mentions(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    recipient = _field(body, "recipient", "id")
    if not recipient:
        return []
    entities = body.get("entities")
    return [
        entity
        for entity in (entities if isinstance(entities, list) else [])
        if isinstance(entity, Mapping)
        and entity.get("type") == "mention"
        and _field(entity, "mentioned", "id") == recipient
    ]


def _conversation_type(body: Mapping[str, Any]) -> str:
    found = _field(body, "conversation", "conversationType")
    if found:
        return str(found)
    return CHANNEL if _field(body, "channelData", "channel", "id") else ""


def _is_reply(body: Mapping[str, Any]) -> bool:
    """A channel message that is not its thread's root post."""
    conversation = str(_field(body, "conversation", "id") or "")
    root = conversation.partition(THREAD_MARKER)[2]
    return bool(root) and root != str(body.get("id") or "")


def _field(body: Mapping[str, Any], *path: str) -> Any:
    """``body[a][b]…`` or None where any step is missing or not an object."""
    found: Any = body
    for key in path:
        if not isinstance(found, Mapping):
            return None
        found = found.get(key)
    return found
