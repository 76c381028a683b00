"""A loopback fake of the Bot Connector service that Teams gives bots as ``serviceUrl``, and the
two halves of Bot Framework authentication around it.

    with FakeBotConnector() as connector:
        activity["serviceUrl"] = connector.service_url
        ...                                     # the bot replies to the fake
        connector.wait_for_messages(2)          # "Working on it…" and the answer card

It takes what a bot sends as the real service does: ``POST /v3/conversations/{id}/activities``
(a new message) and ``POST /v3/conversations/{id}/activities/{activityId}`` (a reply to one),
answering 201 with ``{"id": "…"}``; anything else is 404. With ``token`` set it refuses a
request without ``Authorization: Bearer <token>`` with 401, as Teams refuses a bot that did
not sign in.

Authentication, both ways, without Microsoft's servers:

- **Outbound** (the bot's token for replies). MSAL takes only an https authority, so no
  loopback token endpoint can stand in for Entra. ``fixed_token_connections`` is an SDK
  ``ConnectionManager`` whose provider hands out a fixed token; the connector checks it.
- **Inbound** (Teams' token on each request). The SDK verifies tokens against keys it fetches
  from Microsoft's fixed JWKS URLs (``login.botframework.com``), with no setting to move them.
  ``BotFrameworkKeys.install`` swaps only that key lookup (a private SDK attribute, set with
  monkeypatch) for our own RSA key; the SDK still checks signature, expiry and audience.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote, urlsplit

import jwt
import pytest
from azure.core.credentials_async import AsyncTokenCredential
from cryptography.hazmat.primitives.asymmetric import rsa
from microsoft_agents.hosting.core import (
    AccessTokenProviderBase,
    AgentAuthConfiguration,
    ConnectionManager,
    JwtTokenValidator,
)
from microsoft_agents.hosting.core.authorization import AuthenticationConstants

from tests.support.loopback import LoopbackFake

OUTBOUND_TOKEN = "fake-outbound-token-4f2a"  # what the bot's connection hands out in tests
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
KEY_ID = "fake-bot-framework-key"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


@dataclass(frozen=True)
class Sent:
    """One activity the bot sent, as the connector received it."""

    conversation_id: str
    reply_to: str | None  # the activity id in the path, for a reply
    activity: dict[str, Any]
    authorization: str | None
    id: str  # the id the connector gave it

    @property
    def type(self) -> str:
        return str(self.activity.get("type"))

    @property
    def text(self) -> str:
        return str(self.activity.get("text") or "")

    def cards(self) -> list[dict[str, Any]]:
        """The Adaptive Cards among the attachments."""
        return [
            attachment["content"]
            for attachment in self.activity.get("attachments") or []
            if attachment.get("contentType") == CARD_CONTENT_TYPE
        ]


class FakeBotConnector(LoopbackFake):
    """A Bot Connector on 127.0.0.1: records what bots send, answers with new ids."""

    def __init__(self, *, token: str | None = None) -> None:
        super().__init__(_Handler, name="fake-bot-connector")
        self.token = token
        self.sent: list[Sent] = []
        self.refused: list[str] = []  # paths refused for a missing or wrong token
        self._ids = itertools.count(1_700_000_100_000)
        self._changed = threading.Condition()

    @property
    def service_url(self) -> str:
        """What an activity's ``serviceUrl`` says (Teams' have a region path, and a slash)."""
        return f"{self.origin}/amer/"

    def messages(self) -> list[Sent]:
        """The message activities sent so far (typing indicators left out), oldest first."""
        with self._changed:
            return [sent for sent in self.sent if sent.type == "message"]

    def wait_for_messages(self, count: int, *, timeout: float = 10.0) -> list[Sent]:
        """Block until ``count`` messages arrived; AssertionError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.messages()) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    got = [sent.text or "(card)" for sent in self.messages()]
                    raise AssertionError(f"expected {count} messages, got {got}")
                self._changed.wait(left)
            return self.messages()

    def receive(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        """The status and body to answer with; records an accepted activity."""
        route = _route(method, path)
        if route is None:
            return 404, {"error": {"code": "NotFound", "message": "no such resource"}}
        if self.token is not None and headers.get("authorization") != f"Bearer {self.token}":
            with self._changed:
                self.refused.append(path)
            return 401, {"message": "Authorization has been denied for this request."}
        try:
            activity = json.loads(body)
        except ValueError:
            return 400, {"error": {"code": "BadArgument", "message": "not JSON"}}
        conversation_id, reply_to = route
        with self._changed:
            sent = Sent(
                conversation_id=conversation_id,
                reply_to=reply_to,
                activity=activity,
                authorization=headers.get("authorization"),
                id=str(next(self._ids)),
            )
            self.sent.append(sent)
            self._changed.notify_all()
        return 201, {"id": sent.id}


Answer = tuple[int, dict[str, Any]]


def _route(method: str, path: str) -> tuple[str, str | None] | None:
    """``(conversation id, replied-to activity id)`` for the two send routes, else None."""
    parts = urlsplit(path).path.split("/")
    # ["", "amer", "v3", "conversations", "{id}", "activities"(, "{activityId}")]
    if method != "POST" or parts[:4] != ["", "amer", "v3", "conversations"]:
        return None
    if len(parts) == 6 and parts[5] == "activities":
        return unquote(parts[4]), None
    if len(parts) == 7 and parts[5] == "activities" and parts[6]:
        return unquote(parts[4]), unquote(parts[6])
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_GET(self) -> None:
        self._handle("GET")

    def _handle(self, method: str) -> None:
        fake: FakeBotConnector = self.server.fake  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        headers = {name.lower(): value for name, value in self.headers.items()}
        status, answer = fake.receive(method, self.path, headers, body)
        data = json.dumps(answer).encode()
        self.close_connection = True
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a client gave up
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


# Outbound: the bot's token for replies -----------------------------------------------------


class FixedTokenProvider(AccessTokenProviderBase):
    """A connection that hands out ``OUTBOUND_TOKEN`` instead of asking Entra (MSAL)."""

    def __init__(self, configuration: AgentAuthConfiguration) -> None:
        self._configuration = configuration
        self.requested: list[tuple[str, list[str]]] = []

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return self._configuration

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        self.requested.append((resource_url, scopes))
        return OUTBOUND_TOKEN

    def get_token_credential(self) -> AsyncTokenCredential:
        raise NotImplementedError("not used by Briefbot")


def fixed_token_connections(app_id: str) -> ConnectionManager:
    """The SDK's connection manager with one connection for ``app_id`` that never calls Entra."""
    config = AgentAuthConfiguration(client_id=app_id, client_secret="unused", tenant_id="t")
    return ConnectionManager(
        provider_factory=FixedTokenProvider,
        connections_configurations={"SERVICE_CONNECTION": config},
    )


# Inbound: Teams' token on each request ---------------------------------------------------


class BotFrameworkKeys:
    """An RSA key standing in for Bot Framework's signing key, and tokens signed with it."""

    def __init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.lookups: list[str] = []  # the JWKS URLs the SDK asked for

    def token(
        self,
        *,
        audience: str,
        service_url: str,
        issuer: str = BOT_FRAMEWORK_ISSUER,
        expires_in: float = 3600,
        key: rsa.RSAPrivateKey | None = None,
    ) -> str:
        """A token as Teams sends it: Bot Framework's issuer, the bot's app id as audience."""
        now = int(time.time())
        claims = {
            "iss": issuer,
            "aud": audience,
            "serviceurl": service_url,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + int(expires_in),
        }
        return jwt.encode(claims, key or self._key, algorithm="RS256", headers={"kid": KEY_ID})

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Make the SDK's validator find our public key where it would fetch Microsoft's."""
        monkeypatch.setattr(JwtTokenValidator, "_jwk_client_manager", _KeyLookup(self))

    def signing_key(self, jwks_uri: str, header: dict[str, Any]) -> jwt.PyJWK:
        self.lookups.append(jwks_uri)
        if jwks_uri != AuthenticationConstants.PUBLIC_ABS_JWKS_URL or header.get("kid") != KEY_ID:
            raise jwt.PyJWKClientError(f"no key {header.get('kid')!r} at {jwks_uri}")
        return jwt.PyJWK.from_dict(
            {
                **json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key())),
                "kid": KEY_ID,
            }
        )


class _KeyLookup:
    """The shape of the SDK's JWKS client cache: ``get_signing_key(jwks_uri, header)``."""

    def __init__(self, keys: BotFrameworkKeys) -> None:
        self._keys = keys

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> jwt.PyJWK:
        return self._keys.signing_key(jwks_uri, header)


def other_key() -> rsa.RSAPrivateKey:
    """A key Bot Framework never published: tokens signed with it must be refused."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
