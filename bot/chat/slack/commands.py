"""``/briefbot``: parsing the command text, and the help text. Pure: no Slack calls here.

With ``should_escape: true`` in the manifest Slack sends ``#channel`` as ``<#C123|name>`` and
``@user`` as ``<@U123|name>``; the parser takes the ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.errors import ChatError

_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
_RAW_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,}$")
MAX_COMMAND_CHARS = 2000


class Verb(StrEnum):
    """What ``/briefbot`` was asked to do."""

    ASK = "ask"
    DIGEST = "digest"
    CLAIMS = "claims"
    SOURCES = "sources"
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    HELP = "help"


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed ``/briefbot`` command."""

    verb: Verb
    text: str = ""  # the question, for ASK
    channel: str | None = None  # SUBSCRIBE/UNSUBSCRIBE: the channel named, else None (here)
    at: str | None = None
    timezone: str | None = None
    days: str = "*"


HELP_TEXT = "\n".join(
    (
        "*Briefbot* answers from the collected reports and statements, with cited passages.",
        "• `/briefbot ask <question>`: an answer with numbered, verified sources",
        "• `/briefbot digest now`: post this channel's digest now",
        "• `/briefbot claims`: declarations of victory and the latest evidence on each",
        "• `/briefbot sources`: which sources are healthy",
        "• `/briefbot subscribe #channel 07:30 America/New_York [mon-fri]`: a daily digest",
        "• `/briefbot unsubscribe [#channel]`: stop it",
        "Mention @Briefbot or message it directly to ask; reply in a digest's thread to ask "
        "about that digest.",
    )
)


def parse_command(text: str) -> Command:
    """The command in ``text``; a bare question is an ASK. Raises ``ChatError`` with a
    one-line reason for a malformed subscribe or digest command."""
    words = " ".join(text.split())[:MAX_COMMAND_CHARS].split(" ")
    head, rest = words[0].casefold(), [w for w in words[1:] if w]
    if head in ("", "help", "?"):
        return Command(Verb.HELP)
    if head == Verb.ASK:
        return Command(Verb.ASK, text=" ".join(rest)) if rest else Command(Verb.HELP)
    if head == Verb.DIGEST:
        if rest and rest[0].casefold() != "now":
            raise ChatError("usage: /briefbot digest now")
        return Command(Verb.DIGEST)
    if head in (Verb.CLAIMS, Verb.SOURCES):
        return Command(Verb(head))
    if head == Verb.SUBSCRIBE:
        return _parse_subscribe(rest)
    if head == Verb.UNSUBSCRIBE:
        return Command(Verb.UNSUBSCRIBE, channel=_channel(rest[0]) if rest else None)
    return Command(Verb.ASK, text=" ".join(words))


def _parse_subscribe(words: list[str]) -> Command:
    channel = None
    if words and (words[0].startswith(("<#", "#")) or _RAW_CHANNEL.match(words[0])):
        channel, words = _channel(words[0]), words[1:]
    if len(words) not in (2, 3):
        raise ChatError(
            "usage: /briefbot subscribe [#channel] HH:MM Area/City [mon-fri] "
            "(e.g. /briefbot subscribe #policy 07:30 America/New_York mon-fri)"
        )
    days = words[2] if len(words) == 3 else "*"
    return Command(Verb.SUBSCRIBE, channel=channel, at=words[0], timezone=words[1], days=days)


def _channel(word: str) -> str:
    escaped = _CHANNEL.match(word)
    if escaped:
        return escaped.group(1)
    if _RAW_CHANNEL.match(word):
        return word
    raise ChatError(f"{word[:40]!r} is not a channel: pick one with # (e.g. #policy)")
