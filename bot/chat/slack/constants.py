"""Slack identifiers and Block Kit limits: action ids, block ids and sizes, never magic strings."""

from __future__ import annotations

from enum import StrEnum

MAX_BLOCKS = 50  # blocks in one message
MAX_SECTION_TEXT = 3000  # characters in a section's text
MAX_HEADER_TEXT = 150  # characters in a header's plain_text
MAX_CONTEXT_ELEMENTS = 10  # elements in one context block
MAX_BUTTON_TEXT = 75  # characters in a button label
MAX_FALLBACK_TEXT = 300  # our cap for the notification text beside the blocks


class ActionId(StrEnum):
    """``action_id`` of interactive elements; the listeners route on these."""

    FEEDBACK_UP = "briefbot_feedback_up"
    FEEDBACK_DOWN = "briefbot_feedback_down"


class BlockId(StrEnum):
    """``block_id`` of blocks a listener or a test looks for (unique within a message)."""

    DIGEST_HEADER = "briefbot_digest_header"
    DIGEST_META = "briefbot_digest_meta"
    DIGEST_CONTINUED = "briefbot_digest_continued"
    BOTTOM_LINE = "briefbot_bottom_line"
    ANSWER = "briefbot_answer"
    FEEDBACK = "briefbot_feedback"
    ERROR = "briefbot_error"
