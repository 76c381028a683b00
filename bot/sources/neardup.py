"""Near-duplicate text detection: MinHash over word shingles, banded into LSH keys."""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from datasketch import MinHash


SHINGLE_WORDS: Final = 3
NUM_PERM: Final = 128
BANDS: Final = 32
ROWS_PER_BAND: Final = NUM_PERM // BANDS  # 4: texts with Jaccard ≥ ~0.42 likely share a band
SEED: Final = 20190806  # fixed: band keys are stored, so they must never change between runs
SCHEME: Final = "affine32"  # named, not left to datasketch's default, for the same reason
BAND_KEY_BYTES: Final = 8  # a signed 64-bit key fits PostgreSQL BIGINT
HASH_VALUE_DTYPE: Final = "<u4"  # affine32 values, little-endian: the same bytes on any machine
BAND_BYTES: Final = ROWS_PER_BAND * 4  # four bytes per uint32 value
CACHE_SIZE: Final = 256  # collect signs a text, then compares it with a few candidates

_WORD = re.compile(r"[^\W_]+")


def extract_shingles(text: str, *, size: int = SHINGLE_WORDS) -> set[bytes]:
    """The distinct ``size``-word shingles of the case-folded words of ``text``, as UTF-8.

    Punctuation and spacing are ignored. A text shorter than ``size`` words is one shingle;
    a text with no words has none.
    """
    words = _WORD.findall(text.casefold())
    if len(words) <= size:
        return {" ".join(words).encode()} if words else set()
    windows = zip(*(words[offset:] for offset in range(size)), strict=False)
    return set(map(str.encode, map(" ".join, windows)))


class MinHashSigner:
    """``bot.ports.TextSigner`` with datasketch MinHash (128 permutations, 32 bands × 4 rows).

    Deterministic across processes and machines: a fixed seed and permutation scheme, CRC-32
    shingle hashes (datasketch mixes them with murmur's finalizer; a third faster overall than
    its default SHA-1) and blake2b band keys; never Python's salted ``hash()``.
    """

    def __init__(self) -> None:
        # datasketch (and the SciPy it imports) loads on first use: every CLI command builds a
        # signer, few of them collect.
        self._permutations: Any = None
        self._sign: Callable[[str], MinHash | None] = lru_cache(maxsize=CACHE_SIZE)(self._build)

    def bands(self, text: str) -> tuple[int, ...]:
        """One signed 64-bit key per band of ``text``'s MinHash; () for a text with no words."""
        signature = self._sign(text)
        if signature is None:
            return ()
        values: bytes = signature.hashvalues.astype(HASH_VALUE_DTYPE).tobytes()
        return tuple(
            build_band_key(index, values[index * BAND_BYTES : (index + 1) * BAND_BYTES])
            for index in range(BANDS)
        )

    def similarity(self, first: str, second: str) -> float:
        """Estimated Jaccard similarity (0–1) of the two texts' word shingles.

        Two texts with no words are identical (1.0); one with none and one with some, 0.0.
        """
        first_signature, second_signature = self._sign(first), self._sign(second)
        if first_signature is None or second_signature is None:
            return float(first_signature is second_signature)
        return float(first_signature.jaccard(second_signature))

    def _build(self, text: str) -> MinHash | None:
        shingles = extract_shingles(text)
        if not shingles:
            return None
        from datasketch import MinHash  # deferred: see __init__

        if self._permutations is None:
            template = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, hashfunc=zlib.crc32)
            self._permutations = template.permutations
        signature = MinHash(
            num_perm=NUM_PERM,
            seed=SEED,
            scheme=SCHEME,
            hashfunc=zlib.crc32,
            permutations=self._permutations,
        )
        signature.update_batch(shingles)  # min over the set: order does not matter
        return signature


def build_band_key(index: int, rows: bytes) -> int:
    """A signed 64-bit key for band ``index`` holding ``rows`` (its MinHash values' bytes)."""
    digest = hashlib.blake2b(
        index.to_bytes(2, "little") + rows, digest_size=BAND_KEY_BYTES
    ).digest()
    return int.from_bytes(digest, "little", signed=True)
