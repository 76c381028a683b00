"""The Slack digest sink over real slack_sdk traffic to a loopback fake Slack."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.chat.slack.blocks import render_digest_blocks
from bot.chat.slack.client import build_web_client
from bot.chat.slack.digest_sink import DIGEST_EVENT_TYPE, SlackDigestSink
from bot.domain.errors import ChatError
from bot.domain.models import ClaimScope, Digest, DigestStatement
from bot.domain.subscriptions import (
    DigestRun,
    Platform,
    PostedMessage,
    RunStatus,
    Subscription,
    SubscriptionSpec,
)
from tests.support.fake_slack import FakeSlack

TOKEN = "xoxb-test-secret-token"
CHANNEL = "C0POLICY"
NOW = datetime(2019, 8, 7, 13, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\nfake chart"
SUBSCRIPTION = Subscription(
    id=7,
    spec=SubscriptionSpec(Platform.SLACK, CHANNEL, time(9), "America/New_York", "lens"),
    created_at=NOW,
)
RUN = DigestRun(
    id=42,
    subscription_id=7,
    local_date=date(2019, 8, 7),
    edition=1,
    status=RunStatus.PENDING,
    created_at=NOW,
    claimed_at=NOW,
)
SHORT = Digest("ISIS: holding?", "Is it premature?", NOW, "Likely premature [1].")


def long_digest(count: int = 120) -> Digest:
    statements = tuple(
        DigestStatement(
            f"Speaker {n}",
            date(2018, 12, 19),
            f"We won, {n}. " + "Truly won. " * 120,
            ClaimScope.TOTAL,
            1,
        )
        for n in range(count)
    )
    return replace(SHORT, statements=statements)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN) as fake:
        yield fake


def make_sink(slack: FakeSlack, png: bytes | None = None) -> SlackDigestSink:
    client = build_web_client(
        TOKEN, base_url=slack.base_url, retry_interval=FixedValueRetryIntervalCalculator(0.01)
    )
    return SlackDigestSink(client, chart=None if png is None else (lambda _digest: png))


def test_short_digest_is_one_message_with_run_metadata(slack: FakeSlack) -> None:
    posted = make_sink(slack).post_digest(SUBSCRIPTION, SHORT, RUN)
    [message] = slack.messages(CHANNEL)
    assert posted == PostedMessage(message["ts"], posted.permalink)
    assert posted.permalink
    assert posted.permalink.startswith("https://fake.slack.com/")
    assert message["metadata"] == {
        "event_type": DIGEST_EVENT_TYPE,
        "event_payload": {
            "run_id": 42,
            "subscription_id": 7,
            "local_date": "2019-08-07",
            "edition": 1,
        },
    }
    assert message["text"].startswith("ISIS: holding?")


def test_long_digest_continues_in_the_thread(slack: FakeSlack) -> None:
    posted = make_sink(slack).post_digest(SUBSCRIPTION, long_digest(), RUN)
    first, *rest = slack.messages(CHANNEL)
    assert first["ts"] == posted.ts
    assert "thread_ts" not in first
    assert rest
    assert all(message["thread_ts"] == posted.ts for message in rest)
    assert all("metadata" not in message for message in rest)
    assert all(len(message["blocks"]) <= 50 for message in [first, *rest])


def test_a_part_that_cannot_be_posted_ends_the_thread_with_a_note(
    slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    digest = long_digest(300)
    parts = len(render_digest_blocks(digest))
    assert parts >= 3
    slack.fail_next("chat.postMessage", status=200, error="msg_too_long", after=2)

    with caplog.at_level(logging.WARNING, logger="bot.chat.slack.digest_sink"):
        posted = make_sink(slack, png=PNG).post_digest(SUBSCRIPTION, digest, RUN)

    first, second, note = slack.messages(CHANNEL)[:3]
    assert first["ts"] == posted.ts
    assert second["thread_ts"] == note["thread_ts"] == posted.ts
    assert note["text"] == (
        f"Parts 3–{parts} of this digest could not be posted (Slack refused them)."
    )
    assert len(slack.messages(CHANNEL)) == 3  # nothing after the gap
    assert slack.uploads()  # the chart still goes into the thread
    assert f"msg_too_long; parts 3-{parts} of {parts} left out" in caplog.text


def test_chart_is_uploaded_into_the_thread(slack: FakeSlack) -> None:
    posted = make_sink(slack, png=PNG).post_digest(SUBSCRIPTION, SHORT, RUN)
    [start] = slack.calls_to("files.getUploadURLExternal")
    assert start.params["filename"] == "indicator-chart.png"
    assert int(start.params["length"]) == len(PNG)
    assert list(slack.uploads().values()) == [PNG]
    [complete] = slack.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == CHANNEL
    assert complete.params["thread_ts"] == posted.ts


def test_no_chart_means_no_upload(slack: FakeSlack) -> None:
    sink = SlackDigestSink(build_web_client(TOKEN, base_url=slack.base_url), chart=lambda _: None)
    sink.post_digest(SUBSCRIPTION, SHORT, RUN)
    assert slack.calls_to("files.getUploadURLExternal") == []


def test_failed_chart_upload_leaves_the_digest_posted(slack: FakeSlack) -> None:
    slack.fail_next("files.completeUploadExternal", status=200, error="not_in_channel")
    posted = make_sink(slack, png=PNG).post_digest(SUBSCRIPTION, SHORT, RUN)
    assert [m["ts"] for m in slack.messages(CHANNEL)] == [posted.ts]


def test_rate_limited_post_is_retried(slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=0)
    posted = make_sink(slack).post_digest(SUBSCRIPTION, SHORT, RUN)
    assert len(slack.calls_to("chat.postMessage")) == 2
    assert [m["ts"] for m in slack.messages(CHANNEL)] == [posted.ts]


def test_server_error_is_retried(slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", status=500)
    make_sink(slack).post_digest(SUBSCRIPTION, SHORT, RUN)
    assert len(slack.messages(CHANNEL)) == 1


def test_slack_error_becomes_a_one_line_chat_error_without_the_token(slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", status=200, error="channel_not_found")
    with pytest.raises(ChatError) as caught:
        make_sink(slack).post_digest(SUBSCRIPTION, SHORT, RUN)
    message = str(caught.value)
    assert CHANNEL in message
    assert "channel_not_found" in message
    assert "\n" not in message
    assert TOKEN not in message


def test_unreachable_slack_becomes_a_chat_error() -> None:
    with FakeSlack(token=TOKEN) as gone:
        url = gone.base_url
    client = build_web_client(
        TOKEN, base_url=url, retry_interval=FixedValueRetryIntervalCalculator(0.01)
    )
    with pytest.raises(ChatError, match=CHANNEL) as caught:
        SlackDigestSink(client).post_digest(SUBSCRIPTION, SHORT, RUN)
    assert TOKEN not in str(caught.value)


def test_find_posted_finds_the_message_of_a_crashed_attempt(slack: FakeSlack) -> None:
    sink = make_sink(slack)
    sink.post_digest(SUBSCRIPTION, SHORT, RUN)  # the attempt that "crashed"
    earlier = slack.messages(CHANNEL)[0]
    other = replace(RUN, id=43, local_date=date(2019, 8, 8))
    sink.post_digest(SUBSCRIPTION, SHORT, other)  # a newer, unrelated digest
    found = sink.find_posted(SUBSCRIPTION, replace(RUN, attempts=2, claimed_at=NOW))
    assert found is not None
    assert found.ts == earlier["ts"]
    assert found.permalink
    assert earlier["ts"].replace(".", "") in found.permalink
    [history] = slack.calls_to("conversations.history")
    assert history.params["include_all_metadata"] in {"1", "true", "True"}
    assert int(history.params["limit"]) == 50
    assert float(history.params["oldest"]) < NOW.timestamp()


def test_find_posted_accepts_the_subscription_date_and_edition(slack: FakeSlack) -> None:
    sink = make_sink(slack)
    sink.post_digest(SUBSCRIPTION, SHORT, RUN)
    assert sink.find_posted(SUBSCRIPTION, replace(RUN, id=99, attempts=2)) is not None
    assert sink.find_posted(SUBSCRIPTION, replace(RUN, id=99, edition=2)) is None


def test_find_posted_in_an_empty_channel_is_none(slack: FakeSlack) -> None:
    assert make_sink(slack).find_posted(SUBSCRIPTION, replace(RUN, attempts=2)) is None


def test_find_posted_ignores_messages_without_our_metadata(slack: FakeSlack) -> None:
    client = build_web_client(TOKEN, base_url=slack.base_url)
    client.chat_postMessage(channel=CHANNEL, text="someone else")
    assert SlackDigestSink(client).find_posted(SUBSCRIPTION, RUN) is None
