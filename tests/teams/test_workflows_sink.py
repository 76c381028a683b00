"""The Workflows digest sink over real httpx traffic to a loopback fake Workflows webhook."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time

import httpx
import pytest
from PIL import Image

from bot.chat.teams.workflows import (
    RetryPolicy,
    WorkflowsDigestSink,
    mask_webhook_url,
    parse_retry_after,
)
from bot.domain.errors import ChatError
from bot.domain.models import Digest
from bot.domain.subscriptions import (
    DigestRun,
    Platform,
    PostedMessage,
    RunStatus,
    Subscription,
    SubscriptionSpec,
)
from tests.support.fake_workflows import SIGNATURE, WORKFLOW_PATH, FakeWorkflows

NOW = datetime(2019, 8, 7, 13, 0, tzinfo=UTC)
RUN = DigestRun(
    id=42,
    subscription_id=7,
    local_date=date(2019, 8, 7),
    edition=1,
    status=RunStatus.PENDING,
    created_at=NOW,
    claimed_at=NOW,
)
DIGEST = Digest("ISIS: holding?", "Is it premature?", NOW, "Likely premature [1].")
SECRETS = (SIGNATURE, WORKFLOW_PATH, "workflows", "sig=")


def subscription(url: str | None) -> Subscription:
    spec = SubscriptionSpec(
        Platform.TEAMS, "Policy desk", time(9), "Europe/London", "lens", webhook_url=url
    )
    return Subscription(id=7, spec=spec, created_at=NOW)


class Sleeps(list[float]):
    """Records the sink's waits instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def teams() -> Iterator[FakeWorkflows]:
    with FakeWorkflows() as fake:
        yield fake


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False) as client:
        yield client


def make_sink(
    http: httpx.Client | None, sleeps: Sleeps | None = None, **options: object
) -> WorkflowsDigestSink:
    return WorkflowsDigestSink(http, sleep=sleeps if sleeps is not None else Sleeps(), **options)  # type: ignore[arg-type]


def assert_one_line_without_secrets(error: ChatError, teams: FakeWorkflows) -> None:
    message = str(error)
    assert "\n" not in message
    assert f"({teams.origin}/…)" in message
    for secret in SECRETS:
        assert secret not in message
    assert error.__cause__ is None  # raised "from None": no httpx message rides along
    assert error.__suppress_context__


def test_posts_the_card_once_and_names_the_run(teams: FakeWorkflows, http: httpx.Client) -> None:
    posted = make_sink(http).post_digest(subscription(teams.webhook_url), DIGEST, RUN)
    assert posted == PostedMessage("teams:7:2019-08-07:1")
    [card] = teams.cards()
    assert card["body"][0]["text"] == "ISIS: holding?"
    [request] = teams.requests
    assert request.status == 202
    assert request.headers["content-type"] == "application/json; charset=utf-8"


def test_without_a_client_each_post_opens_and_closes_its_own(teams: FakeWorkflows) -> None:
    make_sink(None).post_digest(subscription(teams.webhook_url), DIGEST, RUN)
    assert len(teams.posts) == 1


def test_rate_limit_waits_retry_after(teams: FakeWorkflows, http: httpx.Client) -> None:
    teams.answer_next(429, retry_after="2")
    sleeps = Sleeps()
    make_sink(http, sleeps).post_digest(subscription(teams.webhook_url), DIGEST, RUN)
    assert sleeps == [2.0]
    assert [r.status for r in teams.requests] == [429, 202]
    assert len(teams.posts) == 1


def test_retry_after_is_capped(teams: FakeWorkflows, http: httpx.Client) -> None:
    teams.answer_next(429, retry_after="3600")
    sleeps = Sleeps()
    make_sink(http, sleeps, retry=RetryPolicy(max_wait=5)).post_digest(
        subscription(teams.webhook_url), DIGEST, RUN
    )
    assert sleeps == [5.0]


def test_server_errors_back_off_exponentially(teams: FakeWorkflows, http: httpx.Client) -> None:
    teams.answer_next(500)
    teams.answer_next(503)
    sleeps = Sleeps()
    make_sink(http, sleeps).post_digest(subscription(teams.webhook_url), DIGEST, RUN)
    assert sleeps == [1.0, 2.0]
    assert [r.status for r in teams.requests] == [500, 503, 202]


def test_gives_up_with_one_line_that_hides_the_url(
    teams: FakeWorkflows, http: httpx.Client
) -> None:
    teams.answer_next(503, times=4)
    sleeps = Sleeps()
    with pytest.raises(ChatError) as caught:
        make_sink(http, sleeps).post_digest(subscription(teams.webhook_url), DIGEST, RUN)
    assert str(caught.value) == (
        f"Teams did not take the digest for Policy desk ({teams.origin}/…) after 4 attempts: "
        "HTTP 503"
    )
    assert_one_line_without_secrets(caught.value, teams)
    assert sleeps == [1.0, 2.0, 4.0]
    assert teams.posts == []


def test_a_refusal_is_not_retried(teams: FakeWorkflows, http: httpx.Client) -> None:
    wrong = teams.webhook_url.replace(WORKFLOW_PATH, "/workflows/gone/triggers/manual/run")
    with pytest.raises(ChatError) as caught:
        make_sink(http).post_digest(subscription(wrong), DIGEST, RUN)
    assert str(caught.value).endswith(
        ": HTTP 404 — no workflow at this URL (deleted, or the URL is wrong)"
    )
    assert_one_line_without_secrets(caught.value, teams)
    assert len(teams.requests) == 1


def test_a_bad_signature_says_to_copy_the_url_again(
    teams: FakeWorkflows, http: httpx.Client
) -> None:
    with pytest.raises(ChatError, match=r"HTTP 401 — .*copy the URL") as caught:
        make_sink(http).post_digest(
            subscription(teams.webhook_url.replace(SIGNATURE, "forged")), DIGEST, RUN
        )
    assert "forged" not in str(caught.value)


def test_no_connection_is_retried_then_fails(http: httpx.Client) -> None:
    with FakeWorkflows() as gone:
        url = gone.webhook_url
    sleeps = Sleeps()
    with pytest.raises(ChatError, match=r"after 4 attempts: ConnectError$") as caught:
        make_sink(http, sleeps).post_digest(subscription(url), DIGEST, RUN)
    assert_one_line_without_secrets(caught.value, gone)
    assert len(sleeps) == 3


def test_no_answer_is_not_repeated_since_the_card_may_be_posted(
    teams: FakeWorkflows, http: httpx.Client
) -> None:
    teams.answer_next(202, stall=2)  # the flow runs, the answer comes too late
    with pytest.raises(ChatError, match="ReadTimeout; the digest may have been posted") as caught:
        make_sink(http, timeout=httpx.Timeout(0.3)).post_digest(
            subscription(teams.webhook_url), DIGEST, RUN
        )
    assert_one_line_without_secrets(caught.value, teams)
    assert len(teams.requests) == 1


def test_a_subscription_without_a_webhook_fails_clearly(http: httpx.Client) -> None:
    with pytest.raises(ChatError, match="Teams subscription 7 has no webhook URL"):
        make_sink(http).post_digest(subscription(None), DIGEST, RUN)


def test_find_posted_cannot_look_and_says_none(teams: FakeWorkflows, http: httpx.Client) -> None:
    again = replace(RUN, attempts=2)
    assert make_sink(http).find_posted(subscription(teams.webhook_url), again) is None
    assert teams.requests == []


def test_the_chart_travels_as_a_compact_data_uri(teams: FakeWorkflows, http: httpx.Client) -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (200, 100), (255, 255, 255, 255)).save(buffer, format="PNG")
    sink = make_sink(http, chart=lambda _digest: buffer.getvalue())
    sink.post_digest(subscription(teams.webhook_url), DIGEST, RUN)
    [card] = teams.cards()
    [image] = [element for element in card["body"] if element["type"] == "Image"]
    assert image["url"].startswith("data:image/png;base64,")


def test_a_chart_that_cannot_be_drawn_is_left_out(
    teams: FakeWorkflows, http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_digest: Digest) -> bytes:
        raise ValueError("no dated figure")

    make_sink(http, chart=broken).post_digest(subscription(teams.webhook_url), DIGEST, RUN)
    [card] = teams.cards()
    assert all(element["type"] != "Image" for element in card["body"])
    assert "digest chart left out for Policy desk: no dated figure" in caplog.text


def test_httpx_request_logs_mask_the_url(
    teams: FakeWorkflows, http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    make_sink(http).post_digest(subscription(teams.webhook_url), DIGEST, RUN)
    assert f"POST {teams.origin}/…" in caplog.text
    for secret in (SIGNATURE, WORKFLOW_PATH):
        assert secret not in caplog.text


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://prod-27.westus.logic.azure.com:443/workflows/abc?sig=s",
            "https://prod-27.westus.logic.azure.com:443/…",
        ),
        ("https://user:pass@example.org/hook?sig=s", "https://example.org/…"),
        ("HTTPS://Example.org/hook", "https://example.org/…"),
        ("http://[::1]:8080/hook", "http://[::1]:8080/…"),
        ("not a url", "(webhook URL hidden)"),
        ("https://[bad/hook", "(webhook URL hidden)"),
        (None, "(webhook URL hidden)"),
    ],
)
def test_mask_webhook_url_keeps_scheme_and_host_only(url: str | None, shown: str) -> None:
    assert mask_webhook_url(url) == shown


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after("Wed, 07 Aug 2019 13:00:10 GMT", now=NOW) == 10.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
