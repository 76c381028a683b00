"""Helpers for the llm_server tests: a flaky loopback proxy, a JSON-schema check, a recorder."""

from __future__ import annotations

import copy
import http.client
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

PROXY_UPSTREAM_TIMEOUT_SECONDS = 300.0
ANSWER_503 = "503"  # answer 503 with Retry-After: 0
DROP = "drop"  # close the connection without answering
BOUNDED_ITEMS = 2
BOUNDED_CHARS = 160


@dataclass(frozen=True, slots=True)
class LlamaServer:
    """A running llama-server: its OpenAI-style base URL and how it was started."""

    base_url: str  # http://127.0.0.1:PORT/v1
    model: str
    command: tuple[str, ...]
    startup_seconds: float
    log_path: Path


class RecordingSleep:
    """A sleep that returns at once and remembers how long it was asked to wait."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class FlakyProxy:
    """A loopback HTTP server in front of ``upstream``: the first requests fail as scripted
    (``ANSWER_503``, ``DROP``), every later one is forwarded and its answer passed back.

        with FlakyProxy("http://127.0.0.1:8080", [ANSWER_503, DROP]) as proxy:
            ...  # point a client at proxy.base_url
    """

    def __init__(self, upstream: str, failures: Iterable[str]) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.paths: list[str] = []  # every POST received, failed or forwarded
        self.forwarded = 0
        self._failures = deque(failures)
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _ProxyHandler)
        self._httpd.daemon_threads = False  # server_close() joins handler threads
        self._httpd.proxy = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="flaky-proxy")

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def next_failure(self, path: str) -> str | None:
        """Record a request and say how to fail it (None: forward it)."""
        with self._lock:
            self.paths.append(path)
            return self._failures.popleft() if self._failures else None

    def forward(self, path: str, body: bytes, content_type: str) -> tuple[int, str, bytes]:
        """POST ``body`` upstream; its status, content type and body."""
        connection = http.client.HTTPConnection(
            self.upstream_host, self.upstream_port, timeout=PROXY_UPSTREAM_TIMEOUT_SECONDS
        )
        try:
            connection.request("POST", path, body=body, headers={"Content-Type": content_type})
            response = connection.getresponse()
            data = response.read()
            kind = response.getheader("Content-Type", "application/json")
        finally:
            connection.close()
        with self._lock:
            self.forwarded += 1
        return response.status, kind, data

    def __enter__(self) -> FlakyProxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ThreadingHTTPServer

    def do_POST(self) -> None:
        proxy: FlakyProxy = self.server.proxy  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        failure = proxy.next_failure(self.path)
        self.close_connection = True
        if failure == DROP:
            return  # the client sees the connection close with no response
        if failure == ANSWER_503:
            self._answer(503, "application/json", b'{"error": {"message": "loading"}}', retry=True)
            return
        content_type = self.headers.get("Content-Type", "application/json")
        status, kind, data = proxy.forward(self.path, body, content_type)
        self._answer(status, kind, data)

    def _answer(self, status: int, content_type: str, body: bytes, *, retry: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        if retry:
            self.send_header("Retry-After", "0")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        del format, args


def _types(node: dict[str, Any]) -> list[str]:
    declared = node.get("type", [])
    return [declared] if isinstance(declared, str) else list(declared)


def schema_violations(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    """Where ``value`` breaks ``schema`` (the subset the project's schemas use: type, enum,
    properties, required, additionalProperties: false, items, maxItems, maxLength, minimum,
    maximum); an empty list when it conforms."""
    types = _types(schema)
    if types and not any(_is_type(value, name) for name in types):
        return [f"{where}: {type(value).__name__} is not {types}"]
    problems: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, str) and len(value) > schema.get("maxLength", len(value)):
        problems.append(f"{where}: longer than {schema['maxLength']} characters")
    if _is_type(value, "number") and not (
        schema.get("minimum", value) <= value <= schema.get("maximum", value)
    ):
        problems.append(f"{where}: {value} is out of range")
    if isinstance(value, list):
        if len(value) > schema.get("maxItems", len(value)):
            problems.append(f"{where}: more than {schema['maxItems']} items")
        for index, item in enumerate(value):
            problems += schema_violations(item, schema.get("items", {}), f"{where}[{index}]")
    if isinstance(value, dict):
        properties: dict[str, Any] = schema.get("properties", {})
        problems += [
            f"{where}: {name} is missing"
            for name in schema.get("required", ())
            if name not in value
        ]
        if schema.get("additionalProperties") is False:
            problems += [
                f"{where}: {name} is not allowed" for name in value if name not in properties
            ]
        for name, item in value.items():
            if name in properties:
                problems += schema_violations(item, properties[name], f"{where}.{name}")
    return problems


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    checks: dict[str, type | tuple[type, ...]] = {
        "string": str,
        "boolean": bool,
        "array": list,
        "object": dict,
        "null": type(None),
    }
    return name in checks and isinstance(value, checks[name])


def bounded_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with every array capped at ``BOUNDED_ITEMS`` and every free string at
    ``BOUNDED_CHARS``: the grammar llama.cpp builds from it then always closes the object.

    A 270M base model decoding greedily repeats itself; under the prompt's own schema it fills
    the 2,000-token reply cap with one array item after another and the reply never parses.
    """
    bounded = copy.deepcopy(schema)
    _bound(bounded)
    return bounded


def _bound(node: dict[str, Any]) -> None:
    types = _types(node)
    if "array" in types:
        node.setdefault("maxItems", BOUNDED_ITEMS)
    if "string" in types and "enum" not in node:
        node.setdefault("maxLength", BOUNDED_CHARS)
    for child in node.get("properties", {}).values():
        _bound(child)
    if isinstance(node.get("items"), dict):
        _bound(node["items"])
