"""Text helpers every layer shares: normalising, hashing and chunking with offsets."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from bot.domain.models import ChunkSpan

_SPACE = re.compile(r"\s+")
# Sentence ends: after . ! ? (and a closing quote or bracket), at blank lines, before bullets.
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)\]]))\s+|\n\s*\n\s*|\n(?=[-•*–]\s)")


def normalize_text(text: str) -> str:
    """Collapse every run of whitespace to one space and trim the ends."""
    return _SPACE.sub(" ", text).strip()


def content_hash(text: str) -> str:
    """A sha256 over the normalised, case-folded text: equal for the same content."""
    return hashlib.sha256(normalize_text(text).casefold().encode("utf-8")).hexdigest()


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the sentences in ``text``, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    position = 0
    for match in _SENTENCE_END.finditer(text):
        _append_trimmed(text, position, match.start(), spans)
        position = match.end()
    _append_trimmed(text, position, len(text), spans)
    return spans


def _append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def chunk_text(text: str, *, max_chars: int = 1200) -> list[ChunkSpan]:
    """Split ``text`` into chunks of whole sentences, each at most ``max_chars`` long.

    A sentence longer than ``max_chars`` becomes chunks of its own, cut at spaces. Offsets
    point into ``text`` so that ``text[chunk.start:chunk.end] == chunk.text``.
    """
    pieces = [piece for span in split_sentences(text) for piece in _cut_long(text, span, max_chars)]
    chunks: list[ChunkSpan] = []
    start = end = -1
    for piece_start, piece_end in pieces:
        if start >= 0 and piece_end - start > max_chars:
            chunks.append(ChunkSpan(len(chunks), start, end, text[start:end]))
            start = -1
        if start < 0:
            start = piece_start
        end = piece_end
    if start >= 0:
        chunks.append(ChunkSpan(len(chunks), start, end, text[start:end]))
    return chunks


def _cut_long(text: str, span: tuple[int, int], max_chars: int) -> list[tuple[int, int]]:
    start, end = span
    pieces: list[tuple[int, int]] = []
    while end - start > max_chars:
        cut = text.rfind(" ", start + 1, start + max_chars)
        cut = cut if cut > start else start + max_chars
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        pieces.append((start, end))
    return pieces


WORD_JOINER = "\u2060"
ZERO_WIDTH_JOINER = "\u200d"


def grapheme_safe_end(text: str, end: int) -> int:
    """``end`` moved back, if need be, so that ``text[:end]`` does not split a character
    cluster: a combining mark, an emoji with its modifiers or joiners, or half a flag."""
    while end > 0 and (_attaches(text[end]) or text[end - 1] == ZERO_WIDTH_JOINER):
        end -= 1
    return end - _odd_regional_indicators(text[:end])


def _attaches(char: str) -> bool:
    """True for characters that belong to the grapheme cluster before them."""
    code = ord(char)
    return (
        unicodedata.category(char) in {"Mn", "Me", "Mc"}
        or char in {ZERO_WIDTH_JOINER, WORD_JOINER}
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0x1F3FB <= code <= 0x1F3FF  # skin-tone modifiers
        or 0xE0020 <= code <= 0xE007F  # emoji tag sequences
    )


def _odd_regional_indicators(head: str) -> int:
    """1 when ``head`` ends in half a flag (an odd run of regional indicators)."""
    run = 0
    for char in reversed(head):
        if not 0x1F1E6 <= ord(char) <= 0x1F1FF:
            break
        run += 1
    return run % 2
