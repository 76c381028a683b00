"""The Slack WebClient Briefbot uses: our base URL, a timeout and retries for 429, 5xx and drops."""

from __future__ import annotations

import math

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator

RATE_LIMIT_RETRIES = 3  # each waits Retry-After (+ up to 1 s of jitter)
SERVER_ERROR_RETRIES = 2
CONNECTION_ERROR_RETRIES = 2


def build_web_client(
    token: str,
    *,
    base_url: str,
    timeout: float = 30,
    retry_interval: RetryIntervalCalculator | None = None,
) -> WebClient:
    """A WebClient for ``base_url`` (a trailing ``/`` is added when missing) that retries rate
    limits (honouring Retry-After), server errors (500, 503) and connection errors.

    ``retry_interval`` replaces slack_sdk's exponential backoff for 5xx and connection errors
    (tests make it short); rate-limit waits always follow Retry-After.
    """
    url = base_url if base_url.endswith("/") else f"{base_url}/"
    return WebClient(
        token=token,
        base_url=url,
        timeout=max(1, math.ceil(timeout)),  # slack_sdk takes whole seconds
        retry_handlers=build_retry_handlers(retry_interval),
    )


def build_retry_handlers(interval: RetryIntervalCalculator | None = None) -> list[RetryHandler]:
    """Rate-limit, server-error and connection-error retry handlers, in that order."""
    backoff = interval or BackoffRetryIntervalCalculator()
    return [
        RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES, interval_calculator=backoff),
        ConnectionErrorRetryHandler(
            max_retry_count=CONNECTION_ERROR_RETRIES, interval_calculator=backoff
        ),
    ]
