"""Bounded Content-Encoding decoding: every encoding, and pieces that never exceed their size."""

from __future__ import annotations

import gzip
import zlib

import pytest

from bot.domain.errors import FetchError
from bot.sources.decoding import UnsupportedEncodingError, decode_stream
from bot.sources.fetch import HttpFetcher
from tests.support.http_server import LoopbackServer, Route

TEXT = b"The Lead Inspector General estimated 14,000 to 18,000 members. " * 200


def split(data: bytes, size: int = 100) -> list[bytes]:
    return [data[n : n + size] for n in range(0, len(data), size)]


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("", TEXT),
        ("identity", TEXT),
        ("gzip", gzip.compress(TEXT)),
        ("X-GZIP", gzip.compress(TEXT)),
        ("gzip", gzip.compress(TEXT[:500]) + gzip.compress(TEXT[500:])),
        ("gzip", gzip.compress(TEXT) + b"\x00" * 16),
        ("deflate", zlib.compress(TEXT)),
        ("deflate", raw_deflate(TEXT)),
    ],
)
def test_encodings_decode_to_the_text(encoding: str, body: bytes) -> None:
    assert b"".join(decode_stream(split(body), encoding=encoding)) == TEXT


def test_pieces_never_exceed_the_piece_size() -> None:
    bomb = gzip.compress(bytes(5_000_000))
    pieces = list(decode_stream(split(bomb, 4096), encoding="gzip", piece_size=65_536))
    assert sum(map(len, pieces)) == 5_000_000
    assert max(map(len, pieces)) <= 65_536


def test_unknown_encoding_is_refused() -> None:
    with pytest.raises(UnsupportedEncodingError, match="'br'"):
        list(decode_stream([b"x"], encoding="br"))


def test_corrupt_gzip_raises_zlib_error() -> None:
    with pytest.raises(zlib.error):
        list(decode_stream([b"\x1f\x8b\x08\x00garbage-garbage"], encoding="gzip"))


def test_fetch_sends_accept_encoding_and_decodes_deflate(
    server: LoopbackServer, fetcher: HttpFetcher
) -> None:
    url = server.add("/d", Route(body=raw_deflate(TEXT), headers={"Content-Encoding": "deflate"}))
    assert fetcher.fetch(url).body == TEXT
    assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize(
    ("headers", "body", "reason"),
    [
        ({"Content-Encoding": "br"}, b"\x0b\x02\x80hello\x03", "unsupported Content-Encoding"),
        ({"Content-Encoding": "gzip"}, b"\x1f\x8b\x08\x00garbage-garbage", "corrupt gzip body"),
    ],
)
def test_bad_encodings_are_fetch_errors(
    server: LoopbackServer, fetcher: HttpFetcher, headers: dict[str, str], body: bytes, reason: str
) -> None:
    url = server.add("/bad", Route(body=body, headers=headers))
    with pytest.raises(FetchError, match=reason) as error:
        fetcher.fetch(url)
    assert str(error.value).startswith(f"GET {url}: ")
    assert "\n" not in str(error.value)
