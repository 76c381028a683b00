"""Running ``briefbot serve --http`` as a subprocess and sending it signed Slack requests."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from tests.support.slack_events import event_callback

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-fake-token"
_LISTENING = re.compile(r"listening on (http://[0-9.]+:\d+)")


@dataclass
class ServeProcess:
    """A running ``briefbot serve --http`` with its stderr collected line by line."""

    process: subprocess.Popen[str]
    base_url: str = ""
    lines: list[str] = field(default_factory=list)

    @property
    def log(self) -> str:
        return "".join(self.lines)


@contextmanager
def serve_http(
    cwd: Path,
    env: dict[str, str],
    *,
    timeout: float = 60,
    arguments: tuple[str, ...] = ("--http", "--port", "0"),
) -> Iterator[ServeProcess]:
    """Start ``briefbot serve`` (HTTP mode on a free port unless told otherwise) and wait for
    its "listening" line."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", *arguments, "--host", "127.0.0.1"],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    served = ServeProcess(process)
    ready = threading.Event()
    reader = threading.Thread(target=_read_lines, args=(served, ready), daemon=True)
    reader.start()
    try:
        if not ready.wait(timeout) or not served.base_url:
            raise AssertionError(f"briefbot serve did not start:\n{served.log}")
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=5)
        assert process.stderr is not None
        process.stderr.close()


def _read_lines(served: ServeProcess, ready: threading.Event) -> None:
    stream = served.process.stderr
    assert stream is not None
    for line in stream:
        served.lines.append(line)
        found = _LISTENING.search(line)
        if found:
            served.base_url = found.group(1)
            ready.set()
    ready.set()  # the process ended


def signed_headers(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """The headers Slack sends with a request: its timestamp and v0 signature."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}


def post_event(
    base_url: str, event: dict[str, Any], *, event_id: str, retry: int = 0, **signing: Any
) -> httpx.Response:
    """POST an Events API callback to ``/slack/events`` as Slack would."""
    body = json.dumps(event_callback(event, event_id=event_id))
    headers = {"Content-Type": "application/json", **signed_headers(body, **signing)}
    if retry:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    return httpx.post(f"{base_url}/slack/events", content=body, headers=headers, timeout=10)


def post_command(base_url: str, text: str, *, channel: str = "C0AAAAAAA") -> httpx.Response:
    """POST a ``/briefbot`` slash command (form-encoded) as Slack would."""
    body = urlencode(
        {
            "command": "/briefbot",
            "text": text,
            "team_id": "T0FAKE",
            "channel_id": channel,
            "channel_name": "policy",
            "user_id": "U1",
            "response_url": "",
            "trigger_id": "1.2.3",
        }
    )
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        **signed_headers(body),
    }
    return httpx.post(f"{base_url}/slack/events", content=body, headers=headers, timeout=10)


def wait_until(check: Callable[[], bool], *, timeout: float = 20, what: str = "") -> None:
    """Poll ``check`` until true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what or check}")
