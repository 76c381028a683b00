"""Safe HTTP GET: http(s) only, public addresses, manual redirects, byte caps and deadlines.

Every failure is a ``FetchError`` whose one-line message names the URL:

    GET <url>: HTTP 503
    GET <url>: refused, <host> is not a public address (10.0.0.1)
    GET <url>: body exceeds 20000000 bytes
    GET <url>: no complete answer within 60s
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from bot.domain.errors import FetchError
from bot.sources.addresses import AddressGuard, Resolver, resolve_host
from bot.sources.urls import require_http_url

DEFAULT_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, "
    "text/html;q=0.9, application/pdf;q=0.9, */*;q=0.5"
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Limits for one fetch; ``allow_hosts`` lists host names, IPs or CIDRs exempt from the
    public-address rule (e.g. ``("127.0.0.1",)`` in tests, ``("10.0.0.0/8",)`` on an intranet)."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_bytes: int = 20_000_000
    max_redirects: int = 5
    user_agent: str = "Briefbot/0.1 (+contact)"
    allow_hosts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FetchResponse:
    """A successful answer (or a 304): the final URL after redirects and the decoded body."""

    url: str
    status: int
    content_type: str
    charset: str | None
    body: bytes
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False


class HttpFetcher:
    """Fetches URLs with an injected ``httpx.Client`` under a ``FetchPolicy``.

    The client must not follow redirects itself (``follow_redirects=False``, httpx's default):
    each hop is checked here for its scheme and address before it is requested.
    """

    def __init__(
        self, client: httpx.Client, policy: FetchPolicy, *, resolve: Resolver = resolve_host
    ) -> None:
        self._client = client
        self._policy = policy
        self._guard = AddressGuard.from_allow_list(policy.allow_hosts, resolve=resolve)

    @property
    def policy(self) -> FetchPolicy:
        return self._policy

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = DEFAULT_ACCEPT,
    ) -> FetchResponse:
        """GET ``url`` conditionally; a 304 gives ``not_modified=True`` and an empty body.

        Raises ``FetchError`` for refused URLs or addresses, HTTP errors, too many redirects,
        oversized bodies, timeouts and transport failures.
        """
        deadline = time.monotonic() + self._policy.total_timeout
        headers = self._build_headers(etag=etag, last_modified=last_modified, accept=accept)
        start = current = require_http_url(url)
        visited = {current}
        for _hop in range(self._policy.max_redirects + 1):
            location = self._get_hop(current, headers=headers, deadline=deadline, start=start)
            if isinstance(location, FetchResponse):
                return location
            if location in visited:
                raise FetchError(f"GET {start}: redirect loop at {location}")
            visited.add(location)
            current = location
        raise FetchError(f"GET {start}: more than {self._policy.max_redirects} redirects")

    def _get_hop(
        self, url: str, *, headers: dict[str, str], deadline: float, start: str
    ) -> FetchResponse | str:
        """One hop with library errors translated; errors after a redirect name both URLs."""
        try:
            with self._translate_errors(url):
                return self._check_and_get(url, headers=headers, deadline=deadline)
        except FetchError as exc:
            if url == start:
                raise
            raise FetchError(f"GET {start}: redirected, {exc}") from exc

    def _check_and_get(
        self, url: str, *, headers: dict[str, str], deadline: float
    ) -> FetchResponse | str:
        """One hop: the response, or the next URL to follow."""
        parsed = httpx.URL(url)
        self._guard.check(url, host=parsed.host, port=parsed.port or _default_port(parsed.scheme))
        timeout = self._timeout(url, deadline)
        with self._client.stream("GET", url, headers=headers, timeout=timeout) as response:
            if response.status_code in REDIRECT_STATUSES:
                return _next_location(url, response)
            if response.status_code == 304:
                return _build_response(url, response, b"", not_modified=True)
            if response.status_code >= 300 or response.status_code < 200:
                raise FetchError(f"GET {url}: HTTP {response.status_code}")
            body = self._read_body(url, response, deadline)
            return _build_response(url, response, body, not_modified=False)

    def _read_body(self, url: str, response: httpx.Response, deadline: float) -> bytes:
        """The decoded body, stopped at ``max_bytes`` and at the deadline."""
        limit = self._policy.max_bytes
        declared = response.headers.get("content-length", "")
        encoded = "content-encoding" in response.headers  # the decoded size may differ
        if declared.isdigit() and int(declared) > limit and not encoded:
            raise FetchError(f"GET {url}: body of {declared} bytes exceeds {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchError(f"GET {url}: body exceeds {limit} bytes")
            if time.monotonic() > deadline:
                raise self._deadline_error(url)
            chunks.append(chunk)
        return b"".join(chunks)

    def _timeout(self, url: str, deadline: float) -> httpx.Timeout:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise self._deadline_error(url)
        policy = self._policy
        read = min(policy.read_timeout, remaining)
        return httpx.Timeout(read, connect=min(policy.connect_timeout, remaining), pool=remaining)

    def _deadline_error(self, url: str) -> FetchError:
        return FetchError(f"GET {url}: no complete answer within {self._policy.total_timeout:g}s")

    def _build_headers(
        self, *, etag: str | None, last_modified: str | None, accept: str
    ) -> dict[str, str]:
        headers = {"User-Agent": self._policy.user_agent, "Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return headers

    @contextmanager
    def _translate_errors(self, url: str) -> Iterator[None]:
        try:
            yield
        except httpx.TimeoutException as exc:
            raise FetchError(f"GET {url}: timed out ({type(exc).__name__})") from exc
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
            raise FetchError(f"GET {url}: {type(exc).__name__}: {exc or 'failed'}") from exc


def _next_location(url: str, response: httpx.Response) -> str:
    location = response.headers.get("location", "").strip()
    if not location:
        raise FetchError(f"GET {url}: HTTP {response.status_code} without a Location header")
    try:
        target = str(httpx.URL(url).join(location).copy_with(fragment=None))
    except (httpx.InvalidURL, ValueError) as exc:
        raise FetchError(f"GET {url}: bad redirect Location {location!r}") from exc
    try:
        return require_http_url(target)
    except FetchError as exc:
        raise FetchError(f"GET {url}: redirect refused, {exc}") from exc


def _build_response(
    url: str, response: httpx.Response, body: bytes, *, not_modified: bool
) -> FetchResponse:
    content_type, charset = _split_content_type(response.headers.get("content-type", ""))
    return FetchResponse(
        url=url,
        status=response.status_code,
        content_type=content_type,
        charset=charset,
        body=body,
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
        not_modified=not_modified,
    )


def _split_content_type(header: str) -> tuple[str, str | None]:
    media_type, *params = (part.strip() for part in header.split(";"))
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip(' "'):
            charset = value.strip(' "').lower()
    return media_type.lower(), charset


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80
