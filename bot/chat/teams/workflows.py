"""The Teams digest sink: posts a digest card to a channel's Workflows webhook.

A Workflows webhook ("When a Teams webhook request is received", then "Post card in a chat
or channel") takes one Adaptive Card per request and answers 202 Accepted with no message id
and no way to read the channel back. So:

- **No history.** ``find_posted`` always returns None. The exactly-once claim in
  ``digest_run`` (``DigestPoster``) is what prevents double posts. A claimer that crashes
  between claim and post leaves its run pending; after the poster's ``pending_timeout`` a
  later call (the next scheduled fire, ``briefbot digest --post``) claims it again, finds
  nothing (this sink can't look) and posts. A crash *before* the POST therefore loses
  nothing; a crash after Teams took the card but before the run was recorded posts the
  digest a second time: at least once in that window, exactly once otherwise.
- **Retries only when Teams surely did not post.** 429 (waiting its Retry-After, capped) and
  5xx are retried with exponential backoff, and so are connections that never reached the
  server. A request that was sent but got no answer (read timeout, dropped connection) is
  not repeated, since the flow may have run; it fails saying the digest may have been posted.
- **The URL is a secret** (its ``sig`` parameter is the credential): errors name it only as
  ``mask_webhook_url`` shows it, exceptions are raised ``from None`` so no httpx message
  rides along, and httpx's request log lines mask any URL with a ``sig`` parameter.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, urlsplit

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from bot.chat.teams.cards import render_digest_card
from bot.chat.teams.chart_image import compact_png
from bot.chat.teams.payload import encode_message
from bot.domain.errors import ChatError
from bot.domain.models import Digest
from bot.domain.subscriptions import DigestRun, PostedMessage, Subscription

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
TEAMS_TS_PREFIX = "teams"
SIGNATURE_PARAMETER = "sig"
HIDDEN_URL = "(webhook URL hidden)"
TOO_MANY_REQUESTS = 429
HEADERS = {"Content-Type": "application/json; charset=utf-8"}
# Failures before any byte reached the server: the flow did not run, so trying again is safe.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
REFUSAL_HINTS = {
    400: "the workflow refused the card",
    401: "the webhook's signature was refused; copy the URL from the workflow again",
    403: "the webhook's signature was refused; copy the URL from the workflow again",
    404: "no workflow at this URL (deleted, or the URL is wrong)",
    413: "the card is too large",
}

ChartRenderer = Callable[[Digest], bytes | None]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long the sink tries again after a 429, a 5xx or no connection."""

    attempts: int = 4  # in all, the first included
    backoff: float = 1.0  # seconds before the second attempt; doubled after each
    max_wait: float = 30.0  # cap on any wait, Retry-After included


class WorkflowsDigestSink:
    """Posts digests to Teams channels through their Workflows webhooks (``DigestSink``).

    With ``client`` the posts go through it (its pool; the sink's ``timeout`` still applies
    per request); without, each post opens its own short-lived client and closes it.
    """

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        chart: ChartRenderer | None = None,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._chart = chart
        self._retry = retry or RetryPolicy()
        self._timeout = timeout
        self._sleep = sleep
        mask_webhook_urls_in_httpx_logs()

    def find_posted(self, subscription: Subscription, run: DigestRun) -> PostedMessage | None:
        """Always None: a Workflows webhook returns no message id and Teams can't be asked
        what it posted (see the module docstring for what the poster then does)."""
        del subscription, run
        return None

    def post_digest(
        self, subscription: Subscription, digest: Digest, run: DigestRun
    ) -> PostedMessage:
        """Post ``digest`` as one card (trimmed to fit a Teams message, chart included when
        it fits) and return a synthetic ts naming the run (no permalink).

        Raises ``ChatError`` (one line, the URL masked) when the subscription has no webhook
        URL, Teams refuses the card, or it keeps failing after the retries.
        """
        url = subscription.spec.webhook_url
        if not url:
            raise ChatError(f"Teams subscription {subscription.id} has no webhook URL")
        card = render_digest_card(digest, chart_png=self._chart_png(digest, subscription))
        self._post(url, encode_message(card), where=subscription.channel)
        return PostedMessage(ts=build_teams_ts(run))

    def _chart_png(self, digest: Digest, subscription: Subscription) -> bytes | None:
        if self._chart is None:
            return None
        try:
            png = self._chart(digest)
        except ValueError as exc:  # the digest goes out without its chart
            log.warning("digest chart left out for %s: %s", subscription.channel, exc)
            return None
        return compact_png(png) if png else None

    def _post(self, url: str, body: bytes, *, where: str) -> None:
        masked = mask_webhook_url(url)
        retrying = Retrying(
            stop=stop_after_attempt(self._retry.attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_RetryableError),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            with self._open_client() as client:
                retrying(self._send, client, url, body)
        except _RetryableError as exc:
            raise ChatError(
                f"Teams did not take the digest for {where} ({masked}) after "
                f"{self._retry.attempts} attempts: {exc.reason}"
            ) from None
        except _RefusedError as exc:
            raise ChatError(f"Teams refused the digest for {where} ({masked}): {exc}") from None
        except _NoAnswerError as exc:
            raise ChatError(
                f"Teams gave no answer for {where} ({masked}): {exc}; "
                "the digest may have been posted"
            ) from None

    def _send(self, client: httpx.Client, url: str, body: bytes) -> None:
        """One POST; raises ``_RetryableError``, ``_RefusedError`` or ``_NoAnswerError``
        unless Teams takes it."""
        try:
            response = client.post(
                url, content=body, headers=HEADERS, timeout=self._timeout, follow_redirects=False
            )
        except NOT_SENT as exc:
            raise _RetryableError(type(exc).__name__) from None
        except httpx.HTTPError as exc:
            raise _NoAnswerError(type(exc).__name__) from None
        status = response.status_code
        if response.is_success:
            return
        if status == TOO_MANY_REQUESTS or response.is_server_error:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise _RetryableError(f"HTTP {status}", retry_after=retry_after)
        hint = REFUSAL_HINTS.get(status)
        if response.is_redirect:
            hint = "it answered with a redirect, which is not followed"
        raise _RefusedError(f"HTTP {status}" + (f" — {hint}" if hint else ""))

    def _wait(self, state: RetryCallState) -> float:
        """Retry-After when the answer gave one, else exponential backoff; both capped."""
        failure = state.outcome.exception() if state.outcome else None
        if isinstance(failure, _RetryableError) and failure.retry_after is not None:
            return min(failure.retry_after, self._retry.max_wait)
        backoff = wait_exponential(multiplier=self._retry.backoff, max=self._retry.max_wait)
        return float(backoff(state))

    @contextmanager
    def _open_client(self) -> Iterator[httpx.Client]:
        if self._client is not None:
            yield self._client
            return
        with httpx.Client(timeout=self._timeout, follow_redirects=False, trust_env=False) as own:
            yield own


def build_teams_ts(run: DigestRun) -> str:
    """A synthetic message id naming the run: ``teams:<subscription>:<date>:<edition>``."""
    return f"{TEAMS_TS_PREFIX}:{run.subscription_id}:{run.local_date.isoformat()}:{run.edition}"


def mask_webhook_url(url: str | None) -> str:
    """The URL as it may be shown: scheme, host and port only (``https://host/…``); the path
    and query, which hold the workflow id and its signature, never."""
    try:
        parts = urlsplit(url or "")
        host, port = parts.hostname, parts.port
    except ValueError:
        return HIDDEN_URL
    if not parts.scheme or not host:
        return HIDDEN_URL
    netloc = f"[{host}]" if ":" in host else host
    return f"{parts.scheme.lower()}://{netloc}{f':{port}' if port else ''}/…"


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); None if absent
    or unreadable. Never negative; the caller caps it."""
    if value is None or not value.strip():
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            moment = parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            return None
        seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


class MaskSignedUrls(logging.Filter):
    """Masks every URL with a ``sig`` query parameter in a log record's arguments (httpx logs
    each request's full URL at INFO)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_masked_if_signed(arg) for arg in record.args)
        return True


def mask_webhook_urls_in_httpx_logs() -> None:
    """Install ``MaskSignedUrls`` on the ``httpx`` logger, once."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(existing, MaskSignedUrls) for existing in logger.filters):
        logger.addFilter(MaskSignedUrls())


def _masked_if_signed(value: object) -> object:
    if not isinstance(value, str | httpx.URL):
        return value
    text = str(value)
    try:
        signed = SIGNATURE_PARAMETER in parse_qs(urlsplit(text).query, keep_blank_values=True)
    except ValueError:
        return value
    return mask_webhook_url(text) if signed else value


class _RetryableError(Exception):
    """Teams surely did not post: a 429, a 5xx, or no connection."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _RefusedError(Exception):
    """Teams answered with a refusal that another attempt would get again."""


class _NoAnswerError(Exception):
    """The request went out but no answer came back: the flow may have run."""
