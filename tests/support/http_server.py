"""A loopback HTTP server for tests: routes set per test, real sockets on 127.0.0.1 port 0.

    with LoopbackServer() as server:
        server.add("/feed.xml", Route(body=rss, headers={"Content-Type": "application/rss+xml"}))
        httpx.get(server.url("/feed.xml"))

A route can also be a callable taking the ``RecordedRequest`` and returning a ``Route`` (for
conditional GETs and the like). Unknown paths answer 404. Every response closes its connection.
"""

from __future__ import annotations

import contextlib
import gzip
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from tests.support.loopback import LoopbackFake


@dataclass(frozen=True)
class Route:
    """What the server answers on one path.

    ``chunks`` sends a chunked body (each after ``chunk_delay`` seconds); ``endless`` repeats
    ``chunks`` until the client goes away or the server closes; ``stall`` seconds of silence
    after the headers; ``gzip`` compresses ``body`` and sets ``Content-Encoding``.
    """

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunks: tuple[bytes, ...] | None = None
    chunk_delay: float = 0.0
    endless: bool = False
    stall: float = 0.0
    gzip: bool = False


@dataclass(frozen=True)
class RecordedRequest:
    """A request the server received."""

    method: str
    path: str
    headers: dict[str, str]


Responder = Route | Callable[[RecordedRequest], Route]


class LoopbackServer(LoopbackFake):
    """A threaded HTTP/1.1 server on 127.0.0.1 with an ephemeral port."""

    def __init__(self) -> None:
        super().__init__(_Handler, name="loopback-http")
        self.routes: dict[str, Responder] = {}
        self.requests: list[RecordedRequest] = []

    @property
    def base_url(self) -> str:
        return self.origin

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return f"{self.base_url}{path}"

    def add(self, path: str, responder: Responder) -> str:
        """Serve ``responder`` at ``path``; returns the path's URL."""
        self.routes[path] = responder
        return self.url(path)

    def respond_to(self, request: RecordedRequest) -> Route:
        self.requests.append(request)
        responder = self.routes.get(urlsplit(request.path).path)
        if responder is None:
            return Route(status=404, body=b"not found")
        return responder(request) if callable(responder) else responder


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        server: LoopbackServer = self.server.fake  # type: ignore[attr-defined]
        request = RecordedRequest("GET", self.path, {k.lower(): v for k, v in self.headers.items()})
        route = server.respond_to(request)
        self.close_connection = True
        # The client may give up mid-body, as the fetch tests expect it to.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._send(route, server.stopping)

    def _send(self, route: Route, stopping: threading.Event) -> None:
        body = gzip.compress(route.body, mtime=0) if route.gzip else route.body
        self.send_response(route.status)
        for name, value in route.headers.items():
            self.send_header(name, value)
        if route.gzip:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Connection", "close")
        if route.chunks is None:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        if route.stall and stopping.wait(route.stall):
            return
        if route.chunks is None:
            self.wfile.write(body)
        else:
            self._send_chunks(route, stopping)

    def _send_chunks(self, route: Route, stopping: threading.Event) -> None:
        for chunk in _repeat(route.chunks or (), endless=route.endless):
            if stopping.wait(route.chunk_delay) if route.chunk_delay else stopping.is_set():
                return
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


def _repeat(chunks: Iterable[bytes], *, endless: bool) -> Iterable[bytes]:
    items = [chunk for chunk in chunks if chunk]
    if not endless:
        yield from items
        return
    while items:
        yield from items
        time.sleep(0)
