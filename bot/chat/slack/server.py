"""Running the bolt app: HTTP mode under waitress (``/slack/events``, ``/healthz``) or Socket Mode.

HTTP mode verifies every request's signature with bolt's verifier (a forged signature or a
timestamp more than five minutes off gets 401 and nothing runs); bodies over 1 MiB are
refused by waitress before bolt reads them. With an ``EventQueue``, signed event callbacks are
acknowledged before bolt runs them, and bad signatures refused before any parsing (see
``intake``).
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from waitress.server import create_server

from bot.chat.slack.intake import EventQueue, Intake

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 1024 * 1024  # Slack's payloads are a few KB
# Slack sends bursts (a busy channel, redeliveries); waitress's default of 100 open connections
# made later requests wait in the listen backlog under 200 concurrent mentions.
CONNECTION_LIMIT = 1000
Health = Callable[[], str | None]  # None when healthy, else what is wrong


def build_wsgi_app(
    app: App, *, health: Health, events: EventQueue | None = None
) -> WSGIApplication:
    """``POST /slack/events`` to bolt (event callbacks to ``events`` first, when given),
    ``GET /healthz`` to ``health``; 404 elsewhere."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == HEALTH_PATH and method == "GET":
            return _health(health, start_response)
        if events is not None and path == EVENTS_PATH and method == "POST":
            data = _read_body(environ)
            body = data.decode("utf-8", errors="replace")  # a bad byte fails the signature
            intake = events.take(body, WsgiHttpRequest(environ).get_headers())
            if intake is not Intake.FOR_BOLT:
                return _answer(intake, start_response)
            environ["wsgi.input"] = io.BytesIO(data)  # unread, for bolt's adapter
        return slack(environ, start_response)

    return wsgi


_INTAKE_ANSWERS = {
    Intake.ACKNOWLEDGED: ("200 OK", b""),
    Intake.UNSIGNED: ("401 Unauthorized", b'{"error": "invalid request"}'),
    Intake.MALFORMED: ("400 Bad Request", b'{"error": "malformed request body"}'),
}


def _answer(intake: Intake, start_response: StartResponse) -> list[bytes]:
    status, body = _INTAKE_ANSWERS[intake]
    headers = [("Content-Length", str(len(body)))]
    if body:
        headers.append(("Content-Type", "application/json"))
    start_response(status, headers)
    return [body] if body else []


def _read_body(environ: WSGIEnvironment) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return b""
    return bytes(environ["wsgi.input"].read(length)) if length > 0 else b""


def _health(health: Health, start_response: StartResponse) -> list[bytes]:
    problem = health()
    status = "200 OK" if problem is None else "503 Service Unavailable"
    body = json.dumps({"status": "ok" if problem is None else "unavailable", "problem": problem})
    data = body.encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


class HttpServer:
    """The WSGI app under waitress on ``host:port`` (0 picks a free port); ``events``, when
    given, is closed after the server."""

    def __init__(
        self,
        wsgi: WSGIApplication,
        *,
        host: str,
        port: int,
        threads: int,
        events: EventQueue | None = None,
    ) -> None:
        self._events = events
        self._server: Any = create_server(
            wsgi,
            host=host,
            port=port,
            threads=threads,
            max_request_body_size=MAX_BODY_BYTES,
            connection_limit=CONNECTION_LIMIT,
            ident="briefbot",
            clear_untrusted_proxy_headers=True,
        )

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def host(self) -> str:
        return str(self._server.effective_host)

    def serve_forever(self) -> None:
        """Serve until ``close`` (or an exception such as SystemExit from a signal)."""
        self._server.run()

    def close(self) -> None:
        self._server.close()
        if self._events is not None:
            self._events.close()


class SocketModeRunner:
    """The bolt app over Socket Mode: no public URL; Slack pushes events over a websocket."""

    def __init__(self, app: App, *, app_token: str) -> None:
        self._handler = SocketModeHandler(app, app_token=app_token)
        self._stopped = threading.Event()

    def serve_forever(self) -> None:
        """Connect and block until ``close``."""
        self._handler.connect()  # type: ignore[no-untyped-call]
        self._stopped.wait()

    def close(self) -> None:
        self._stopped.set()
        self._handler.close()  # type: ignore[no-untyped-call]
