"""A loopback fake of the Slack Web API: real HTTP on 127.0.0.1 port 0, recorded calls.

    with FakeSlack(token="xoxb-test") as slack:
        client = WebClient(token="xoxb-test", base_url=slack.base_url)
        slack.fail_next("chat.postMessage", status=429, retry_after=0)  # then answers normally
        client.chat_postMessage(channel="C1", text="hi")
        slack.calls_to("chat.postMessage")

Answers ``POST``/``GET /api/<method>`` for chat.postMessage, chat.getPermalink,
conversations.history, files.getUploadURLExternal, files.completeUploadExternal and auth.test,
plus the external upload ``POST /upload/<file_id>``. A call without ``Authorization: Bearer
<token>`` answers ``invalid_auth``; an unknown method answers ``unknown_method``.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.support.loopback import LoopbackFake

Json = dict[str, Any]


@dataclass(frozen=True)
class SlackCall:
    """One request the fake received: the API method (or ``upload``), params and headers."""

    method: str
    params: Json
    headers: dict[str, str]
    body: bytes = b""


@dataclass(frozen=True)
class Failure:
    """A scripted answer for one call: an HTTP status, a Slack error code, a Retry-After."""

    status: int
    error: str
    retry_after: int | None = None


@dataclass
class FakeSlackState:
    """What the fake has seen and stored."""

    calls: list[SlackCall] = field(default_factory=list)
    messages: dict[str, list[Json]] = field(default_factory=lambda: defaultdict(list))
    uploads: dict[str, bytes] = field(default_factory=dict)
    failures: dict[str, deque[Failure]] = field(default_factory=lambda: defaultdict(deque))


class FakeSlack(LoopbackFake):
    """A threaded fake Slack Web API; ``base_url`` ends in ``/api/`` as WebClient expects."""

    def __init__(self, *, token: str = "xoxb-fake-token") -> None:
        super().__init__(_Handler, name="fake-slack")
        self.token = token
        self.state = FakeSlackState()
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._file_ids = itertools.count(1)

    @property
    def base_url(self) -> str:
        return f"{self.origin}/api/"

    @property
    def calls(self) -> list[SlackCall]:
        with self._lock:
            return list(self.state.calls)

    def calls_to(self, method: str) -> list[SlackCall]:
        """The recorded calls of one API method, in order."""
        return [call for call in self.calls if call.method == method]

    def messages(self, channel: str) -> list[Json]:
        """The messages posted to ``channel`` (thread replies included), oldest first."""
        with self._lock:
            return list(self.state.messages[channel])

    def uploads(self) -> dict[str, bytes]:
        """The uploaded file bodies by file id."""
        with self._lock:
            return dict(self.state.uploads)

    def fail_next(
        self,
        method: str,
        *,
        times: int = 1,
        status: int = 429,
        error: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with ``status`` (a 200 with ``ok:
        false`` and ``error`` when status is 200)."""
        code = error or {429: "ratelimited", 200: "fatal_error"}.get(status, "internal_error")
        with self._lock:
            for _ in range(times):
                self.state.failures[method].append(Failure(status, code, retry_after))

    def handle(self, call: SlackCall) -> tuple[int, Json, dict[str, str]]:
        """Record ``call`` and answer it: (status, JSON body, extra headers)."""
        with self._lock:
            self.state.calls.append(call)
            failures = self.state.failures[call.method]
            failure = failures.popleft() if failures else None
            if failure is not None:
                return _failure_response(failure)
            if call.method == "upload":
                return self._upload(call)
            if call.headers.get("authorization") != f"Bearer {self.token}":
                return 200, {"ok": False, "error": "invalid_auth"}, {}
            handler = _METHODS.get(call.method)
            if handler is None:
                return 404, {"ok": False, "error": "unknown_method"}, {}
            return 200, handler(self, call.params), {}

    def _upload(self, call: SlackCall) -> tuple[int, Json, dict[str, str]]:
        file_id = str(call.params["file_id"])
        if file_id not in self.state.uploads:
            return 404, {"ok": False, "error": "unknown_file"}, {}
        self.state.uploads[file_id] = call.body
        return 200, {"ok": True}, {}

    def post_message(self, params: Json) -> Json:
        channel = str(params.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        number = next(self._ts)
        message = _message(params, ts=f"{1_700_000_000 + number}.{number:06d}")
        self.state.messages[channel].append(message)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    def get_permalink(self, params: Json) -> Json:
        channel, ts = str(params.get("channel", "")), str(params.get("message_ts", ""))
        if not any(m["ts"] == ts for m in self.state.messages[channel]):
            return {"ok": False, "error": "message_not_found"}
        link = f"https://fake.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def history(self, params: Json) -> Json:
        channel = str(params.get("channel", ""))
        oldest = float(params.get("oldest") or 0)
        limit = int(params.get("limit") or 100)
        metadata = str(params.get("include_all_metadata", "")).lower() in {"1", "true"}
        top = [m for m in self.state.messages[channel] if m.get("thread_ts", m["ts"]) == m["ts"]]
        newest_first = [m for m in reversed(top) if float(m["ts"]) > oldest][:limit]
        if not metadata:
            newest_first = [{k: v for k, v in m.items() if k != "metadata"} for m in newest_first]
        return {"ok": True, "messages": newest_first, "has_more": False}

    def get_upload_url(self, params: Json) -> Json:
        file_id = f"F{next(self._file_ids):08d}"
        self.state.uploads[file_id] = b""
        return {"ok": True, "file_id": file_id, "upload_url": f"{self.origin}/upload/{file_id}"}

    def complete_upload(self, params: Json) -> Json:
        files = json.loads(str(params.get("files", "[]")))
        missing = [f["id"] for f in files if not self.state.uploads.get(f["id"])]
        if missing:
            return {"ok": False, "error": "file_not_uploaded"}
        listed = [{"id": f["id"], "title": f.get("title")} for f in files]
        return {"ok": True, "files": listed}

    def auth_test(self, params: Json) -> Json:
        return {"ok": True, "team_id": "T0FAKE", "user_id": "U0BRIEFBOT", "bot_id": "B0FAKE"}


_METHODS = {
    "chat.postMessage": FakeSlack.post_message,
    "chat.getPermalink": FakeSlack.get_permalink,
    "conversations.history": FakeSlack.history,
    "files.getUploadURLExternal": FakeSlack.get_upload_url,
    "files.completeUploadExternal": FakeSlack.complete_upload,
    "auth.test": FakeSlack.auth_test,
}


def _message(params: Json, *, ts: str) -> Json:
    message: Json = {"type": "message", "ts": ts, "bot_id": "B0FAKE", "text": params.get("text")}
    for key in ("blocks", "thread_ts", "metadata"):
        value = params.get(key)
        if isinstance(value, str) and key != "thread_ts":
            value = json.loads(value)  # form-encoded calls send JSON strings
        if value is not None:
            message[key] = value
    return message


def _failure_response(failure: Failure) -> tuple[int, Json, dict[str, str]]:
    headers = {} if failure.retry_after is None else {"Retry-After": str(failure.retry_after)}
    return failure.status, {"ok": False, "error": failure.error}, headers


def _parse(path: str, headers: dict[str, str], body: bytes) -> tuple[str, Json]:
    url = urlsplit(path)
    params: Json = dict(parse_qsl(url.query))
    parts = url.path.strip("/").split("/")
    if parts[0] == "upload":
        return "upload", {"file_id": parts[-1]}
    kind = headers.get("content-type", "")
    if body and kind.startswith("application/json"):
        params.update(json.loads(body))
    elif body and kind.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(body.decode()))
    return parts[-1], params


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        fake: FakeSlack = self.server.fake  # type: ignore[attr-defined]
        headers = {k.lower(): v for k, v in self.headers.items()}
        body = self.rfile.read(int(headers.get("content-length") or 0))
        method, params = _parse(self.path, headers, body)
        status, payload, extra = fake.handle(SlackCall(method, params, headers, body))
        data = json.dumps(payload).encode()
        self.close_connection = True
        self.send_response(status)
        for name, value in {**extra, "Content-Type": "application/json"}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""
