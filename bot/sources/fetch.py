"""Safe HTTP GET: http(s) only, public addresses, manual redirects, byte caps and deadlines.

Every failure is a ``FetchError`` whose one-line message names the URL:

    GET <url>: HTTP 503
    GET <url>: refused, <host> is not a public address (10.0.0.1)
    GET <url>: body exceeds 20000000 bytes
    GET <url>: no complete answer within 60s
    GET <url>: waited too long for a turn at <host:port> (...)

Requests to one ``host:port`` go through a shared ``HostThrottle`` (``max_per_host`` in flight,
``polite_delay`` seconds between starts), each redirect hop included.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from bot.domain.errors import FetchError
from bot.sources.addresses import AddressGuard, Resolver, resolve_host
from bot.sources.decoding import (
    ACCEPT_ENCODING,
    IDENTITY,
    UnsupportedEncodingError,
    decode_stream,
)
from bot.sources.throttle import HostThrottle
from bot.sources.urls import require_http_url

DEFAULT_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, "
    "text/html;q=0.9, application/pdf;q=0.9, */*;q=0.5"
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Limits for fetching; ``allow_hosts`` lists host names, IPs, CIDRs or ``host:port`` pairs
    exempt from the public-address rule (``("127.0.0.1",)`` in tests, ``("10.0.0.0/8",)`` on
    an intranet, ``("127.0.0.1:43117",)`` for the demo). ``max_per_host`` requests may be in
    flight to one host:port, their starts ``polite_delay`` seconds apart."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_bytes: int = 20_000_000
    max_redirects: int = 5
    user_agent: str = "Briefbot/0.1 (+contact)"
    allow_hosts: tuple[str, ...] = ()
    max_per_host: int = 2
    polite_delay: float = 1.0


@dataclass(frozen=True, slots=True)
class _Request:
    """What every hop of one fetch shares."""

    start: str
    headers: dict[str, str]
    deadline: float
    max_bytes: int
    raise_for_status: bool = True


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
    each hop is checked here for its scheme and address before it is requested. ``throttle``
    defaults to one built from the policy; pass one to share it or to inject a clock.
    """

    def __init__(
        self,
        client: httpx.Client,
        policy: FetchPolicy,
        *,
        resolve: Resolver = resolve_host,
        throttle: HostThrottle | None = None,
    ) -> None:
        self._client = client
        self._policy = policy
        self._guard = AddressGuard.from_allow_list(policy.allow_hosts, resolve=resolve)
        self._throttle = throttle or HostThrottle(policy.max_per_host, policy.polite_delay)

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
        max_bytes: int | None = None,
        raise_for_status: bool = True,
    ) -> FetchResponse:
        """GET ``url`` conditionally; a 304 gives ``not_modified=True`` and an empty body.

        ``max_bytes`` lowers the policy's byte cap for this fetch (robots.txt uses a small
        one). With ``raise_for_status=False`` a final 4xx/5xx answer is returned with an
        empty body instead of raised. Raises ``FetchError`` for refused URLs or addresses,
        HTTP errors, too many redirects, oversized bodies, timeouts and transport failures.
        """
        start = current = require_http_url(url)
        request = _Request(
            start=start,
            headers=self._build_headers(etag=etag, last_modified=last_modified, accept=accept),
            deadline=time.monotonic() + self._policy.total_timeout,
            max_bytes=min(max_bytes or self._policy.max_bytes, self._policy.max_bytes),
            raise_for_status=raise_for_status,
        )
        visited = {current}
        for _hop in range(self._policy.max_redirects + 1):
            location = self._get_hop(current, request)
            if isinstance(location, FetchResponse):
                return location
            if location in visited:
                raise FetchError(f"GET {start}: redirect loop at {location}")
            visited.add(location)
            current = location
        raise FetchError(f"GET {start}: more than {self._policy.max_redirects} redirects")

    def _get_hop(self, url: str, request: _Request) -> FetchResponse | str:
        """One hop with library errors translated; errors after a redirect name both URLs."""
        try:
            with self._translate_errors(url):
                return self._check_and_get(url, request)
        except FetchError as exc:
            if url == request.start:
                raise
            raise FetchError(f"GET {request.start}: redirected, {exc}") from exc

    def _check_and_get(self, url: str, request: _Request) -> FetchResponse | str:
        """One hop, in its turn at the host: the response, or the next URL to follow."""
        parsed = httpx.URL(url)
        port = parsed.port or _default_port(parsed.scheme)
        self._guard.check(url, host=parsed.host, port=port)
        host_key = f"{parsed.host}:{port}"
        try:
            with self._throttle.slot(host_key, timeout=self._remaining(url, request.deadline)):
                return self._get(url, request)
        except TimeoutError as exc:
            raise FetchError(
                f"GET {url}: waited too long for a turn at {host_key} ({exc})"
            ) from exc

    def _get(self, url: str, request: _Request) -> FetchResponse | str:
        timeout = self._timeout(url, request.deadline)
        with self._client.stream("GET", url, headers=request.headers, timeout=timeout) as response:
            status = response.status_code
            if status in REDIRECT_STATUSES:
                return _next_location(url, response)
            if status == 304:
                return _build_response(url, response, b"", not_modified=True)
            if status >= 400 and not request.raise_for_status:
                return _build_response(url, response, b"", not_modified=False)
            if status >= 300 or status < 200:
                raise FetchError(f"GET {url}: HTTP {status}")
            body = self._read_body(url, response, request)
            return _build_response(url, response, body, not_modified=False)

    def _read_body(self, url: str, response: httpx.Response, request: _Request) -> bytes:
        """The decoded body, stopped at ``max_bytes`` and at the deadline."""
        encoding = response.headers.get("content-encoding", "")
        declared = response.headers.get("content-length", "")
        limit = request.max_bytes
        # With an encoding the decoded size may differ: only the decoded bytes are counted.
        if declared.isdigit() and int(declared) > limit and encoding.strip().lower() in IDENTITY:
            raise FetchError(f"GET {url}: body of {declared} bytes exceeds {limit} bytes")
        try:
            pieces = decode_stream(response.iter_raw(), encoding=encoding)
            return self._collect(url, pieces, request)
        except UnsupportedEncodingError as exc:
            raise FetchError(f"GET {url}: {exc}") from exc
        except zlib.error as exc:
            raise FetchError(f"GET {url}: corrupt {encoding} body ({exc})") from exc

    def _collect(self, url: str, pieces: Iterator[bytes], request: _Request) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for piece in pieces:
            size += len(piece)
            if size > request.max_bytes:
                raise FetchError(f"GET {url}: body exceeds {request.max_bytes} bytes")
            if time.monotonic() > request.deadline:
                raise self._deadline_error(url)
            chunks.append(piece)
        return b"".join(chunks)

    def _remaining(self, url: str, deadline: float) -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise self._deadline_error(url)
        return remaining

    def _timeout(self, url: str, deadline: float) -> httpx.Timeout:
        remaining = self._remaining(url, deadline)
        policy = self._policy
        read = min(policy.read_timeout, remaining)
        return httpx.Timeout(read, connect=min(policy.connect_timeout, remaining), pool=remaining)

    def _deadline_error(self, url: str) -> FetchError:
        return FetchError(f"GET {url}: no complete answer within {self._policy.total_timeout:g}s")

    def _build_headers(
        self, *, etag: str | None, last_modified: str | None, accept: str
    ) -> dict[str, str]:
        headers = {
            "User-Agent": self._policy.user_agent,
            "Accept": accept,
            "Accept-Encoding": ACCEPT_ENCODING,
        }
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
