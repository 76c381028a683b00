"""Running the bolt app: HTTP mode under waitress (``/slack/events``, ``/healthz``) or Socket Mode.

HTTP mode verifies every request's signature with bolt's verifier (a forged signature or a
timestamp more than five minutes off gets 401 and nothing runs); bodies over 1 MiB are
refused by waitress before bolt reads them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import create_server

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 1024 * 1024  # Slack's payloads are a few KB
# Slack sends bursts (a busy channel, redeliveries); waitress's default of 100 open connections
# made later requests wait in the listen backlog under 200 concurrent mentions.
CONNECTION_LIMIT = 1000
Health = Callable[[], str | None]  # None when healthy, else what is wrong


def build_wsgi_app(app: App, *, health: Health) -> WSGIApplication:
    """``POST /slack/events`` to bolt, ``GET /healthz`` to ``health``; 404 elsewhere."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            return _health(health, start_response)
        return slack(environ, start_response)

    return wsgi


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
    """The WSGI app under waitress on ``host:port`` (0 picks a free port)."""

    def __init__(self, wsgi: WSGIApplication, *, host: str, port: int, threads: int) -> None:
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
