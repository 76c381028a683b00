"""robots.txt for listing sources: fetched through the same guarded, throttled fetcher.

What an answer means follows RFC 9309 (the Robots Exclusion Protocol), section 2.3.1:

- 2xx: the rules apply (parsed with ``urllib.robotparser``);
- 4xx ("unavailable", 404 and 410 among them): no rules, everything is allowed;
- 5xx, 429, a network error, a refused redirect or an oversized file ("unreachable"):
  everything is disallowed. The RFC requires this, and so does Google's crawler: a site whose
  server is failing may be failing under load, and reading its listing anyway would ignore
  rules we could not read. The verdict is cached for ``retry_after`` seconds only (15 min by
  default, less than a poll interval), so the next poll asks again and the source recovers
  by itself; the refusal names the reason.

Verdicts are cached per scheme, host and port for ``ttl`` seconds (24 h, the RFC's upper
bound). The cache is thread-safe and bounded.
"""

from __future__ import annotations

import threading
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.domain.errors import FetchError
from bot.sources.fetch import HttpFetcher

ROBOTS_MAX_BYTES = 512 * 1024
ROBOTS_TTL = 24 * 3600.0
ROBOTS_RETRY_AFTER = 15 * 60.0
MAX_CACHED_SITES = 1000
ROBOTS_ACCEPT = "text/plain, */*;q=0.5"


@dataclass(frozen=True, slots=True)
class _Rules:
    """One site's robots.txt verdict: parsed rules, or a reason everything is disallowed."""

    parser: urllib.robotparser.RobotFileParser | None
    expires_at: float
    unreachable: str | None = None

    def allows(self, url: str, user_agent: str) -> bool:
        if self.unreachable is not None:
            return False
        return self.parser is None or self.parser.can_fetch(user_agent, url)


class RobotsPolicy:
    """Answers whether a URL may be fetched by ``user_agent`` under its site's robots.txt."""

    def __init__(
        self,
        fetcher: HttpFetcher,
        *,
        ttl: float = ROBOTS_TTL,
        retry_after: float = ROBOTS_RETRY_AFTER,
        max_bytes: int = ROBOTS_MAX_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetcher = fetcher
        self._ttl = ttl
        self._retry_after = retry_after
        self._max_bytes = max_bytes
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, _Rules] = {}

    def allowed(self, url: str, user_agent: str) -> bool:
        """True when robots.txt lets ``user_agent`` fetch ``url`` (fetching it if needed)."""
        return self.refusal(url, user_agent) is None

    def refusal(self, url: str, user_agent: str) -> str | None:
        """None when ``url`` may be fetched, else a one-line reason: ``robots.txt disallows
        <url>``, or, when robots.txt could not be read, that reason (the site is then treated
        as disallowing everything until it can be read, RFC 9309)."""
        rules = self._rules_for(url)
        if rules.allows(url, user_agent):
            return None
        if rules.unreachable is not None:
            return f"robots.txt unreachable, {url} not fetched: {rules.unreachable}"
        return f"robots.txt disallows {url}"

    def _rules_for(self, url: str) -> _Rules:
        site = _site_of(url)
        with self._lock:
            cached = self._cache.get(site)
        if cached is not None and cached.expires_at > self._clock():
            return cached
        rules = self._fetch_rules(site)
        with self._lock:
            if len(self._cache) >= MAX_CACHED_SITES and site not in self._cache:
                self._cache.pop(next(iter(self._cache)))
            self._cache[site] = rules
        return rules

    def _fetch_rules(self, site: str) -> _Rules:
        """Fetch and parse ``site``/robots.txt; never raises."""
        robots_url = f"{site}/robots.txt"
        try:
            response = self._fetcher.fetch(
                robots_url,
                accept=ROBOTS_ACCEPT,
                max_bytes=self._max_bytes,
                raise_for_status=False,
            )
        except FetchError as exc:
            return self._unreachable(str(exc))
        if response.status == 429 or response.status >= 500:
            return self._unreachable(f"GET {response.url}: HTTP {response.status}")
        if response.status >= 400:
            return _Rules(parser=None, expires_at=self._clock() + self._ttl)
        return _Rules(parser=parse_robots(response.body), expires_at=self._clock() + self._ttl)

    def _unreachable(self, reason: str) -> _Rules:
        return _Rules(parser=None, expires_at=self._clock() + self._retry_after, unreachable=reason)


def parse_robots(body: bytes) -> urllib.robotparser.RobotFileParser:
    """Rules from a robots.txt body (UTF-8, undecodable bytes replaced, BOM dropped)."""
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(body.decode("utf-8", errors="replace").lstrip("\ufeff").splitlines())
    return parser


def _site_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, lowercased: the scope one robots.txt covers."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:  # a bad port: the fetch itself will fail and say so
        port = None
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" if port in (None, default) else f"{scheme}://{host}:{port}"
