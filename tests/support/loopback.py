"""What the loopback fakes share: a threaded HTTP/1.1 server on 127.0.0.1 port 0, started and
stopped as a context manager, whose handlers reach their fake as ``self.server.fake``."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self


class LoopbackFake:
    """A real server on an ephemeral loopback port; subclasses add routes and records."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], *, name: str) -> None:
        self.stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = False  # server_close() joins handler threads
        self._httpd.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, end stalled or endless responses, join every thread."""
        self.stopping.set()
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _serve(self) -> None:
        self._httpd.serve_forever(poll_interval=0.05)
