"""HTTP mode's intake: requests screened, and event callbacks acknowledged before bolt runs them.

Slack wants a 200 within 3 seconds and redelivers otherwise. Bolt acknowledges an event only
after its middleware has run and it has deep-copied the request for the lazy listeners, about
3 ms of CPU a request: under a burst of 200 mentions on two cores the last ack waited ~700 ms.
Here a signed ``event_callback`` is checked with slack_sdk's ``SignatureVerifier`` (the verifier
bolt uses), put on a queue and acknowledged at once; one thread hands the queue to bolt, which
verifies the request again and runs the listeners as before.

A request whose signature is wrong or stale is refused (401) before anything parses its body
(bolt parses first and answered a hostile non-JSON body with a 500 and a traceback); a signed
JSON body that is not an object is refused as malformed (400). Everything else goes to bolt on
the request's own thread, so its answer is bolt's: slash commands and buttons (their ack can
carry a response), ``url_verification``, and any event that arrives while the queue is full.
Refusals are logged at once, then at most once a minute with how many there were, so a flood
of forged requests can't flood the log; only signed requests hold back the dispatcher.
"""

from __future__ import annotations

import contextlib
import enum
import json
import logging
import queue
import threading
import time
from collections.abc import Mapping, Sequence

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

logger = logging.getLogger(__name__)

Headers = Mapping[str, str | Sequence[str]]
QUEUE_CAPACITY = 10_000  # at bolt's ~3 ms an event, a full queue is ~30 s of work
# Acks first: while requests keep arriving (one in the last QUIET_SECONDS), the dispatcher
# waits, up to MAX_DEFER_SECONDS after an event came in, so bolt's CPU work does not slow the
# acks of a burst still coming in. A question's answer takes seconds; this adds at most 0.5 s.
QUIET_SECONDS = 0.02
MAX_DEFER_SECONDS = 0.5
JSON = "application/json"
REFUSAL_REPORT_SECONDS = 60.0
UNSIGNED_REASON = "bad or stale signature"
MALFORMED_REASON = "the JSON body is not an object"
_STOP = None


class Intake(enum.Enum):
    """What became of a request at the intake."""

    ACKNOWLEDGED = "queued for bolt: answer 200 now"
    UNSIGNED = "bad or stale signature: answer 401"
    MALFORMED = "signed, but the JSON body is not an object: answer 400"
    FOR_BOLT = "hand it to bolt now"


class RefusalLog:
    """Warnings for refused requests: the first one at once, then at most one line per reason
    every ``interval`` seconds, counting the refusals held back since the last line."""

    def __init__(self, interval: float = REFUSAL_REPORT_SECONDS) -> None:
        self._interval = interval
        self._lock = threading.Lock()
        self._quiet_until = 0.0
        self._held: dict[str, int] = {}

    def refused(self, reason: str) -> None:
        with self._lock:
            self._held[reason] = self._held.get(reason, 0) + 1
            now = time.monotonic()
            if now < self._quiet_until:
                return
            self._quiet_until = now + self._interval
            held, self._held = self._held, {}
        self._report(held)

    def flush(self) -> None:
        """Log the refusals still held back (at shutdown)."""
        with self._lock:
            held, self._held = self._held, {}
        self._report(held)

    def _report(self, held: dict[str, int]) -> None:
        for reason, count in held.items():
            since = f" ({count} requests since the last report)" if count > 1 else ""
            logger.warning("slack request refused: %s%s", reason, since)


class EventQueue:
    """Screens requests to ``/slack/events``; signed Events API callbacks are queued for
    dispatch to ``app`` on one thread."""

    def __init__(
        self,
        app: App,
        *,
        signing_secret: str,
        capacity: int = QUEUE_CAPACITY,
        quiet_seconds: float = QUIET_SECONDS,
        max_defer_seconds: float = MAX_DEFER_SECONDS,
        refusal_report_seconds: float = REFUSAL_REPORT_SECONDS,
    ) -> None:
        self._app = app
        self._refusals = RefusalLog(refusal_report_seconds)
        self._quiet = quiet_seconds
        self._max_defer = max_defer_seconds
        self._verifier = SignatureVerifier(signing_secret=signing_secret)
        self._queue: queue.Queue[tuple[float, str, Headers] | None] = queue.Queue(maxsize=capacity)
        self._last_arrival = 0.0
        self._thread = threading.Thread(
            target=self._dispatch_forever, name="briefbot-slack-events", daemon=True
        )
        self._thread.start()

    def take(self, body: str, headers: Headers) -> Intake:
        """Screen one request (its body decoded as UTF-8, a bad byte replaced)."""
        if not self._is_signed(body, headers):
            self._refusals.refused(UNSIGNED_REASON)
            return Intake.UNSIGNED
        self._last_arrival = now = time.monotonic()
        if not _is_json(headers):
            return Intake.FOR_BOLT
        payload = _json_object(body)
        if payload is None:
            self._refusals.refused(MALFORMED_REASON)
            return Intake.MALFORMED
        if payload.get("type") != "event_callback":
            return Intake.FOR_BOLT
        try:
            self._queue.put_nowait((now, body, headers))
        except queue.Full:
            logger.warning("slack event queue is full: this event is handled before its ack")
            return Intake.FOR_BOLT
        return Intake.ACKNOWLEDGED

    def close(self, timeout: float = 5.0) -> None:
        """Stop taking events; the ones queued are handed to bolt for ``timeout`` seconds,
        and any left after that are dropped (the log says how many)."""
        with contextlib.suppress(queue.Full):
            self._queue.put(_STOP, timeout=timeout)
        self._thread.join(timeout=timeout)
        self._refusals.flush()
        left = self._drop_queued()
        if left:
            logger.warning("slack: %d acknowledged events were not handled before shutdown", left)

    def _drop_queued(self) -> int:
        """Empty the queue; how many events were in it. The stop mark goes back in, for a
        dispatcher still busy with an event."""
        dropped = 0
        with contextlib.suppress(queue.Empty):
            while True:
                dropped += self._queue.get_nowait() is not _STOP
        self._queue.put_nowait(_STOP)
        return dropped

    def _is_signed(self, body: str, headers: Headers) -> bool:
        return self._verifier.is_valid(
            body, _first(headers, "x-slack-request-timestamp"), _first(headers, "x-slack-signature")
        )

    def _dispatch_forever(self) -> None:
        while (item := self._queue.get()) is not _STOP:
            arrived, body, headers = item
            self._wait_for_quiet(arrived)
            try:
                response = self._app.dispatch(BoltRequest(body=body, headers=dict(headers)))
            except Exception:  # one bad event must not stop the rest
                logger.exception("slack event dispatch failed")
                continue
            if response.status != 200:
                logger.warning("slack event refused by bolt after its ack: %s", response.status)

    def _wait_for_quiet(self, arrived: float) -> None:
        deadline = arrived + self._max_defer
        while (now := time.monotonic()) < deadline and now - self._last_arrival < self._quiet:
            time.sleep(min(self._quiet / 4, deadline - now))


def _first(headers: Headers, name: str) -> str:
    value = headers.get(name) or ""
    return value if isinstance(value, str) else (value[0] if value else "")


def _is_json(headers: Headers) -> bool:
    return _first(headers, "content-type").split(";")[0].strip().lower() == JSON


def _json_object(body: str) -> dict[str, object] | None:
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None
