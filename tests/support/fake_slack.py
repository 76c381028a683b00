"""A loopback fake of the Slack Web API: real HTTP on 127.0.0.1 port 0, recorded calls.

    with FakeSlack(token="xoxb-test") as slack:
        client = WebClient(token="xoxb-test", base_url=slack.base_url)
        slack.fail_next("chat.postMessage", status=429, retry_after=0)  # then answers normally
        client.chat_postMessage(channel="C1", text="hi")
        slack.calls_to("chat.postMessage")

Answers ``POST``/``GET /api/<method>`` for the methods in ``_METHODS`` (what the digest sink and
a bolt app with an ``Assistant`` call: chat.*, reactions.*, conversations.history/replies/info,
assistant.threads.*, the external file upload, auth.test and apps.connections.open), plus the
external upload ``POST /upload/<file_id>`` and response URLs ``POST /response/<id>`` (what
bolt's ``respond()`` posts to, see ``new_response_url``).

Tokens: ``apps.connections.open`` takes only the app token (``app_token``), every other method
only the bot token (``token``), as ``Authorization: Bearer <token>``. The other of the two
answers ``not_allowed_token_type``, as Slack does; none or any other token ``invalid_auth``. An
unknown method answers ``unknown_method``.

``apps.connections.open`` answers ``socket_url`` (see ``attach``) or, when none is set,
``socket_mode_not_attached``.

Stored messages look like Slack's: the bot's carry ``user`` (the bot user), ``bot_id`` and
``app_id``; a message without blocks gets a ``rich_text`` block of its text (as Slack adds, and
bolt's assistant thread-context store reads). A thread's root is stored without ``thread_ts``
(``messages()`` shows it so); the API answers (history, replies) add ``thread_ts``,
``reply_count``, ``reply_users``, ``latest_reply`` and ``reactions`` as Slack does.

Answers are produced on the server's threads: a test that drives an app in the background waits
with ``wait_for(predicate)`` or ``wait_for_calls(method, count)``.
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qsl, urlsplit

from tests.support.loopback import LoopbackFake

Json = dict[str, Any]
T = TypeVar("T")

TEAM_ID = "T0FAKE"
TEAM_NAME = "Fake Workspace"
BOT_USER_ID = "U0BRIEFBOT"
BOT_ID = "B0FAKE"
APP_ID = "A0FAKE"
DEFAULT_USER = "U0USER"
_RECHECK = 0.05  # seconds wait_for waits at most before re-checking its predicate anyway
# Methods Slack answers only for an app-level token (xapp-…).
_APP_TOKEN_METHODS = frozenset({"apps.connections.open"})


@dataclass(frozen=True)
class SlackCall:
    """One request the fake received: the API method (``upload``, ``response``), params and
    headers."""

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
    # per method, the scripted answers of its next calls; None answers normally
    failures: dict[str, deque[Failure | None]] = field(default_factory=lambda: defaultdict(deque))
    ephemerals: list[Json] = field(default_factory=list)
    reactions: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    channels: dict[str, Json] = field(default_factory=dict)
    statuses: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    titles: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    prompts: dict[tuple[str, str], list[list[Json]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    streaming: set[tuple[str, str]] = field(default_factory=set)
    responses: dict[str, list[Json]] = field(default_factory=dict)


class SocketModeServer(Protocol):
    """What ``FakeSlack.attach`` needs of a Socket Mode fake (``FakeSocketMode``)."""

    @property
    def url(self) -> str: ...

    response_url_factory: Callable[[], str] | None


class FakeSlack(LoopbackFake):
    """A threaded fake Slack Web API; ``base_url`` ends in ``/api/`` as WebClient expects."""

    team_id = TEAM_ID
    bot_user_id = BOT_USER_ID
    bot_id = BOT_ID
    app_id = APP_ID

    def __init__(
        self,
        *,
        token: str = "xoxb-fake-token",
        app_token: str = "xapp-fake-token",
        socket_url: str | None = None,
    ) -> None:
        super().__init__(_Handler, name="fake-slack")
        self.token = token
        self.app_token = app_token
        self.socket_url = socket_url
        self.state = FakeSlackState()
        self._lock = threading.Lock()
        self._changed = threading.Condition()
        self._version = 0
        self._file_ids = itertools.count(1)
        self._response_ids = itertools.count(1)
        self._last_micros = 0
        self._stalls: dict[str, deque[float]] = defaultdict(deque)
        self._released = threading.Event()

    @property
    def base_url(self) -> str:
        return f"{self.origin}/api/"

    def attach(self, socket_mode: SocketModeServer) -> None:
        """Answer ``apps.connections.open`` with ``socket_mode``'s URL and let its slash
        commands carry response URLs of this fake."""
        self.socket_url = socket_mode.url
        socket_mode.response_url_factory = self.new_response_url

    # -- what tests read ------------------------------------------------------------------

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
            return copy.deepcopy(self.state.messages[channel])

    def message(self, channel: str, ts: str) -> Json:
        """The stored message ``ts`` of ``channel``; ``KeyError`` when there is none."""
        with self._lock:
            return copy.deepcopy(self._find(channel, ts))

    def replies(self, channel: str, thread_ts: str) -> list[Json]:
        """The replies in the thread of ``thread_ts`` (its root not included), oldest first."""
        return [
            m
            for m in self.messages(channel)
            if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts
        ]

    def reactions(self, channel: str, ts: str) -> set[str]:
        """The reaction names the bot has on message ``ts``."""
        with self._lock:
            return set(self.state.reactions.get((channel, ts), set()))

    def ephemerals(self) -> list[Json]:
        """The ephemeral messages posted: channel, user, text, blocks, thread_ts, message_ts."""
        with self._lock:
            return copy.deepcopy(self.state.ephemerals)

    def statuses(self, channel: str, thread_ts: str) -> list[str]:
        """The assistant thread statuses set (``""`` clears), in order."""
        with self._lock:
            return list(self.state.statuses.get((channel, thread_ts), []))

    def titles(self, channel: str, thread_ts: str) -> list[str]:
        """The assistant thread titles set, in order."""
        with self._lock:
            return list(self.state.titles.get((channel, thread_ts), []))

    def suggested_prompts(self, channel: str, thread_ts: str = "") -> list[list[Json]]:
        """The suggested prompt lists set (each a list of ``{title, message}``), in order."""
        with self._lock:
            return copy.deepcopy(self.state.prompts.get((channel, thread_ts), []))

    def uploads(self) -> dict[str, bytes]:
        """The uploaded file bodies by file id."""
        with self._lock:
            return dict(self.state.uploads)

    def new_response_url(self) -> str:
        """A fresh response URL (as in a slash command or interaction payload) of this fake."""
        response_id = f"R{next(self._response_ids):06d}"
        with self._lock:
            self.state.responses[response_id] = []
        return f"{self.origin}/response/{response_id}"

    def responses(self, response_url: str) -> list[Json]:
        """The JSON bodies posted to ``response_url`` (bolt's ``respond()``), in order."""
        response_id = response_url.rstrip("/").rsplit("/", 1)[-1]
        with self._lock:
            return copy.deepcopy(self.state.responses.get(response_id, []))

    # -- what tests arrange ---------------------------------------------------------------

    def add_user_message(
        self,
        channel: str,
        text: str,
        user: str = DEFAULT_USER,
        *,
        thread_ts: str | None = None,
        blocks: list[Json] | None = None,
    ) -> str:
        """Store a message as if ``user`` had posted it (a thread reply when ``thread_ts``);
        its ``ts``. Sends no event: pass ``message_event(channel, ts)`` to the Socket Mode
        fake for that."""
        with self._lock:
            ts = self._next_ts()
            message: Json = {
                "type": "message",
                "user": user,
                "text": text,
                "ts": ts,
                "team": TEAM_ID,
                "client_msg_id": f"fake-{ts}",
                "blocks": blocks if blocks is not None else _rich_text(text),
            }
            if thread_ts is not None:
                message["thread_ts"] = thread_ts
                self._link_parent(channel, message)
            self.state.messages[channel].append(message)
        self._notify()
        return ts

    def message_event(self, channel: str, ts: str) -> Json:
        """The Events API ``message`` event Slack sends for stored message ``ts``."""
        event = self.message(channel, ts)
        return {**event, "channel": channel, "channel_type": _channel_type(channel), "event_ts": ts}

    def set_channel(self, channel: str, **fields: Any) -> None:
        """Override fields of ``conversations.info`` for ``channel`` (e.g. ``is_member=False``)."""
        with self._lock:
            self.state.channels.setdefault(channel, {}).update(fields)

    def fail_next(
        self,
        method: str,
        *,
        times: int = 1,
        status: int = 429,
        error: str | None = None,
        retry_after: int | None = None,
        after: int = 0,
    ) -> None:
        """Answer ``times`` calls of ``method`` with ``status`` (a 200 with ``ok: false`` and
        ``error`` when status is 200), once ``after`` more calls have been answered normally."""
        code = error or {429: "ratelimited", 200: "fatal_error"}.get(status, "internal_error")
        with self._lock:
            self.state.failures[method].extend([None] * after)
            for _ in range(times):
                self.state.failures[method].append(Failure(status, code, retry_after))

    def stall_next(self, method: str, seconds: float) -> None:
        """Handle the next call of ``method`` at once but hold its response ``seconds`` (or
        until ``close``): the caller waits as if Slack hung, which lets a test kill it there."""
        with self._lock:
            self._stalls[method].append(seconds)

    def close(self) -> None:
        self._released.set()  # stalled responses go out so their threads can be joined
        super().close()

    # -- waiting for background work ------------------------------------------------------

    def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Wait until ``predicate()`` is truthy (re-checked whenever a call is answered or a
        message added, and every 50 ms) and return its value; ``TimeoutError`` after
        ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            with self._changed:
                version = self._version
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"fake Slack: condition not met within {timeout}s")
            with self._changed:
                if self._version == version:  # nothing changed here since predicate() ran
                    # capped: a predicate may also read state this fake doesn't notify about
                    self._changed.wait(min(remaining, _RECHECK))

    def wait_for_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> list[SlackCall]:
        """Wait until ``method`` was called at least ``count`` times; those calls."""
        try:
            return self.wait_for(lambda: _at_least(self.calls_to(method), count), timeout)
        except TimeoutError:
            seen = len(self.calls_to(method))
            raise TimeoutError(
                f"fake Slack: {count} call(s) to {method} expected within {timeout}s, got {seen}"
            ) from None

    # -- serving --------------------------------------------------------------------------

    def handle(self, call: SlackCall) -> tuple[int, Json, dict[str, str]]:
        """Record ``call`` and answer it: (status, JSON body, extra headers)."""
        with self._lock:
            self.state.calls.append(call)
            answer = self._answer(call)
            stalls = self._stalls[call.method]
            stall = stalls.popleft() if stalls else 0.0
        self._notify()
        if stall:
            self._released.wait(stall)
        return answer

    def _answer(self, call: SlackCall) -> tuple[int, Json, dict[str, str]]:
        failures = self.state.failures[call.method]
        failure = failures.popleft() if failures else None
        if failure is not None:
            return _failure_response(failure)
        if call.method == "upload":
            return self._upload(call)
        if call.method == "response":
            return self._response(call)
        error = self._auth_error(call)
        if error is not None:
            return 200, {"ok": False, "error": error}, {}
        handler = _METHODS.get(call.method)
        if handler is None:
            return 404, {"ok": False, "error": "unknown_method"}, {}
        return 200, handler(self, call.params), {}

    def _auth_error(self, call: SlackCall) -> str | None:
        authorization = call.headers.get("authorization", "")
        token = authorization.removeprefix("Bearer ") if authorization.startswith("Bearer ") else ""
        if call.method in _APP_TOKEN_METHODS:
            wanted, other = self.app_token, self.token
        else:
            wanted, other = self.token, self.app_token
        if token == wanted:
            return None
        return "not_allowed_token_type" if token and token == other else "invalid_auth"

    def _notify(self) -> None:
        with self._changed:
            self._version += 1
            self._changed.notify_all()

    def _next_ts(self) -> str:
        # Slack's ts is the post time (microseconds, unique per channel): code that looks in
        # history "since the run was claimed" must find what it posted.
        micros = max(int(time.time() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _find(self, channel: str, ts: str) -> Json:
        for message in self.state.messages.get(channel, []):
            if message["ts"] == ts:
                return message
        raise KeyError(f"no message {ts} in {channel}")

    def _link_parent(self, channel: str, message: Json) -> None:
        """Give a thread reply its root's author as ``parent_user_id``, as Slack does."""
        thread_ts = message.get("thread_ts")
        if thread_ts is None or thread_ts == message["ts"]:
            return
        try:
            user = self._find(channel, thread_ts).get("user")
        except KeyError:
            return
        if user is not None:
            message["parent_user_id"] = user

    def _thread_of(self, channel: str, ts: str) -> list[Json]:
        return [
            m
            for m in self.state.messages.get(channel, [])
            if m["ts"] == ts or m.get("thread_ts") == ts
        ]

    def _public(self, channel: str, message: Json, *, metadata: bool) -> Json:
        """A stored message as Slack's history and replies answer it."""
        out = copy.deepcopy(message)
        if not metadata:
            out.pop("metadata", None)
        ts = message["ts"]
        if message.get("thread_ts", ts) == ts:
            replies = [m for m in self._thread_of(channel, ts) if m["ts"] != ts]
            if replies:
                users = list(dict.fromkeys(str(m.get("user")) for m in replies))
                out.update(
                    thread_ts=ts,
                    reply_count=len(replies),
                    reply_users=users,
                    reply_users_count=len(users),
                    latest_reply=replies[-1]["ts"],
                )
        names = self.state.reactions.get((channel, ts))
        if names:
            out["reactions"] = [
                {"name": name, "users": [BOT_USER_ID], "count": 1} for name in sorted(names)
            ]
        return out

    def _upload(self, call: SlackCall) -> tuple[int, Json, dict[str, str]]:
        file_id = str(call.params["file_id"])
        if file_id not in self.state.uploads:
            return 404, {"ok": False, "error": "unknown_file"}, {}
        self.state.uploads[file_id] = call.body
        return 200, {"ok": True}, {}

    def _response(self, call: SlackCall) -> tuple[int, Json, dict[str, str]]:
        posted = self.state.responses.get(str(call.params["response_id"]))
        if posted is None:
            return 404, {"ok": False, "error": "expired_url"}, {}
        posted.append(json.loads(call.body or b"{}"))
        return 200, {"ok": True}, {}

    # -- chat.* ---------------------------------------------------------------------------

    def post_message(self, params: Json) -> Json:
        channel = str(params.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        message = _message(params, ts=self._next_ts())
        self._link_parent(channel, message)
        self.state.messages[channel].append(message)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    def post_ephemeral(self, params: Json) -> Json:
        channel, user = str(params.get("channel", "")), str(params.get("user", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not user:
            return {"ok": False, "error": "user_not_in_channel"}
        ts = self._next_ts()
        self.state.ephemerals.append(
            {
                "channel": channel,
                "user": user,
                "text": params.get("text"),
                "blocks": _json_value(params.get("blocks")),
                "thread_ts": params.get("thread_ts") or None,
                "message_ts": ts,
            }
        )
        return {"ok": True, "message_ts": ts}

    def update(self, params: Json) -> Json:
        channel, ts = str(params.get("channel", "")), str(params.get("ts", ""))
        try:
            message = self._find(channel, ts)
        except KeyError:
            return {"ok": False, "error": "message_not_found"}
        if message.get("bot_id") != BOT_ID:
            return {"ok": False, "error": "cant_update_message"}
        if "text" in params:
            message["text"] = params["text"]
        blocks = _json_value(params.get("blocks"))
        if blocks:
            message["blocks"] = blocks
        elif "text" in params or "blocks" in params:
            message["blocks"] = _rich_text(message.get("text"))
        if "metadata" in params:
            message["metadata"] = _json_value(params["metadata"])
        message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": message.get("text"),
            "message": copy.deepcopy(message),
        }

    def delete(self, params: Json) -> Json:
        channel, ts = str(params.get("channel", "")), str(params.get("ts", ""))
        try:
            message = self._find(channel, ts)
        except KeyError:
            return {"ok": False, "error": "message_not_found"}
        if message.get("bot_id") != BOT_ID:
            return {"ok": False, "error": "cant_delete_message"}
        self.state.messages[channel].remove(message)
        self.state.reactions.pop((channel, ts), None)
        return {"ok": True, "channel": channel, "ts": ts}

    def get_permalink(self, params: Json) -> Json:
        channel, ts = str(params.get("channel", "")), str(params.get("message_ts", ""))
        if not any(m["ts"] == ts for m in self.state.messages[channel]):
            return {"ok": False, "error": "message_not_found"}
        link = f"https://fake.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def start_stream(self, params: Json) -> Json:
        channel, thread_ts = str(params.get("channel", "")), str(params.get("thread_ts", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not thread_ts:
            return {"ok": False, "error": "invalid_arguments"}
        message = _message({"thread_ts": thread_ts}, ts=self._next_ts())
        message["text"] = _stream_text(params)
        self._link_parent(channel, message)
        self.state.messages[channel].append(message)
        self.state.streaming.add((channel, message["ts"]))
        return {"ok": True, "channel": channel, "ts": message["ts"]}

    def append_stream(self, params: Json) -> Json:
        return self._stream(params, stop=False)

    def stop_stream(self, params: Json) -> Json:
        return self._stream(params, stop=True)

    def _stream(self, params: Json, *, stop: bool) -> Json:
        channel, ts = str(params.get("channel", "")), str(params.get("ts", ""))
        try:
            message = self._find(channel, ts)
        except KeyError:
            return {"ok": False, "error": "message_not_found"}
        if (channel, ts) not in self.state.streaming:
            return {"ok": False, "error": "message_not_in_streaming_state"}
        message["text"] = f"{message.get('text') or ''}{_stream_text(params)}"
        if not stop:
            return {"ok": True, "channel": channel, "ts": ts}
        self.state.streaming.discard((channel, ts))
        blocks = _json_value(params.get("blocks"))
        message["blocks"] = blocks or _rich_text(message["text"])
        if params.get("metadata"):
            message["metadata"] = _json_value(params["metadata"])
        return {"ok": True, "channel": channel, "ts": ts, "message": copy.deepcopy(message)}

    # -- reactions.* ----------------------------------------------------------------------

    def add_reaction(self, params: Json) -> Json:
        key, error = self._reaction_target(params)
        if error is not None:
            return error
        names = self.state.reactions[key]
        name = str(params.get("name", "")).strip(":")
        if name in names:
            return {"ok": False, "error": "already_reacted"}
        names.add(name)
        return {"ok": True}

    def remove_reaction(self, params: Json) -> Json:
        key, error = self._reaction_target(params)
        if error is not None:
            return error
        names = self.state.reactions[key]
        name = str(params.get("name", "")).strip(":")
        if name not in names:
            return {"ok": False, "error": "no_reaction"}
        names.discard(name)
        return {"ok": True}

    def _reaction_target(self, params: Json) -> tuple[tuple[str, str], Json | None]:
        channel, ts = str(params.get("channel", "")), str(params.get("timestamp", ""))
        try:
            self._find(channel, ts)
        except KeyError:
            return (channel, ts), {"ok": False, "error": "message_not_found"}
        if not params.get("name"):
            return (channel, ts), {"ok": False, "error": "invalid_name"}
        return (channel, ts), None

    # -- conversations.* ------------------------------------------------------------------

    def history(self, params: Json) -> Json:
        channel = str(params.get("channel", ""))
        oldest = float(params.get("oldest") or 0)
        limit = int(params.get("limit") or 100)
        metadata = _flag(params.get("include_all_metadata"))
        top = [m for m in self.state.messages[channel] if m.get("thread_ts", m["ts"]) == m["ts"]]
        newest_first = [m for m in reversed(top) if float(m["ts"]) > oldest][:limit]
        listed = [self._public(channel, m, metadata=metadata) for m in newest_first]
        return {"ok": True, "messages": listed, "has_more": False}

    def conversations_replies(self, params: Json) -> Json:
        channel, ts = str(params.get("channel", "")), str(params.get("ts", ""))
        try:
            found = self._find(channel, ts)
        except KeyError:
            return {"ok": False, "error": "thread_not_found"}
        root_ts = str(found.get("thread_ts", ts))
        root, *rest = self._thread_of(channel, root_ts) or [found]
        inclusive = _flag(params.get("inclusive"))
        oldest = float(params.get("oldest") or 0)
        latest = float(params.get("latest") or "inf")

        def within(message: Json) -> bool:
            stamp = float(message["ts"])
            if inclusive:
                return oldest <= stamp <= latest
            return oldest < stamp < latest

        limit = int(params.get("limit") or 1000)
        selected = [root, *[m for m in rest if within(m)]]
        metadata = _flag(params.get("include_all_metadata"))
        listed = [self._public(channel, m, metadata=metadata) for m in selected[:limit]]
        return {"ok": True, "messages": listed, "has_more": len(selected) > limit}

    def conversations_info(self, params: Json) -> Json:
        channel = str(params.get("channel", ""))
        if channel[:1] not in {"C", "D", "G"}:
            return {"ok": False, "error": "channel_not_found"}
        info: Json = {"id": channel, "created": 1_700_000_000, "is_member": True}
        if channel.startswith("D"):
            info.update(
                is_im=True, is_channel=False, is_group=False, is_mpim=False, is_private=True
            )
            info.update(user=DEFAULT_USER, is_user_deleted=False)
        else:
            name = f"channel-{channel.lower()}"
            private = channel.startswith("G")
            info.update(
                name=name,
                name_normalized=name,
                is_im=False,
                is_channel=not private,
                is_group=private,
                is_mpim=False,
                is_private=private,
                is_archived=False,
                is_general=False,
                is_ext_shared=False,
                creator=DEFAULT_USER,
                context_team_id=TEAM_ID,
            )
        info.update(self.state.channels.get(channel, {}))
        return {"ok": True, "channel": info}

    # -- assistant.threads.* --------------------------------------------------------------

    def set_status(self, params: Json) -> Json:
        key, error = _thread_key(params)
        if error is None:
            self.state.statuses[key].append(str(params.get("status", "")))
        return error or {"ok": True}

    def set_title(self, params: Json) -> Json:
        key, error = _thread_key(params)
        if error is None:
            self.state.titles[key].append(str(params.get("title", "")))
        return error or {"ok": True}

    def set_suggested_prompts(self, params: Json) -> Json:
        key, error = _thread_key(params, thread_required=False)
        prompts = _json_value(params.get("prompts"))
        if error is None and not prompts:
            error = {"ok": False, "error": "invalid_arguments"}
        if error is None:
            self.state.prompts[key].append(list(prompts))
        return error or {"ok": True}

    # -- files, auth, apps ----------------------------------------------------------------

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
        return {
            "ok": True,
            "url": "https://fake.slack.com/",
            "team": TEAM_NAME,
            "user": "briefbot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def connections_open(self, params: Json) -> Json:
        if self.socket_url is None:
            return {"ok": False, "error": "socket_mode_not_attached"}
        return {"ok": True, "url": self.socket_url}


_METHODS: dict[str, Callable[[FakeSlack, Json], Json]] = {
    "chat.postMessage": FakeSlack.post_message,
    "chat.postEphemeral": FakeSlack.post_ephemeral,
    "chat.update": FakeSlack.update,
    "chat.delete": FakeSlack.delete,
    "chat.getPermalink": FakeSlack.get_permalink,
    "chat.startStream": FakeSlack.start_stream,
    "chat.appendStream": FakeSlack.append_stream,
    "chat.stopStream": FakeSlack.stop_stream,
    "reactions.add": FakeSlack.add_reaction,
    "reactions.remove": FakeSlack.remove_reaction,
    "conversations.history": FakeSlack.history,
    "conversations.replies": FakeSlack.conversations_replies,
    "conversations.info": FakeSlack.conversations_info,
    "assistant.threads.setStatus": FakeSlack.set_status,
    "assistant.threads.setTitle": FakeSlack.set_title,
    "assistant.threads.setSuggestedPrompts": FakeSlack.set_suggested_prompts,
    "files.getUploadURLExternal": FakeSlack.get_upload_url,
    "files.completeUploadExternal": FakeSlack.complete_upload,
    "auth.test": FakeSlack.auth_test,
    "apps.connections.open": FakeSlack.connections_open,
}


def _at_least(calls: list[SlackCall], count: int) -> list[SlackCall]:
    return calls if len(calls) >= count else []


def _message(params: Json, *, ts: str) -> Json:
    """A message the bot posts, as Slack stores it."""
    message: Json = {
        "type": "message",
        "ts": ts,
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "team": TEAM_ID,
        "text": params.get("text"),
    }
    for key in ("blocks", "thread_ts", "metadata"):
        value = params.get(key)
        if key != "thread_ts":
            value = _json_value(value)  # form-encoded calls send JSON strings
        if value:
            message[key] = value
    if "blocks" not in message:
        message["blocks"] = _rich_text(message["text"])
    return message


def _rich_text(text: object) -> list[Json]:
    """The ``rich_text`` block Slack adds to a message posted without blocks."""
    if not text:
        return []
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": str(text)}]}
    return [{"type": "rich_text", "block_id": "fake", "elements": [section]}]


def _json_value(value: Any) -> Any:
    """A JSON argument: parsed when sent as a string (form-encoded calls)."""
    if isinstance(value, str) and value.strip()[:1] in {"[", "{"}:
        return json.loads(value)
    return value


def _flag(value: Any) -> bool:
    return str(value).lower() in {"1", "true"}


def _channel_type(channel: str) -> str:
    return {"D": "im", "G": "group"}.get(channel[:1], "channel")


def _thread_key(
    params: Json, *, thread_required: bool = True
) -> tuple[tuple[str, str], Json | None]:
    channel, thread_ts = str(params.get("channel_id", "")), str(params.get("thread_ts", ""))
    if not channel:
        return (channel, thread_ts), {"ok": False, "error": "channel_not_found"}
    if thread_required and not thread_ts:
        return (channel, thread_ts), {"ok": False, "error": "invalid_arguments"}
    return (channel, thread_ts), None


def _stream_text(params: Json) -> str:
    """The markdown a chat.*Stream call adds: ``markdown_text`` and markdown_text chunks."""
    chunks = _json_value(params.get("chunks")) or []
    texts = [str(c.get("text", "")) for c in chunks if c.get("type") == "markdown_text"]
    return str(params.get("markdown_text") or "") + "".join(texts)


def _failure_response(failure: Failure) -> tuple[int, Json, dict[str, str]]:
    headers = {} if failure.retry_after is None else {"Retry-After": str(failure.retry_after)}
    return failure.status, {"ok": False, "error": failure.error}, headers


def _parse(path: str, headers: dict[str, str], body: bytes) -> tuple[str, Json]:
    url = urlsplit(path)
    params: Json = dict(parse_qsl(url.query))
    parts = url.path.strip("/").split("/")
    if parts[0] == "upload":
        return "upload", {"file_id": parts[-1]}
    if parts[0] == "response":
        return "response", {"response_id": parts[-1]}
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
