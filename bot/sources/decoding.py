"""Content-Encoding decoding that never inflates more than a small piece at a time.

httpx inflates each network chunk whole: 64 KB of gzipped zeros becomes 64 MB in one call,
before any byte cap can look at it. Here the raw stream is inflated with ``max_length``, so
memory stays within ``piece_size`` per step whatever the compression ratio.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

ACCEPT_ENCODING = "gzip, deflate"
PIECE_SIZE = 256 * 1024
GZIP_WBITS = 16 + zlib.MAX_WBITS
ZLIB_WBITS = zlib.MAX_WBITS
RAW_DEFLATE_WBITS = -zlib.MAX_WBITS
GZIP_MAGIC = b"\x1f\x8b"
IDENTITY = frozenset({"", "identity"})
GZIP = frozenset({"gzip", "x-gzip"})


class UnsupportedEncodingError(ValueError):
    """The response uses a Content-Encoding this decoder does not handle."""


def decode_stream(
    raw: Iterable[bytes], *, encoding: str, piece_size: int = PIECE_SIZE
) -> Iterator[bytes]:
    """The decoded body of ``raw`` chunks in pieces of at most ``piece_size`` bytes.

    ``encoding`` is the Content-Encoding header: identity, gzip (concatenated members too)
    or deflate (zlib-wrapped or raw). Raises ``UnsupportedEncodingError`` for any other, and
    ``zlib.error`` for corrupt data.
    """
    name = encoding.strip().lower()
    if name in IDENTITY:
        yield from raw
    elif name in GZIP:
        yield from _inflate(raw, wbits=GZIP_WBITS, piece_size=piece_size)
    elif name == "deflate":
        yield from _inflate_deflate(raw, piece_size=piece_size)
    else:
        raise UnsupportedEncodingError(f"unsupported Content-Encoding {encoding[:40]!r}")


def _inflate(raw: Iterable[bytes], *, wbits: int, piece_size: int) -> Iterator[bytes]:
    inflater = zlib.decompressobj(wbits)
    for chunk in raw:
        data = chunk
        while data:
            piece = inflater.decompress(data, piece_size)
            if piece:
                yield piece
            data = inflater.unconsumed_tail
            if inflater.eof:
                data = _next_member(inflater.unused_data, wbits=wbits)
                if not data:
                    return  # trailing padding or garbage after the stream is ignored
                inflater = zlib.decompressobj(wbits)
    yield inflater.flush()


def _next_member(rest: bytes, *, wbits: int) -> bytes:
    """What follows an ended stream, when it is another gzip member; else nothing."""
    return rest if wbits == GZIP_WBITS and rest.startswith(GZIP_MAGIC) else b""


def _inflate_deflate(raw: Iterable[bytes], *, piece_size: int) -> Iterator[bytes]:
    """``deflate`` is meant to be zlib-wrapped, but some servers send raw deflate."""
    chunks = iter(raw)
    first = next(chunks, b"")
    wbits = ZLIB_WBITS if _looks_like_zlib(first) else RAW_DEFLATE_WBITS
    yield from _inflate(_prepend(first, chunks), wbits=wbits, piece_size=piece_size)


def _looks_like_zlib(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest
