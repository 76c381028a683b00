"""The JSON object in a model's reply: strict, then a fenced block, then the first object."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

MAX_REPLY_CHARS = 1_000_000
_MAX_STARTS = 32
_FENCED = re.compile(r"```[ \t]*(?:json|JSON)?[ \t]*\r?\n(?P<body>.*?)```", re.DOTALL)


class ReplyNotJSONError(ValueError):
    """The reply holds no JSON object; the message says why in a few words."""


def parse_json_object(text: str, *, max_chars: int = MAX_REPLY_CHARS) -> dict[str, Any]:
    """The JSON object in ``text``.

    Tried in order: the whole text; the body of the first ```json fenced block; the first
    balanced ``{...}`` that parses (found by a scanner that respects strings and escapes).
    Raises ``ReplyNotJSONError`` when none gives an object, or when the text is over ``max_chars``.
    """
    if len(text) > max_chars:
        raise ReplyNotJSONError(f"reply of {len(text)} characters is over the {max_chars} cap")
    for candidate in _candidates(text):
        parsed = _loads(candidate)
        if isinstance(parsed, dict):
            return parsed
    raise ReplyNotJSONError("no JSON object in the reply" if text.strip() else "empty reply")


def _candidates(text: str) -> Iterator[str]:
    yield text
    fenced = _FENCED.search(text)
    if fenced is not None:
        yield fenced["body"]
    yield from find_balanced_objects(text)


def _loads(candidate: str) -> object:
    try:
        return json.loads(candidate)
    except (json.JSONDecodeError, RecursionError):
        return None


def find_balanced_objects(text: str) -> Iterator[str]:
    """The top-level balanced ``{...}`` spans in ``text``, in order; braces inside JSON
    strings (and escaped quotes inside those) do not count. At most ``_MAX_STARTS`` objects
    are tried. An opening brace that never closes ends the search: everything after it is
    inside it, so an object found there would be a fragment of a cut-off reply (say, one
    claim of a reply truncated at max_tokens), not the reply."""
    position = text.find("{")
    for _ in range(_MAX_STARTS):
        if position < 0:
            return
        end = _match_brace(text, position)
        if end is None:
            return
        yield text[position:end]
        position = text.find("{", end)


def _match_brace(text: str, start: int) -> int | None:
    """The index just past the brace closing ``text[start]``, or None if it never closes."""
    depth = 0
    in_string = False
    escaped = False
    for index in range(start, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
    return None
