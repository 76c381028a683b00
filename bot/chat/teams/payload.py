"""The message a Teams Workflows webhook takes: one Adaptive Card in an attachment, as JSON.

A Teams message holds about 28 KB; the whole serialized message (UTF-8 JSON, as it is sent)
is measured against ``MAX_PAYLOAD_BYTES`` by the renderers, which trim a card until it fits.
"""

from __future__ import annotations

import json
from typing import Any

MAX_PAYLOAD_BYTES = 28_000
PAYLOAD_LIMIT_LABEL = "28 KB"  # how the trim note names the limit
ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"  # Teams renders 1.5 in channels; 1.4 is the least a Workflows flow needs

Card = dict[str, Any]
Element = dict[str, Any]


def build_card(body: list[Element]) -> Card:
    """An Adaptive Card as wide as the channel (``msteams.width`` Full) around ``body``."""
    return {
        "$schema": CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "msteams": {"width": "Full"},
        "body": body,
    }


def wrap_in_message(card: Card) -> dict[str, Any]:
    """The Workflows envelope: a ``message`` with the card as its only attachment."""
    return {
        "type": "message",
        "attachments": [
            {"contentType": ADAPTIVE_CARD_CONTENT_TYPE, "contentUrl": None, "content": card}
        ],
    }


def encode_message(card: Card) -> bytes:
    """The enveloped card as the bytes that are posted: compact UTF-8 JSON."""
    text = json.dumps(wrap_in_message(card), ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8")


def message_size(card: Card) -> int:
    """Bytes of the enveloped card as posted."""
    return len(encode_message(card))
