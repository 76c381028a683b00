"""The Slack WebClient against a loopback fake: base URL, bearer token, retries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.chat.slack.client import build_web_client
from tests.support.fake_slack import FakeSlack

TOKEN = "xoxb-test-secret-token"
FAST = FixedValueRetryIntervalCalculator(0.01)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    return build_web_client(TOKEN, base_url=slack.base_url, retry_interval=FAST)


def test_client_retries_rate_limits_server_and_connection_errors() -> None:
    client = build_web_client(TOKEN, base_url="http://127.0.0.1:9/api/")
    kinds = [type(handler) for handler in client.retry_handlers]
    assert kinds == [
        RateLimitErrorRetryHandler,
        ServerErrorRetryHandler,
        ConnectionErrorRetryHandler,
    ]
    assert client.retry_handlers[0].max_retry_count == 3


def test_base_url_without_trailing_slash_is_normalised(slack: FakeSlack) -> None:
    client = build_web_client(TOKEN, base_url=slack.base_url.rstrip("/"))
    assert client.base_url == slack.base_url
    assert client.auth_test()["user_id"] == "U0BRIEFBOT"


def test_calls_carry_the_bearer_token(client: WebClient, slack: FakeSlack) -> None:
    client.auth_test()
    assert slack.calls_to("auth.test")[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_wrong_token_is_refused(slack: FakeSlack) -> None:
    client = build_web_client("xoxb-wrong", base_url=slack.base_url)
    with pytest.raises(SlackApiError) as caught:
        client.auth_test()
    assert caught.value.response["error"] == "invalid_auth"


def test_rate_limit_with_retry_after_is_retried(client: WebClient, slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=0)
    response = client.chat_postMessage(channel="C1", text="hello")
    assert response["ok"]
    assert len(slack.calls_to("chat.postMessage")) == 2
    assert len(slack.messages("C1")) == 1


def test_server_error_is_retried(client: WebClient, slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", status=500)
    assert client.chat_postMessage(channel="C1", text="hello")["ok"]
    assert len(slack.calls_to("chat.postMessage")) == 2


def test_server_errors_past_the_retries_fail(client: WebClient, slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", status=503, times=3)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="hello")
    assert len(slack.calls_to("chat.postMessage")) == 3
    assert slack.messages("C1") == []
