"""URL checks and canonical forms used for fetching and deduplication."""

from __future__ import annotations

from urllib.parse import unquote_plus, urlsplit, urlunsplit

from bot.domain.errors import FetchError

HTTP_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid", "ref"})


def require_http_url(url: str) -> str:
    """Return ``url`` stripped; raise ``FetchError`` unless it is http(s) with a host."""
    cleaned = url.strip()
    try:
        parts = urlsplit(cleaned)
    except ValueError as exc:
        raise FetchError(f"{cleaned!r}: not a valid URL ({exc})") from exc
    if parts.scheme.lower() not in HTTP_SCHEMES:
        raise FetchError(f"{cleaned!r}: only http and https URLs can be fetched")
    if not parts.hostname:
        raise FetchError(f"{cleaned!r}: URL has no host")
    return cleaned


def canonicalize_url(url: str) -> str:
    """The canonical form of ``url``: the key documents are deduplicated by.

    Lowercases scheme and host, drops default ports, the fragment and tracking parameters,
    sorts the remaining query parameters (keeping their encoding), strips a trailing slash
    except on the root path and writes an empty path as ``/``.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    netloc = _canonical_netloc(scheme, parts.netloc)
    return urlunsplit((scheme, netloc, path, _clean_query(parts.query), ""))


def _canonical_netloc(scheme: str, netloc: str) -> str:
    userinfo, _, hostport = netloc.rpartition("@")
    host, port = _split_port(hostport)
    host = host.lower().rstrip(".")
    if port is not None and DEFAULT_PORTS.get(scheme) == port:
        port = None
    rebuilt = host if port is None else f"{host}:{port}"
    return f"{userinfo}@{rebuilt}" if userinfo else rebuilt


def _split_port(hostport: str) -> tuple[str, int | None]:
    host, sep, port = hostport.rpartition(":")
    if not sep or "]" in port:
        return hostport, None
    if not port:
        return host, None
    return (host, int(port)) if port.isdigit() else (hostport, None)


def _clean_query(query: str) -> str:
    pairs = [pair for pair in query.split("&") if pair and not _is_tracking(pair)]
    return "&".join(sorted(pairs))


def _is_tracking(pair: str) -> bool:
    name = unquote_plus(pair.partition("=")[0]).lower()
    return name.startswith("utm_") or name in TRACKING_PARAMS
