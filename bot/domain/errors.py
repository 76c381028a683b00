"""The one exception tree for Briefbot.

Adapters translate library exceptions into these (``raise FetchError(...) from exc``); only the
edges (CLI commands, chat listeners, scheduled jobs) catch them broadly and show the one-line
message. Every message names the thing that failed and why, on one line.

    BriefbotError
    ├── ConfigError          a setting is missing or wrong
    ├── SubscriptionError    a subscription request is invalid (time, zone, days, channel)
    ├── SourceError          one source could not be read
    │   ├── FetchError       HTTP, safety rules (scheme, size, redirects, address)
    │   └── ExtractError     the body is not a usable feed, page or PDF
    ├── StorageError         the database could not be opened or written
    ├── AnalysisError        an analyzer could not produce a result
    │   └── LLMError         the LLM endpoint failed or answered garbage
    └── ChatError            a chat platform refused or failed a call
"""

from __future__ import annotations


class BriefbotError(Exception):
    """Base class: ``str(err)`` is a one-line, user-presentable reason."""

    def __str__(self) -> str:
        text = super().__str__()
        return " ".join(text.split())


class ConfigError(BriefbotError):
    """A setting is missing or has a wrong value."""


class SubscriptionError(BriefbotError):
    """A subscription request is invalid (time, time zone, days, channel, platform)."""


class SourceError(BriefbotError):
    """A source could not be read."""


class FetchError(SourceError):
    """Fetching a URL failed or was refused by a safety rule."""


class ExtractError(SourceError):
    """A fetched body could not be turned into text."""


class StorageError(BriefbotError):
    """The database could not be opened or written."""


class AnalysisError(BriefbotError):
    """An analyzer could not produce a result."""


class LLMError(AnalysisError):
    """The LLM endpoint failed or answered something unusable."""


class ChatError(BriefbotError):
    """A chat platform refused or failed a call."""
