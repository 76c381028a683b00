"""A loopback fake of Slack's Socket Mode server: a WebSocket endpoint on 127.0.0.1 port 0.

    with FakeSlack() as slack, FakeSocketMode() as sm:
        slack.attach(sm)  # apps.connections.open answers sm.url
        client = SocketModeClient(app_token=slack.app_token,
                                  web_client=WebClient(base_url=slack.base_url))
        try:
            client.connect()
            sm.wait_connected()
            envelope_id = sm.send_event({"type": "app_mention", "text": "hi", ...})
            ack = sm.wait_ack(envelope_id)  # {"envelope_id": …} and "payload" if any
        finally:
            close_client(client)  # before the fakes: a client that sees its server go reconnects

Speaks RFC 6455 itself (the ``websockets`` library isn't installed; the standard library is
enough): the opening handshake, unmasked server frames, masked client frames, ping/pong, close.
Like Slack it sends ``hello`` on connect, envelopes (``events_api``, ``slash_commands``,
``interactive``) as text frames, ``disconnect`` on request, and answers the client's pings.

It also pings every client every ``ping_interval`` seconds, as Slack does: slack_sdk's builtin
client holds its receive lock in a ``recv`` with a 3 s timeout, and closing it (or replacing a
connection after ``disconnect``) waits for that ``recv`` to return; frequent pings keep that
short. ``close()`` sends each open connection a close frame (1001) and joins every thread.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tests.support.loopback import LoopbackFake

if TYPE_CHECKING:
    from slack_sdk.socket_mode.builtin import SocketModeClient

Json = dict[str, Any]

TEAM_ID = "T0FAKE"
APP_ID = "A0FAKE"
BOT_USER_ID = "U0BRIEFBOT"
DEFAULT_USER = "U0USER"
DEFAULT_CHANNEL = "C0FAKE"
WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONTINUATION, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA
_POLL = 0.02  # seconds a connection thread waits for data before checking its flags


@dataclass(eq=False)  # links compare and hash by identity
class _Link:
    """One client connection, served on its own handler thread."""

    number: int
    sock: socket.socket
    send_lock: threading.Lock = field(default_factory=threading.Lock)
    closing: tuple[int, str] | None = None  # set by another thread: close with (code, reason)
    open: bool = True

    def send(self, opcode: int, data: bytes = b"") -> bool:
        """Send one unmasked frame; False when the connection is gone."""
        with self.send_lock:
            try:
                self.sock.sendall(_frame(opcode, data))
            except OSError:
                self.open = False
                return False
            return True


class FakeSocketMode(LoopbackFake):
    """A threaded Socket Mode server; ``url`` is what ``apps.connections.open`` answers."""

    def __init__(
        self,
        *,
        team_id: str = TEAM_ID,
        app_id: str = APP_ID,
        bot_user_id: str = BOT_USER_ID,
        ping_interval: float | None = 0.1,
    ) -> None:
        super().__init__(_Handler, name="fake-socket-mode")
        self.team_id = team_id
        self.app_id = app_id
        self.bot_user_id = bot_user_id
        self.ping_interval = ping_interval
        self.response_url_factory: Callable[[], str] | None = None
        self._changed = threading.Condition()
        self._links: list[_Link] = []
        self._numbers = itertools.count(1)
        self._total = 0
        self._envelopes: list[Json] = []
        self._acks: dict[str, Json] = {}
        self._received: list[Json] = []
        self._pongs = 0
        self._event_ids = itertools.count(1)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link"

    # -- what tests read ------------------------------------------------------------------

    @property
    def connected(self) -> int:
        """How many clients are connected now."""
        with self._changed:
            return len(self._links)

    @property
    def total_connections(self) -> int:
        """How many connections were ever accepted (reconnects count)."""
        with self._changed:
            return self._total

    @property
    def envelopes(self) -> list[Json]:
        """The envelopes sent, in order."""
        with self._changed:
            return list(self._envelopes)

    @property
    def received(self) -> list[Json]:
        """Every JSON text frame clients sent (acks included), in order."""
        with self._changed:
            return list(self._received)

    @property
    def pongs(self) -> int:
        """How many pongs clients sent to this server's pings."""
        with self._changed:
            return self._pongs

    def ack(self, envelope_id: str) -> Json | None:
        """The ack a client sent for ``envelope_id``, if any yet."""
        with self._changed:
            return self._acks.get(envelope_id)

    def wait_connected(self, timeout: float = 5.0, *, total: int = 1) -> None:
        """Wait until a client is connected and ``total`` connections were accepted."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._links and self._total >= total, timeout):
                raise TimeoutError(
                    f"fake Socket Mode: {total} connection(s) expected within {timeout}s, "
                    f"got {self._total} ({len(self._links)} open)"
                )

    def wait_disconnected(self, timeout: float = 5.0) -> None:
        """Wait until no client is connected."""
        with self._changed:
            if not self._changed.wait_for(lambda: not self._links, timeout):
                raise TimeoutError(f"fake Socket Mode: clients still connected after {timeout}s")

    def wait_ack(self, envelope_id: str, timeout: float = 5.0) -> Json:
        """Wait for the client's ack of ``envelope_id``: ``{"envelope_id": …}`` plus
        ``"payload"`` when the app answered with one."""
        with self._changed:
            if not self._changed.wait_for(lambda: envelope_id in self._acks, timeout):
                raise TimeoutError(
                    f"fake Socket Mode: no ack for envelope {envelope_id} within {timeout}s"
                )
            return self._acks[envelope_id]

    # -- what tests send ------------------------------------------------------------------

    def send_envelope(
        self,
        envelope_type: str,
        payload: Json,
        *,
        accepts_response_payload: bool = False,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        envelope_id: str | None = None,
        timeout: float = 5.0,
    ) -> str:
        """Send one envelope to the newest connection (waiting up to ``timeout`` for one); its
        envelope id. Pass the id of an earlier envelope to redeliver it."""
        envelope: Json = {
            "envelope_id": envelope_id or str(uuid.uuid4()),
            "payload": payload,
            "type": envelope_type,
            "accepts_response_payload": accepts_response_payload,
        }
        if retry_attempt is not None:
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason or ""
        self._send_json(envelope, timeout=timeout)
        with self._changed:
            self._envelopes.append(envelope)
        return str(envelope["envelope_id"])

    def send_event(
        self,
        payload: Json,
        *,
        envelope_type: str = "events_api",
        retry_attempt: int = 0,
        retry_reason: str = "",
        envelope_id: str | None = None,
        timeout: float = 5.0,
    ) -> str:
        """Send an Events API envelope; its envelope id.

        ``payload`` is either a whole ``event_callback`` body or just the event (a dict with an
        event ``type`` such as ``message`` or ``app_mention``), which is wrapped in one with
        team, app, event id and the bot's authorization, as Slack does.
        """
        if envelope_type == "events_api" and "event" not in payload:
            payload = self.event_callback(payload)
        return self.send_envelope(
            envelope_type,
            payload,
            retry_attempt=retry_attempt if envelope_type == "events_api" else None,
            retry_reason=retry_reason,
            envelope_id=envelope_id,
            timeout=timeout,
        )

    def send_slash_command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str = DEFAULT_USER,
        channel_id: str = DEFAULT_CHANNEL,
        response_url: str | None = None,
        **extra: Any,
    ) -> str:
        """Send a ``slash_commands`` envelope (it accepts a response payload); its envelope id.
        ``response_url`` defaults to the attached fake Slack's (``FakeSlack.attach``), else to
        an address that never resolves."""
        if response_url is None:
            factory = self.response_url_factory
            response_url = factory() if factory else "https://hooks.slack.invalid/commands/1"
        payload: Json = {
            "token": "fake-verification-token",
            "team_id": self.team_id,
            "team_domain": "fake",
            "channel_id": channel_id,
            "channel_name": "directmessage" if channel_id.startswith("D") else "fake-channel",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{next(self._event_ids)}.fake.trigger",
            **extra,
        }
        return self.send_envelope("slash_commands", payload, accepts_response_payload=True)

    def send_interactive(
        self, payload: Json, *, accepts_response_payload: bool | None = None
    ) -> str:
        """Send an ``interactive`` envelope (block_actions, view_submission, shortcut, …); its
        envelope id. Team, app and token are filled in when missing; a response payload is
        accepted for view_submission and block_suggestion unless told otherwise."""
        body: Json = {
            "token": "fake-verification-token",
            "team": {"id": self.team_id, "domain": "fake"},
            "api_app_id": self.app_id,
            "is_enterprise_install": False,
            **payload,
        }
        if accepts_response_payload is None:
            accepts_response_payload = body.get("type") in {"view_submission", "block_suggestion"}
        return self.send_envelope(
            "interactive", body, accepts_response_payload=accepts_response_payload
        )

    def send_disconnect(self, reason: str = "refresh_requested", *, timeout: float = 5.0) -> None:
        """Ask the client to reconnect, as Slack does before it drops a connection."""
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}}
        self._send_json(message, timeout=timeout)

    def drop_connections(
        self, code: int = 1001, reason: str = "going away", *, timeout: float = 5.0
    ) -> None:
        """Close every connection with a close frame and wait until they are gone."""
        with self._changed:
            links = list(self._links)
            for link in links:
                link.closing = (code, reason)
            gone = self._changed.wait_for(lambda: not set(links) & set(self._links), timeout)
        if not gone:
            raise TimeoutError(f"fake Socket Mode: connections still open after {timeout}s")

    def event_callback(self, event: Json) -> Json:
        """``event`` in the ``event_callback`` body Slack sends for it."""
        number = next(self._event_ids)
        now = time.time()
        event = {"event_ts": event.get("ts") or f"{now:.6f}", **event}
        return {
            "token": "fake-verification-token",
            "team_id": self.team_id,
            "api_app_id": self.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{number:08d}",
            "event_time": int(now),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-fake-{number}",
        }

    # -- serving --------------------------------------------------------------------------

    def _send_json(self, message: Json, *, timeout: float) -> None:
        data = json.dumps(message).encode()
        deadline = time.monotonic() + timeout
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._links, max(deadline - time.monotonic(), 0))
                link = max(self._links, key=lambda link: link.number, default=None)
            if link is None:
                raise TimeoutError(f"fake Socket Mode: no client connected within {timeout}s")
            if link.send(OP_TEXT, data):
                return
            self._forget(link)  # it went away while we sent: try the next newest

    def serve_link(self, sock: socket.socket) -> None:
        """Serve one upgraded connection until the client leaves or the fake closes."""
        with self._changed:
            link = _Link(next(self._numbers), sock)
        sock.settimeout(_POLL)
        hello = {
            "type": "hello",
            "num_connections": self.connected + 1,
            "debug_info": {"host": "applink-fake", "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id},
        }
        if not link.send(OP_TEXT, json.dumps(hello).encode()):
            return
        with self._changed:
            self._links.append(link)
            self._total += 1
            self._changed.notify_all()
        try:
            self._read(link)
        finally:
            self._forget(link)

    def _forget(self, link: _Link) -> None:
        link.open = False
        with self._changed:
            if link in self._links:
                self._links.remove(link)
            self._changed.notify_all()

    def _read(self, link: _Link) -> None:
        buffer = bytearray()
        fragments: list[bytes] = []
        next_ping = time.monotonic() + (self.ping_interval or 0)
        pings = itertools.count(1)
        while link.open:
            if self.stopping.is_set() and link.closing is None:
                link.closing = (1001, "server shutting down")
            if link.closing is not None:
                code, reason = link.closing
                link.send(OP_CLOSE, struct.pack("!H", code) + reason.encode())
                return
            if self.ping_interval is not None and time.monotonic() >= next_ping:
                link.send(OP_PING, f"fake-ping-{next(pings)}".encode())
                next_ping = time.monotonic() + self.ping_interval
            try:
                chunk = link.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                return  # the client closed its socket (slack_sdk's builtin client never says)
            buffer += chunk
            while (frame := _parse_frame(buffer)) is not None:
                fin, opcode, data = frame
                if opcode in {OP_TEXT, OP_BINARY, OP_CONTINUATION}:
                    fragments.append(data)
                    if fin:
                        self._on_message(b"".join(fragments))
                        fragments.clear()
                elif opcode == OP_PING:
                    link.send(OP_PONG, data)
                elif opcode == OP_PONG:
                    with self._changed:
                        self._pongs += 1
                elif opcode == OP_CLOSE:
                    link.send(OP_CLOSE, data[:2])
                    return

    def _on_message(self, data: bytes) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            message = {"text": data.decode(errors="replace")}
        if not isinstance(message, dict):
            message = {"value": message}
        with self._changed:
            self._received.append(message)
            envelope_id = message.get("envelope_id")
            if isinstance(envelope_id, str):
                self._acks.setdefault(envelope_id, message)
            self._changed.notify_all()


def close_client(client: SocketModeClient) -> None:
    """Close slack_sdk's builtin ``SocketModeClient`` (or a bolt ``SocketModeHandler``'s
    ``.client``) without its idle wait: ``close()`` joins a thread blocked up to 1 s in
    ``message_queue.get(timeout=1)``; a ``None`` in the queue (which it skips) wakes it."""
    client.closed = True
    client.message_queue.put(None)
    client.close()


def _frame(opcode: int, data: bytes) -> bytes:
    """A final, unmasked frame (servers never mask)."""
    head = bytes([0x80 | opcode])
    if len(data) < 126:
        head += bytes([len(data)])
    elif len(data) < 1 << 16:
        head += bytes([126]) + struct.pack("!H", len(data))
    else:
        head += bytes([127]) + struct.pack("!Q", len(data))
    return head + data


def _parse_frame(buffer: bytearray) -> tuple[bool, int, bytes] | None:
    """Take one complete frame off the front of ``buffer``: (fin, opcode, unmasked data)."""
    if len(buffer) < 2:
        return None
    fin, opcode = bool(buffer[0] & 0x80), buffer[0] & 0x0F
    masked, length = bool(buffer[1] & 0x80), buffer[1] & 0x7F
    offset = 2
    if length == 126:
        if len(buffer) < 4:
            return None
        (length,) = struct.unpack_from("!H", buffer, 2)
        offset = 4
    elif length == 127:
        if len(buffer) < 10:
            return None
        (length,) = struct.unpack_from("!Q", buffer, 2)
        offset = 10
    mask = b""
    if masked:
        mask = bytes(buffer[offset : offset + 4])
        offset += 4
    if len(buffer) < offset + length:
        return None
    data = bytes(buffer[offset : offset + length])
    del buffer[: offset + length]
    if masked:
        data = bytes(byte ^ mask[i % 4] for i, byte in enumerate(data))
    return fin, opcode, data


def _accept_key(key: str) -> str:
    digest = hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()
    return base64.b64encode(digest).decode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        fake: FakeSocketMode = self.server.fake  # type: ignore[attr-defined]
        self.close_connection = True
        path = urlsplit(self.path).path
        key = self.headers.get("Sec-WebSocket-Key", "")
        upgrade = self.headers.get("Upgrade", "").lower() == "websocket"
        if not (path == "/link" or path.startswith("/link/")):
            self._refuse(404, "not found")
            return
        if not upgrade or not key or self.headers.get("Sec-WebSocket-Version") != "13":
            self._refuse(400, "a WebSocket upgrade (version 13) expected")
            return
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", _accept_key(key))
        self.end_headers()
        # The client sends nothing before it reads this answer (RFC 6455 4.1), so no frame
        # bytes sit in rfile's buffer: the raw socket is read from here on.
        fake.serve_link(self.request)

    def _refuse(self, status: int, message: str) -> None:
        data = message.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""
