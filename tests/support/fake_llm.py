"""A loopback OpenAI-compatible fake: scripted replies, recorded requests, real sockets on port 0.

    with FakeLLMServer() as llm:
        llm.enqueue({"claims": []})                  # a JSON reply (the message content)
        llm.enqueue("```json\\n{...}\\n```")           # any text as the content
        llm.enqueue_error(429, retry_after="2")        # an HTTP error
        client = OpenAICompatibleClient(httpx.Client(), LLMConfig(llm.base_url, "fake-model"))

Replies are used in order, one per chat request (like simonw/llm's ``enqueue()``); when the
queue is empty ``default`` answers (a 500 unless set). ``reject_json_schema`` answers 400 to any
request whose response_format is json_schema, as servers without structured output do, without
using a queued reply; ``reject_json_object`` does the same for json_object. Paths ending in
``/chat/completions`` or ``/embeddings`` are served under any prefix (``/v1``, Azure's
``/openai/deployments/NAME``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.loopback import LoopbackFake

CHAT_PATH = "/chat/completions"
EMBEDDINGS_PATH = "/embeddings"
EMBEDDING_SIZE = 8


@dataclass(frozen=True)
class FakeReply:
    """One scripted answer.

    ``content`` becomes the first choice's message content in an OpenAI envelope with
    ``usage``; ``body`` replaces the whole response body; ``stall`` is seconds of silence before
    the status line (to trip client timeouts); ``hold`` is seconds spent "generating" (to
    observe concurrency).
    """

    content: str | None = None
    status: int = 200
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    stall: float = 0.0
    hold: float = 0.0
    prompt_tokens: int = 100
    completion_tokens: int = 20
    finish_reason: str = "stop"


@dataclass(frozen=True)
class FakeRequest:
    """A request the fake received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> dict[str, Any]:
        return dict(json.loads(self.raw))

    @property
    def user_message(self) -> str:
        """The last user message's content (chat requests)."""
        users = [m["content"] for m in self.json["messages"] if m["role"] == "user"]
        return str(users[-1])

    @property
    def response_format_type(self) -> str | None:
        response_format = self.json.get("response_format")
        return None if response_format is None else str(response_format["type"])


def error_reply(status: int, message: str = "", *, retry_after: str | None = None) -> FakeReply:
    """An OpenAI-style error body with ``status`` (and a Retry-After header when given)."""
    body = json.dumps({"error": {"message": message or f"HTTP {status}", "type": "fake"}})
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return FakeReply(status=status, body=body.encode(), headers=headers)


class FakeLLMServer(LoopbackFake):
    """A threaded HTTP/1.1 server on 127.0.0.1 speaking enough of the OpenAI API for tests."""

    def __init__(
        self,
        *,
        default: FakeReply | None = None,
        reject_json_schema: bool = False,
        reject_json_object: bool = False,
    ) -> None:
        super().__init__(_Handler, name="fake-llm")
        self.default = default or error_reply(500, "fake LLM: no reply queued")
        self.reject_json_schema = reject_json_schema
        self.reject_json_object = reject_json_object
        self.requests: list[FakeRequest] = []
        self.max_in_flight = 0
        self._queue: deque[FakeReply] = deque()
        self._lock = threading.Lock()
        self._in_flight = 0

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL, ending in /v1."""
        return f"{self.origin}/v1"

    @property
    def chat_requests(self) -> list[FakeRequest]:
        return [r for r in self.requests if r.path.endswith(CHAT_PATH)]

    def enqueue(self, *replies: FakeReply | dict[str, Any] | str) -> None:
        """Queue replies: a dict is sent as JSON content, a str as raw content."""
        with self._lock:
            self._queue.extend(_as_reply(reply) for reply in replies)

    def enqueue_error(
        self, status: int, message: str = "", *, retry_after: str | None = None
    ) -> None:
        self.enqueue(error_reply(status, message, retry_after=retry_after))

    def answer(self, request: FakeRequest) -> tuple[FakeReply, bytes]:
        """Record ``request`` and choose the reply and its body."""
        with self._lock:
            self.requests.append(request)
        if request.path.endswith(EMBEDDINGS_PATH):
            return FakeReply(), _embeddings_body(request)
        if not request.path.endswith(CHAT_PATH):
            return FakeReply(status=404), b'{"error": {"message": "not found"}}'
        rejection = self._rejection(request)
        if rejection is not None:
            return rejection, rejection.body or b""
        with self._lock:
            reply = self._queue.popleft() if self._queue else self.default
        return reply, reply.body if reply.body is not None else _chat_body(request, reply)

    def _rejection(self, request: FakeRequest) -> FakeReply | None:
        kind = request.response_format_type
        if (kind == "json_schema" and self.reject_json_schema) or (
            kind == "json_object" and self.reject_json_object
        ):
            return error_reply(400, f"response_format type {kind} is not supported")
        return None

    def enter_flight(self) -> None:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def leave_flight(self) -> None:
        with self._lock:
            self._in_flight -= 1


def _as_reply(reply: FakeReply | dict[str, Any] | str) -> FakeReply:
    if isinstance(reply, FakeReply):
        return reply
    if isinstance(reply, dict):
        return FakeReply(content=json.dumps(reply))
    return FakeReply(content=reply)


def _chat_body(request: FakeRequest, reply: FakeReply) -> bytes:
    envelope = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "model": request.json.get("model", ""),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.content},
                "finish_reason": reply.finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        },
    }
    return json.dumps(envelope).encode()


def _embeddings_body(request: FakeRequest) -> bytes:
    """A deterministic vector per input, from its sha256 (equal texts, equal vectors)."""
    inputs = request.json["input"]
    data = [
        {"object": "embedding", "index": i, "embedding": _vector(str(text))}
        for i, text in enumerate(inputs)
    ]
    usage = {"prompt_tokens": len(inputs), "total_tokens": len(inputs)}
    return json.dumps({"object": "list", "data": data, "usage": usage}).encode()


def _vector(text: str) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    return [byte / 255 for byte in digest[:EMBEDDING_SIZE]]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        fake: FakeLLMServer = self.server.fake  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        parts = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = FakeRequest("POST", parts.path, parse_qs(parts.query), headers, raw)
        reply, body = fake.answer(request)
        self.close_connection = True
        fake.enter_flight()
        try:
            if fake.stopping.wait(reply.stall + reply.hold):
                return
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._send(reply, body)
        finally:
            fake.leave_flight()

    def _send(self, reply: FakeReply, body: bytes) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""
