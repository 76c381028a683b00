"""The OpenAI chat-completions and embeddings wire format: request bodies and reply fields."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MAX_ERROR_DETAIL = 200
_RESPONSE_FORMAT_WORDS = ("response_format", "json_schema", "json_object", "structured output")
_TRUNCATED = "length"


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """What a chat call asks for, independent of the structured-output mode."""

    messages: Sequence[dict[str, str]]
    schema: dict[str, Any]
    schema_name: str
    max_tokens: int | None
    temperature: float


@dataclass(frozen=True, slots=True)
class Completion:
    """The first choice's text and the call's usage."""

    text: str
    tokens_in: int
    tokens_out: int
    finish_reason: str | None = None

    @property
    def truncation_note(self) -> str:
        """' (the reply was cut at max_tokens)' when the server says so, else ''."""
        return " (the reply was cut at max_tokens)" if self.finish_reason == _TRUNCATED else ""


def build_chat_body(model: str, request: ChatRequest, *, mode: str) -> dict[str, Any]:
    """The JSON body of ``/chat/completions`` for the structured-output ``mode``."""
    body: dict[str, Any] = {
        "model": model,
        "messages": list(request.messages),
        "temperature": request.temperature,
    }
    if request.max_tokens is not None:
        body["max_tokens"] = request.max_tokens
    if mode == "json_schema":
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": request.schema_name, "schema": request.schema, "strict": True},
        }
    elif mode == "json_object":
        body["response_format"] = {"type": "json_object"}
    return body


def read_completion(data: dict[str, Any]) -> Completion:
    """The text and usage of a chat-completions reply; ``ValueError`` when it has neither shape
    nor text (a refusal counts as no text)."""
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ValueError("reply has no choices")
    message = choices[0].get("message")
    if not isinstance(message, dict):
        raise ValueError("reply has no message")
    refusal = message.get("refusal")
    if isinstance(refusal, str) and refusal:
        raise ValueError(f"the model refused: {refusal[:MAX_ERROR_DETAIL]}")
    content = message.get("content")
    text = content if isinstance(content, str) else ""
    usage = data.get("usage")
    usage = usage if isinstance(usage, dict) else {}
    finish = choices[0].get("finish_reason")
    return Completion(
        text=text,
        tokens_in=_count(usage, "prompt_tokens"),
        tokens_out=_count(usage, "completion_tokens"),
        finish_reason=finish if isinstance(finish, str) else None,
    )


def _count(usage: dict[str, Any], name: str) -> int:
    value = usage.get(name)
    return value if isinstance(value, int) and value >= 0 else 0


def read_embeddings(data: dict[str, Any], expected: int) -> list[list[float]]:
    """The vectors of an embeddings reply in input order; ``ValueError`` on a wrong shape."""
    items = data.get("data")
    if not isinstance(items, list) or len(items) != expected:
        raise ValueError(f"expected {expected} embeddings")
    ordered = sorted(items, key=lambda item: item.get("index", 0) if isinstance(item, dict) else 0)
    vectors: list[list[float]] = []
    for item in ordered:
        vector = item.get("embedding") if isinstance(item, dict) else None
        if not isinstance(vector, list) or not all(isinstance(x, int | float) for x in vector):
            raise ValueError("an embedding is not a list of numbers")
        vectors.append([float(x) for x in vector])
    return vectors


def describe_error_body(text: str) -> str:
    """The server's error message (OpenAI ``{"error": {"message": ...}}`` or raw text), short."""
    message = text
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error", data.get("detail", data.get("message")))
        if isinstance(error, dict):
            error = error.get("message", error)
        message = str(error) if error is not None else text
    message = " ".join(message.split())
    return message[:MAX_ERROR_DETAIL] or "no detail"


def mentions_response_format(text: str) -> bool:
    """Whether a 400's body blames the response_format (an unsupported structured output)."""
    lowered = text.lower()
    return any(word in lowered for word in _RESPONSE_FORMAT_WORDS)
