"""A loopback fake of a Teams Workflows webhook ("When a Teams webhook request is received").

    with FakeWorkflows() as teams:
        httpx.post(teams.webhook_url, json=envelope)   # 202, recorded in teams.posts
        teams.answer_next(429, retry_after="1")        # the next request is throttled

It checks what the real flow needs: POST to the workflow's path with its signature, a JSON
``message`` with exactly one Adaptive Card attachment (version 1.4 or later) and at most
28,000 bytes. A valid post answers 202 Accepted with an empty body, as Workflows does; an
invalid one 400 with the reason, a wrong path 404 and a wrong signature 401.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.loopback import LoopbackFake

WORKFLOW_PATH = "/workflows/0f1e2d3c4b5a/triggers/manual/paths/invoke"
SIGNATURE = "fake-signature-s3cr3t"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MAX_BYTES = 28_000
MIN_CARD_VERSION = (1, 4)

Answer = tuple[int, bytes, dict[str, str]]  # status, body, extra headers


@dataclass(frozen=True)
class Received:
    """One request as the fake saw it, with the status it answered."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass(frozen=True)
class Scripted:
    """An answer to give the next request instead of checking it."""

    status: int
    retry_after: str | None = None
    stall: float = 0.0  # seconds of silence before answering (to time a client out)


class FakeWorkflows(LoopbackFake):
    """A Workflows webhook on 127.0.0.1: validates envelopes, records posts, can be scripted."""

    def __init__(self) -> None:
        super().__init__(_Handler, name="fake-workflows")
        self.requests: list[Received] = []
        self.posts: list[dict[str, Any]] = []  # the envelopes it accepted, parsed
        self._script: deque[Scripted] = deque()
        self._lock = threading.Lock()

    @property
    def webhook_url(self) -> str:
        """The URL a Teams channel owner would copy from the workflow (signature included)."""
        query = f"api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={SIGNATURE}"
        return f"{self.origin}{WORKFLOW_PATH}?{query}"

    def answer_next(
        self, status: int, *, retry_after: str | None = None, stall: float = 0.0, times: int = 1
    ) -> None:
        """Answer the next ``times`` requests with ``status`` (and a Retry-After header),
        after ``stall`` seconds of silence."""
        with self._lock:
            self._script.extend(Scripted(status, retry_after, stall) for _ in range(times))

    def cards(self) -> list[dict[str, Any]]:
        """The Adaptive Cards of the accepted posts, oldest first."""
        return [post["attachments"][0]["content"] for post in self.posts]

    def receive(self, path: str, headers: dict[str, str], body: bytes) -> Answer:
        """The status, body and headers to answer a POST with; records it first (a stalled
        answer is recorded before its silence)."""
        with self._lock:
            scripted = self._script.popleft() if self._script else None
        if scripted is not None:
            extra = {"Retry-After": scripted.retry_after} if scripted.retry_after else {}
            answer = (scripted.status, b'{"error":"scripted"}', extra)
        else:
            answer = self._check(path, headers, body)
        with self._lock:
            self.requests.append(Received(path, headers, body, answer[0]))
            if answer[0] == 202:
                self.posts.append(json.loads(body))
        if scripted is not None and scripted.stall:
            self.stopping.wait(scripted.stall)
        return answer

    def _check(self, path: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(path)
        if parts.path != WORKFLOW_PATH:
            return 404, b'{"error":"no such workflow"}', {}
        if parse_qs(parts.query).get("sig") != [SIGNATURE]:
            return 401, b'{"error":"bad signature"}', {}
        problem = envelope_problem(headers.get("content-type", ""), body)
        if problem is not None:
            return 400, json.dumps({"error": problem}).encode(), {}
        return 202, b"", {}


def envelope_problem(content_type: str, body: bytes) -> str | None:
    """Why ``body`` is not a message a Workflows flow can post, or None when it is."""
    if not content_type.startswith("application/json"):
        return f"content type {content_type!r} is not JSON"
    if len(body) > MAX_BYTES:
        return f"payload is {len(body)} bytes, over {MAX_BYTES}"
    try:
        payload = json.loads(body)
    except ValueError:
        return "body is not JSON"
    if not isinstance(payload, dict) or payload.get("type") != "message":
        return "type is not 'message'"
    attachments = payload.get("attachments")
    if not isinstance(attachments, list) or len(attachments) != 1:
        return "there is not exactly one attachment"
    attachment = attachments[0]
    if not isinstance(attachment, dict) or attachment.get("contentType") != CARD_CONTENT_TYPE:
        return "the attachment is not an Adaptive Card"
    return card_problem(attachment.get("content"))


def card_problem(card: object) -> str | None:
    """Why ``card`` is not an Adaptive Card of version 1.4 or later, or None."""
    if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
        return "content is not an AdaptiveCard"
    try:
        version = tuple(int(part) for part in str(card.get("version", "")).split("."))
    except ValueError:
        return "the card has no readable version"
    if version < MIN_CARD_VERSION:
        return f"card version {card.get('version')} is older than 1.4"
    if not isinstance(card.get("body"), list):
        return "the card has no body"
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        fake: FakeWorkflows = self.server.fake  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        headers = {name.lower(): value for name, value in self.headers.items()}
        status, answer, extra = fake.receive(self.path, headers, body)
        self.close_connection = True
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a client gave up
            self._answer(status, answer, extra)

    def _answer(self, status: int, answer: bytes, extra: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **extra}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""
