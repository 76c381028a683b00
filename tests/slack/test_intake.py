"""HTTP mode's intake acknowledges signed event callbacks before bolt runs them, refuses bad
signatures and malformed bodies before anything parses them, and leaves every other request to
bolt: a real bolt app under waitress on a loopback port, signed requests over httpx,
the loopback fake Slack Web API behind bolt's authorization."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from slack_bolt import Ack, App

from bot.chat.slack.client import build_web_client
from bot.chat.slack.intake import EventQueue, Intake
from bot.chat.slack.server import HttpServer, build_wsgi_app
from tests.support.fake_slack import FakeSlack
from tests.support.slack_events import event_callback

SECRET = "early-ack-secret"
QUICK = 2.0  # seconds: an ack that waited for the gate would take GATE_TIMEOUT


@dataclass
class Bolt:
    """A bolt app whose every request waits at ``gate`` (a global middleware) before its
    listeners run; mentions are recorded by a lazy listener, as Briefbot's are."""

    app: App
    gate: threading.Event = field(default_factory=threading.Event)
    mentions: list[str] = field(default_factory=list)
    handled_at: list[float] = field(default_factory=list)  # time.monotonic() of each mention

    def wait_for_mentions(self, count: int, timeout: float = 5.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while len(self.mentions) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.mentions)


@dataclass
class Served:
    url: str
    bolt: Bolt
    events: EventQueue | None


def build_bolt(slack: FakeSlack) -> Bolt:
    app = App(
        client=build_web_client(slack.token, base_url=slack.base_url),
        signing_secret=SECRET,
        process_before_response=False,
        listener_executor=ThreadPoolExecutor(max_workers=2),
    )
    bolt = Bolt(app)

    @app.use
    def wait_at_the_gate(next: Callable[[], None]) -> None:
        bolt.gate.wait(timeout=30)
        next()

    def just_ack(ack: Ack) -> None:
        ack()

    def record(event: dict[str, Any]) -> None:
        bolt.handled_at.append(time.monotonic())
        bolt.mentions.append(str(event.get("text")))

    def help_ack(ack: Ack) -> None:
        ack(text="usage: /briefbot help")

    app.event("app_mention")(ack=just_ack, lazy=[record])
    app.command("/briefbot")(help_ack)
    return bolt


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@contextmanager
def serving(slack: FakeSlack, *, early: bool, capacity: int = 100) -> Iterator[Served]:
    bolt = build_bolt(slack)
    events = EventQueue(bolt.app, signing_secret=SECRET, capacity=capacity) if early else None
    server = HttpServer(
        build_wsgi_app(bolt.app, health=lambda: None, events=events),
        host="127.0.0.1",
        port=0,
        threads=4,
        events=events,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{server.port}/slack/events", bolt, events)
    finally:
        bolt.gate.set()
        server.close()
        thread.join(timeout=10)


@pytest.fixture
def early(slack: FakeSlack) -> Iterator[Served]:
    with serving(slack, early=True) as served:
        yield served


@pytest.fixture
def plain(slack: FakeSlack) -> Iterator[Served]:
    with serving(slack, early=False) as served:
        yield served


def mention(text: str, *, event_id: str = "Ev1") -> str:
    event = {
        "type": "app_mention",
        "user": "U0ASKER",
        "text": text,
        "ts": "1.000100",
        "channel": "C0POLICY1",
        "event_ts": "1.000100",
    }
    return json.dumps(event_callback(event, event_id=event_id))


def post(
    url: str,
    body: str | bytes,
    *,
    content_type: str = "application/json",
    secret: str = SECRET,
    age: int = 0,
    timeout: float = 10.0,
) -> httpx.Response:
    data = body.encode() if isinstance(body, str) else body
    stamp = str(int(time.time()) - age)
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": sign(stamp, data, secret),
    }
    return httpx.post(url, content=data, headers=headers, timeout=timeout)


def timed_post(url: str, body: str, **options: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = post(url, body, **options)
    return response, time.monotonic() - started


def test_a_signed_event_is_acknowledged_before_bolt_runs_it(early: Served) -> None:
    response, seconds = timed_post(early.url, mention("how many fighters?"))

    assert response.status_code == 200
    assert seconds < QUICK
    assert early.bolt.mentions == []  # bolt is still held at the gate
    early.bolt.gate.set()
    assert early.bolt.wait_for_mentions(1) == ["how many fighters?"]


def test_without_the_queue_the_ack_waits_for_bolt(plain: Served) -> None:
    """The contrast that makes the test above mean something."""
    threading.Timer(QUICK + 0.5, plain.bolt.gate.set).start()

    response, seconds = timed_post(plain.url, mention("how many fighters?"))

    assert response.status_code == 200
    assert seconds > QUICK
    assert plain.bolt.wait_for_mentions(1) == ["how many fighters?"]


@pytest.mark.parametrize(
    ("secret", "age"),
    [("not-the-secret", 0), (SECRET, 600)],
    ids=["forged", "ten-minutes-old"],
)
def test_a_forged_or_stale_event_gets_401_and_runs_nothing(
    early: Served, secret: str, age: int
) -> None:
    early.bolt.gate.set()

    response = post(early.url, mention("ping everyone"), secret=secret, age=age)

    assert response.status_code == 401
    time.sleep(0.3)
    assert early.bolt.mentions == []


def test_url_verification_and_slash_commands_get_bolts_own_answer(early: Served) -> None:
    early.bolt.gate.set()
    challenge = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"})
    command = urlencode(
        {
            "command": "/briefbot",
            "text": "help",
            "team_id": "T0FAKE",
            "user_id": "U0ASKER",
            "channel_id": "C0POLICY1",
            "response_url": "http://127.0.0.1:9/r",
            "trigger_id": "1",
        }
    )

    verified = post(early.url, challenge)
    helped = post(early.url, command, content_type="application/x-www-form-urlencoded")

    assert verified.status_code == 200
    assert verified.json()["challenge"] == "c-123"
    assert helped.status_code == 200
    assert "usage: /briefbot help" in helped.text


@pytest.mark.parametrize(
    ("body", "secret", "status"),
    [
        (b"{not json", SECRET, 400),
        (b"[1, 2]", SECRET, 400),
        (b'"event_callback"', SECRET, 400),
        (b"{not json", "not-the-secret", 401),
        (b"\xff\xfe{}", SECRET, 401),  # no UTF-8 body has this signature
        (b"A" * 200_000, "not-the-secret", 401),
    ],
    ids=["broken", "array", "string", "unsigned-broken", "not-utf8", "unsigned-large"],
)
def test_a_malformed_or_unsigned_body_is_refused_in_one_line_without_a_traceback(
    early: Served, caplog: pytest.LogCaptureFixture, body: bytes, secret: str, status: int
) -> None:
    early.bolt.gate.set()

    with caplog.at_level(logging.WARNING):
        response = post(early.url, body, secret=secret)

    assert response.status_code == status
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "\n" not in caplog.records[0].getMessage()
    assert early.bolt.mentions == []


def test_a_signed_request_of_another_type_gets_bolts_answer(early: Served) -> None:
    early.bolt.gate.set()

    response = post(early.url, b'{"type": "block_actions"}')

    assert response.status_code == 404  # bolt: no listener for it
    assert early.bolt.mentions == []


def test_when_the_queue_is_full_bolt_handles_the_event_before_its_ack(
    slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    with serving(slack, early=True, capacity=1) as served:
        first, _ = timed_post(served.url, mention("first", event_id="Ev1"))
        time.sleep(0.2)  # the dispatcher takes it and waits at the gate
        second, _ = timed_post(served.url, mention("second", event_id="Ev2"))  # fills the queue
        third: list[httpx.Response] = []
        waiting = threading.Thread(
            target=lambda url=served.url, out=third: out.append(
                post(url, mention("third", event_id="Ev3"))
            )
        )
        with caplog.at_level(logging.WARNING, logger="bot.chat.slack.intake"):
            waiting.start()
            time.sleep(0.5)
            assert third == []  # held with bolt at the gate: no early ack
            served.bolt.gate.set()
            waiting.join(timeout=10)

        assert [first.status_code, second.status_code, third[0].status_code] == [200, 200, 200]
        assert sorted(served.bolt.wait_for_mentions(3)) == ["first", "second", "third"]
        assert "slack event queue is full" in caplog.text


def test_close_hands_queued_events_to_bolt_and_says_how_many_it_dropped(
    slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    bolt = build_bolt(slack)
    events = EventQueue(bolt.app, signing_secret=SECRET)
    for number in range(3):
        body = mention(f"q{number}", event_id=f"Ev{number}")
        assert events.take(body, signed_headers(body)) is Intake.ACKNOWLEDGED
    time.sleep(0.2)  # the first is taken and held at the gate; two wait in the queue

    with caplog.at_level(logging.WARNING, logger="bot.chat.slack.intake"):
        events.close(timeout=0.3)
    bolt.gate.set()

    assert "2 acknowledged events were not handled before shutdown" in caplog.text


def test_bolt_waits_while_requests_keep_arriving_but_no_longer_than_the_cap(
    slack: FakeSlack,
) -> None:
    bolt = build_bolt(slack)
    bolt.gate.set()
    events = EventQueue(bolt.app, signing_secret=SECRET, quiet_seconds=60, max_defer_seconds=0.4)
    body = mention("how many fighters?")
    try:
        taken = time.monotonic()
        assert events.take(body, signed_headers(body)) is Intake.ACKNOWLEDGED

        assert bolt.wait_for_mentions(1) == ["how many fighters?"]
        assert bolt.handled_at[0] - taken >= 0.4
    finally:
        events.close()


def test_bolt_gets_the_event_once_requests_stop_arriving(slack: FakeSlack) -> None:
    bolt = build_bolt(slack)
    bolt.gate.set()
    events = EventQueue(bolt.app, signing_secret=SECRET, quiet_seconds=0.05, max_defer_seconds=60)
    body = mention("how many fighters?")
    try:
        taken = time.monotonic()
        assert events.take(body, signed_headers(body)) is Intake.ACKNOWLEDGED

        assert bolt.wait_for_mentions(1, timeout=10) == ["how many fighters?"]
        assert bolt.handled_at[0] - taken < 10  # long before the 60 s cap
    finally:
        events.close()


def sign(stamp: str, data: bytes, secret: str = SECRET) -> str:
    """Slack's v0 signature, over bytes (slack_sdk's helper wants UTF-8)."""
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + data, hashlib.sha256)
    return "v0=" + digest.hexdigest()


def signed_headers(body: str) -> dict[str, str]:
    stamp = str(int(time.time()))
    return {
        "content-type": "application/json",
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": sign(stamp, body.encode()),
    }


def test_a_flood_of_forged_requests_is_logged_once_then_counted(
    slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    bolt = build_bolt(slack)
    events = EventQueue(bolt.app, signing_secret=SECRET, refusal_report_seconds=0.5)
    forged = signed_headers("{}") | {"x-slack-signature": "v0=forged"}
    try:
        with caplog.at_level(logging.WARNING, logger="bot.chat.slack.intake"):
            for _ in range(50):
                assert events.take("{}", forged) is Intake.UNSIGNED
            assert len(caplog.records) == 1
            time.sleep(0.6)
            assert events.take("{}", forged) is Intake.UNSIGNED
            assert events.take("{}", forged) is Intake.UNSIGNED  # held back again
    finally:
        events.close()

    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "slack request refused: bad or stale signature",
        "slack request refused: bad or stale signature (50 requests since the last report)",
        "slack request refused: bad or stale signature",  # the one held back, at close
    ]


def test_forged_requests_do_not_hold_back_the_dispatcher(slack: FakeSlack) -> None:
    bolt = build_bolt(slack)
    bolt.gate.set()
    events = EventQueue(bolt.app, signing_secret=SECRET, quiet_seconds=0.3, max_defer_seconds=60)
    forged = signed_headers("{}") | {"x-slack-signature": "v0=forged"}
    body = mention("how many fighters?")
    try:
        taken = time.monotonic()
        assert events.take(body, signed_headers(body)) is Intake.ACKNOWLEDGED
        while not bolt.mentions and time.monotonic() - taken < 3:
            events.take("{}", forged)  # one every 10 ms, well inside the quiet window
            time.sleep(0.01)

        assert bolt.wait_for_mentions(1, timeout=1) == ["how many fighters?"]
        assert bolt.handled_at[0] - taken < 1.5
    finally:
        events.close()
