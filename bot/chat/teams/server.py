"""Serving the Teams agent: ``POST /api/messages`` behind the SDK's JWT check, ``GET /healthz``.

Every request to ``/api/messages`` is authenticated by the Agents SDK's JWT validation against
the bot's app id (and tenant): no token, a malformed header or a token that doesn't verify is
refused with 401 before the body is read. Anonymous requests are accepted only when
``allow_anonymous`` is set for local testing (a warning is logged at start-up). Replies go
out with a token for the app id, secret and tenant (MSAL).

The activity's ``serviceUrl`` (where replies are sent) must be a Microsoft host over https
(the SDK's ``OutboundHostValidator``), so a forged activity can't point Briefbot at another
server; local testing tools on loopback are allowed only with anonymous access.

The server runs an aiohttp app on its own event loop in the thread that calls
``serve_forever`` (no signal handlers), so it can serve beside the Slack server; ``close`` may
be called from any thread. Bodies over 1 MiB are refused with 413, bodies that are not an
activity with 400.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import json
import logging
import socket
import threading
import warnings
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import cast

from aiohttp import web
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_decorator
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    Connections,
    OutboundHostValidator,
    TurnState,
)
from pydantic import ValidationError
from yarl import URL

from bot.chat.teams.bot import TeamsResponder, build_agent_application
from bot.domain.errors import ConfigError
from bot.services.conversation import ConversationService

logger = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 1024 * 1024  # Teams activities are a few KB
DEFAULT_WORKERS = 4
SERVICE_CONNECTION = "SERVICE_CONNECTION"  # the SDK's name for the default connection
AUTH_CONFIGURATION_KEY = "agent_configuration"  # where the SDK's JWT check looks in the app
SDK_MODULES = r"microsoft_agents\."
Health = Callable[[], str | None]  # None when healthy, else what is wrong
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ANONYMOUS_WARNING = (
    "Teams: BRIEFBOT_TEAMS_ALLOW_ANONYMOUS is set: /api/messages accepts requests without a "
    "token and loopback service URLs. Use this for local testing only, never in production."
)


class LoopbackServiceUrls(OutboundHostValidator):
    """Microsoft's hosts (https) as in production, and also http(s) on loopback: where local
    testing tools (Agents Playground, Bot Framework Emulator, test fakes) take replies."""

    def __init__(self) -> None:
        super().__init__(enabled=True)

    def is_allowed(self, url: str | URL) -> bool:
        return is_loopback_url(url) or super().is_allowed(url)


def is_loopback_url(url: str | URL) -> bool:
    """``http(s)://`` to localhost, 127.0.0.0/8 or ::1, without user info."""
    try:
        parsed = URL(str(url))
    except ValueError:
        return False
    if parsed.scheme not in ("http", "https") or parsed.user or not parsed.host:
        return False
    if parsed.host == "localhost":
        return True
    try:
        return ipaddress.ip_address(parsed.host).is_loopback
    except ValueError:
        return False


def build_auth_configuration(
    *, app_id: str | None, app_password: str | None, tenant_id: str | None, allow_anonymous: bool
) -> AgentAuthConfiguration:
    """The SDK's configuration for both directions: tokens Teams sends are checked against the
    app id; replies are sent with a token for the app id, secret and tenant. Without
    ``allow_anonymous`` every value is required (ConfigError names the missing variable)."""
    if not allow_anonymous:
        for value, name in (
            (app_id, "BRIEFBOT_TEAMS_APP_ID"),
            (app_password, "BRIEFBOT_TEAMS_APP_PASSWORD"),
            (tenant_id, "BRIEFBOT_TEAMS_TENANT_ID"),
        ):
            if not value:
                raise ConfigError(
                    f"Teams needs {name} (the Azure Bot's Microsoft Entra app registration); "
                    "or BRIEFBOT_TEAMS_ALLOW_ANONYMOUS=true for local testing"
                )
    return AgentAuthConfiguration(
        client_id=app_id or None,
        client_secret=app_password or None,
        tenant_id=tenant_id or None,
        anonymous_allowed=allow_anonymous,
    )


def build_web_app(
    agent: AgentApplication[TurnState],
    adapter: CloudAdapter,
    *,
    auth: AgentAuthConfiguration,
    health: Health,
    on_cleanup: Callable[[], Awaitable[None]],
) -> web.Application:
    """``POST /api/messages`` (JWT-checked) to the agent, ``GET /healthz`` to ``health``."""

    async def messages(request: web.Request) -> web.StreamResponse:
        body = await request.read()  # over client_max_size: 413
        if not _is_json_object(body):
            return web.json_response({"error": "the body is not a JSON activity"}, status=400)
        try:
            response = await adapter.process(request, agent)
        except ValidationError:
            return web.json_response({"error": "the body is not a valid activity"}, status=400)
        return response if response is not None else web.Response(status=202)

    async def healthz(request: web.Request) -> web.StreamResponse:
        problem = await asyncio.to_thread(health)
        return web.json_response(
            {"status": "ok" if problem is None else "unavailable", "problem": problem},
            status=200 if problem is None else 503,
        )

    async def cleanup(app: web.Application) -> None:
        await on_cleanup()

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    with warnings.catch_warnings():  # the SDK's JWT check reads a plain string key
        warnings.simplefilter("ignore", web.NotAppKeyWarning)
        app[AUTH_CONFIGURATION_KEY] = auth
    quiet_sdk_string_key_warning()
    guarded = cast(Handler, jwt_authorization_decorator(messages))  # type: ignore[no-untyped-call]
    app.router.add_post(MESSAGES_PATH, guarded)
    app.router.add_get(HEALTH_PATH, healthz)
    app.on_cleanup.append(cleanup)
    return app


def quiet_sdk_string_key_warning() -> None:
    """The SDK's JWT check stores the caller's identity under a plain string request key, which
    aiohttp answers with a ``NotAppKeyWarning`` (once per process); it is the SDK's, not ours."""
    warnings.filterwarnings("ignore", category=web.NotAppKeyWarning, module=SDK_MODULES)


def _is_json_object(body: bytes) -> bool:
    try:
        return isinstance(json.loads(body), dict)
    except ValueError:
        return False


class TeamsServer:
    """An aiohttp app on ``host:port`` (0 picks a free port, bound at once so ``port`` is
    known before serving), run on a private event loop by ``serve_forever``."""

    def __init__(self, app: web.Application, *, host: str, port: int) -> None:
        self._app = app
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.create_server((host, port), family=family)
        self._lock = threading.Lock()
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    @property
    def port(self) -> int:
        return int(self._socket.getsockname()[1])

    @property
    def host(self) -> str:
        return str(self._socket.getsockname()[0])

    def serve_forever(self) -> None:
        """Serve until ``close``; answers in flight are finished (or cancelled) on the way out."""
        asyncio.run(self._serve())

    def close(self) -> None:
        """Stop serving; safe from any thread, before, during or after ``serve_forever``."""
        with self._lock:
            self._closed = True
            loop, stop = self._loop, self._stop
        if loop is None or stop is None:
            self._socket.close()
            return
        with contextlib.suppress(RuntimeError):  # the loop has already finished
            loop.call_soon_threadsafe(stop.set)

    async def _serve(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._loop = asyncio.get_running_loop()
            self._stop = stop = asyncio.Event()
        runner = web.AppRunner(self._app, access_log=None, shutdown_timeout=5.0)
        await runner.setup()
        try:
            await web.SockSite(runner, self._socket).start()
            await stop.wait()
        finally:
            await runner.cleanup()
            self._socket.close()


def build_teams_server(
    conversation: ConversationService,
    *,
    app_id: str | None,
    app_password: str | None,
    tenant_id: str | None,
    allow_anonymous: bool,
    host: str,
    port: int,
    workers: int = DEFAULT_WORKERS,
    health: Health | None = None,
    connections: Connections | None = None,
    host_validator: OutboundHostValidator | None = None,
) -> TeamsServer:
    """The Teams endpoint over ``conversation``, ready to ``serve_forever``.

    ``workers`` threads run the conversation service. ``connections`` (default: MSAL with
    the app id, secret and tenant) gives the tokens for replies, ``host_validator`` (default:
    Microsoft's hosts; loopback too when anonymous) the service URLs replies may go to; tests
    replace both to talk to a loopback Bot Connector. Raises ConfigError when credentials are
    missing and anonymous access is not allowed.
    """
    auth = build_auth_configuration(
        app_id=app_id,
        app_password=app_password,
        tenant_id=tenant_id,
        allow_anonymous=allow_anonymous,
    )
    if allow_anonymous:
        logger.warning(ANONYMOUS_WARNING)
    connections = connections or MsalConnectionManager(
        connections_configurations={SERVICE_CONNECTION: auth}
    )
    if host_validator is None:
        host_validator = (
            LoopbackServiceUrls() if allow_anonymous else OutboundHostValidator(enabled=True)
        )
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="briefbot-teams")
    responder = TeamsResponder(conversation, executor=executor)
    adapter = CloudAdapter(connection_manager=connections, host_validator=host_validator)
    adapter.on_turn_error = responder.on_error
    agent = build_agent_application(responder, connections=connections)

    async def stop_answering() -> None:
        await responder.close()
        await asyncio.to_thread(
            functools.partial(executor.shutdown, wait=True, cancel_futures=True)
        )

    web_app = build_web_app(
        agent, adapter, auth=auth, health=health or _always_healthy, on_cleanup=stop_answering
    )
    return TeamsServer(web_app, host=host, port=port)


def _always_healthy() -> str | None:
    return None
