"""Canonical URLs and the http(s)-only rule."""

from __future__ import annotations

import pytest

from bot.domain.errors import FetchError
from bot.sources.urls import canonicalize_url, require_http_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.COM", "http://example.com/"),
        ("https://example.com:443/a/", "https://example.com/a"),
        ("http://example.com:80/", "http://example.com/"),
        ("http://example.com:8080/x", "http://example.com:8080/x"),
        ("https://example.com/a#section", "https://example.com/a"),
        ("https://example.com/a?utm_source=x&b=2&a=1&fbclid=y", "https://example.com/a?a=1&b=2"),
        (
            "https://example.com/?gclid=1&mc_cid=2&mc_eid=3&ref=rss&UTM_Medium=m",
            "https://example.com/",
        ),
        ("https://example.com/search?q=a%20b&page=2", "https://example.com/search?page=2&q=a%20b"),
        ("https://example.com/Path/Case/", "https://example.com/Path/Case"),
        ("https://example.com?x=1", "https://example.com/?x=1"),
        ("https://[2001:DB8::1]:443/x", "https://[2001:db8::1]/x"),
    ],
)
def test_canonicalize_url(url: str, expected: str) -> None:
    assert canonicalize_url(url) == expected


def test_canonicalize_url_is_idempotent() -> None:
    once = canonicalize_url("HTTPS://Example.com:443/a/b/?z=1&utm_campaign=c&a=2#top")
    assert canonicalize_url(once) == once == "https://example.com/a/b?a=2&z=1"


def test_require_http_url_accepts_http_and_https() -> None:
    assert require_http_url(" https://example.com/x ") == "https://example.com/x"
    assert require_http_url("http://example.com") == "http://example.com"


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.com/x", "gopher://example.com", "javascript:alert(1)"],
)
def test_require_http_url_refuses_other_schemes(url: str) -> None:
    with pytest.raises(FetchError, match="only http and https") as info:
        require_http_url(url)
    assert url in str(info.value)


def test_require_http_url_refuses_missing_host() -> None:
    with pytest.raises(FetchError, match="no host"):
        require_http_url("http:///path")
