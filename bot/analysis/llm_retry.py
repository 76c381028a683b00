"""When and how long the LLM client waits before trying again: backoff, jitter, Retry-After."""

from __future__ import annotations

import random
from datetime import datetime
from email.utils import parsedate_to_datetime

import httpx

MAX_RETRY_AFTER_SECONDS = 60.0
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 30.0
TOO_MANY_REQUESTS = 429
# Transport failures worth another attempt: the request may never have reached the model.
TRANSIENT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


def is_retryable_status(status: int) -> bool:
    """429 and 5xx are worth another attempt; any other 4xx will fail the same way again."""
    return status == TOO_MANY_REQUESTS or 500 <= status <= 599


def compute_backoff(attempt: int, rng: random.Random) -> float:
    """Exponential backoff with equal jitter: half the step fixed, half random."""
    step = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2.0**attempt)
    return step / 2 + rng.random() * step / 2


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), capped; None if
    absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds: float | None = float(text)
    except ValueError:
        seconds = _seconds_until(text, now)
    if seconds is None or seconds != seconds:  # unreadable or NaN
        return None
    return max(0.0, min(seconds, MAX_RETRY_AFTER_SECONDS))


def _seconds_until(http_date: str, now: datetime) -> float | None:
    try:
        moment = parsedate_to_datetime(http_date)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None or now.tzinfo is None:
        return None
    return (moment - now).total_seconds()
