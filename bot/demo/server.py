"""A loopback HTTP server for the bundled demo sources, on a free port.

Text files may contain ``{{BASE_URL}}``, replaced with the server's own address when served.
Responses carry an ETag and honour If-None-Match, so a second demo run costs no bodies.
"""

from __future__ import annotations

import hashlib
import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

PLACEHOLDER = b"{{BASE_URL}}"
TEMPLATED_SUFFIXES = frozenset({".xml", ".html", ".yaml", ".txt"})
LOOPBACK = "127.0.0.1"


class _DemoHandler(BaseHTTPRequestHandler):
    root: Path
    base_url: str

    def do_GET(self) -> None:
        path = self._resolve(urlsplit(self.path).path)
        if path is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        body = self._read(path)
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", _content_type(path))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)

    def _resolve(self, url_path: str) -> Path | None:
        candidate = (self.root / unquote(url_path).lstrip("/")).resolve()
        inside = candidate == self.root or self.root in candidate.parents
        return candidate if inside and candidate.is_file() else None

    def _read(self, path: Path) -> bytes:
        body = path.read_bytes()
        if path.suffix in TEMPLATED_SUFFIXES:
            body = body.replace(PLACEHOLDER, self.base_url.encode("ascii"))
        return body

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: the demo's output is the digest."""


def _content_type(path: Path) -> str:
    guessed, _ = mimetypes.guess_type(path.name)
    if path.suffix == ".xml":
        return "application/rss+xml; charset=utf-8"
    if guessed and guessed.startswith("text/"):
        return f"{guessed}; charset=utf-8"
    return guessed or "application/octet-stream"


@contextmanager
def serve_directory(root: Path) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 on a free port; yields the base URL."""
    server = ThreadingHTTPServer((LOOPBACK, 0), _DemoHandler)
    base_url = f"http://{LOOPBACK}:{server.server_address[1]}"
    handler = type("DemoHandler", (_DemoHandler,), {"root": root.resolve(), "base_url": base_url})
    server.RequestHandlerClass = handler
    thread = threading.Thread(target=server.serve_forever, name="demo-server", daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
