"""Text machinery for the rule analyzer: phrase tables, reading units and quoted speech."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Generic, TypeVar

from bot.domain.text import split_sentences

T = TypeVar("T")

MAX_UNIT_CHARS = 600  # a "sentence" longer than this is cut at spaces (tables, lists, junk)
MAX_HITS = 20_000  # per phrase table and document; bounds the work on pathological input
MAX_LINE_CHARS = 3000  # quotations are followed across sentences only on lines this short
_QUOTE_MARKS = "\"'\u201c\u201d\u2018\u2019"
_ABBREVIATION = re.compile(
    r"(?:\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|Mr|Mrs|Ms|Dr|Gen|Lt|Col|Maj|Sgt|"
    r"Capt|Adm|Brig|Gov|Sen|Rep|Sec|Pres|St|No|Nos|pp|vs|etc|approx|Jr|Sr|Inc|Corp)\."
    r"|\b[A-Z]\.|\b(?:[A-Z]\.){2,})$"
)
_SPACE = re.compile(r"\s+")
_OPEN_DOUBLE = "\u201c"
_CLOSE_DOUBLE = "\u201d"
_SINGLE_OPEN = re.compile(r"(?:(?<=^)|(?<=[\s(:\[]))['\u2018](?=\w)")
_SINGLE_CLOSE = re.compile(r"(?<=[\w.,!?])['\u2019](?=[\s,.;:!?)\]]|$)")
_LABEL = re.compile(
    r"\s*(?:Quoted|Quote)\s*(?:\((?P<label>[^()\n]{1,120})\))?\s*:\s*"
    r"|\s*(?P<name>[A-Z][A-Za-z.'\- ]{1,60}):\s+(?=[\"'\u201c\u2018A-Z])"
)


@dataclass(frozen=True, slots=True)
class Hit(Generic[T]):
    """A phrase found at ``start:end`` with what the phrase stands for."""

    start: int
    end: int
    tags: tuple[T, ...]


class PhraseTable(Generic[T]):
    """Many phrases compiled into one regex: whole words, any case, any run of spaces.

    A phrase written in capitals (``ISIS``, ``IS``) matches only in capitals. Longer phrases
    win where two overlap, so "foreign fighters" is one hit, not also "fighters".
    """

    def __init__(self, entries: Iterable[tuple[str, T]]) -> None:
        self._tags: dict[str, tuple[T, ...]] = {}
        for phrase, tag in entries:
            key = _key(phrase)
            if key and tag not in self._tags.get(key, ()):
                self._tags[key] = (*self._tags.get(key, ()), tag)
        self._pattern = _compile(sorted(self._tags, key=len, reverse=True))

    def find(self, text: str) -> list[Hit[T]]:
        """The hits in ``text``, in order (the first ``MAX_HITS``: enough for any real document)."""
        if self._pattern is None:
            return []
        matches = islice(self._pattern.finditer(text), MAX_HITS)
        hits = (Hit(m.start(), m.end(), self._lookup(m.group())) for m in matches)
        return [hit for hit in hits if hit.tags]

    def _lookup(self, matched: str) -> tuple[T, ...]:
        text = _SPACE.sub(" ", matched)
        return self._tags.get(text) or self._tags.get(text.casefold(), ())


def _key(phrase: str) -> str:
    text = _SPACE.sub(" ", phrase.strip())
    return text if _is_cased(text) else text.casefold()


def _is_cased(phrase: str) -> bool:
    letters = [char for char in phrase if char.isalpha()]
    return bool(letters) and all(char.isupper() for char in letters) and len(phrase) <= 6


def _compile(phrases: list[str]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    parts = [_phrase_regex(phrase) for phrase in phrases]
    # The leading class of first letters lets the regex engine skip ahead fast on huge texts.
    firsts = "".join(sorted({re.escape(c) for p in phrases for c in (p[0].lower(), p[0].upper())}))
    body = "|".join(parts)
    return re.compile(rf"(?=[{firsts}])(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


def _phrase_regex(phrase: str) -> str:
    body = r"\s+".join(re.escape(word) for word in phrase.split(" "))
    return f"(?-i:{body})" if _is_cased(phrase) else body


def split_units(text: str) -> list[tuple[int, int]]:
    """Reading units: sentences, also cut at line breaks and at ``MAX_UNIT_CHARS``."""
    units: list[tuple[int, int]] = []
    for start, end in _merge_abbreviations(text, split_sentences(text)):
        for line_start, line_end in _split_lines(text, start, end):
            units.extend(_cut_long(text, line_start, line_end))
    return units


def _merge_abbreviations(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Rejoin sentences the splitter cut after "Gen." or "Dec." when no line break intervenes."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if (
            merged
            and _ends_in_abbreviation(text, merged[-1])
            and "\n" not in text[merged[-1][1] : start]
        ):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _ends_in_abbreviation(text: str, span: tuple[int, int]) -> bool:
    return bool(_ABBREVIATION.search(text, max(span[0], span[1] - 12), span[1]))


def _split_lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    position = start
    while position < end:
        newline = text.find("\n", position, end)
        stop = end if newline < 0 else newline
        if text[position:stop].strip():
            pieces.append(_trim(text, position, stop))
        position = stop + 1
    return pieces


def _cut_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    while end - start > MAX_UNIT_CHARS:
        cut = text.rfind(" ", start + 1, start + MAX_UNIT_CHARS)
        cut = cut if cut > start else start + MAX_UNIT_CHARS
        pieces.append(_trim(text, start, cut))
        start = cut
    if text[start:end].strip():
        pieces.append(_trim(text, start, end))
    return pieces


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def bucket_hits(hits: list[Hit[T]], units: list[tuple[int, int]]) -> dict[int, list[Hit[T]]]:
    """Hits grouped by the index of the unit that contains them (hits between units dropped)."""
    starts = [start for start, _ in units]
    buckets: dict[int, list[Hit[T]]] = {}
    for hit in hits:
        index = bisect_right(starts, hit.start) - 1
        if index >= 0 and hit.end <= units[index][1]:
            buckets.setdefault(index, []).append(hit)
    return buckets


def find_quoted_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of quoted speech inside ``text[start:end]`` (quote marks excluded)."""
    spans = _double_quoted(text, start, end)
    if not spans:
        spans = _single_quoted(text, start, end)
    return [span for span in spans if span[1] > span[0]]


def _double_quoted(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    opened: int | None = None
    for index in range(start, end):
        char = text[index]
        if char == _OPEN_DOUBLE or (char == '"' and opened is None):
            opened = index + 1
        elif opened is not None and char in ('"', _CLOSE_DOUBLE):
            spans.append((opened, index))
            opened = None
        elif char == _CLOSE_DOUBLE and not spans:
            spans.append((start, index))  # the unit began inside a quotation
    if opened is not None:
        spans.append((opened, end))
    return spans


def _single_quoted(text: str, start: int, end: int) -> list[tuple[int, int]]:
    opening = _SINGLE_OPEN.search(text, start, end)
    if opening is None:
        return []
    closing = _SINGLE_CLOSE.search(text, opening.end(), end)
    return [(opening.end(), closing.start() if closing else end)]


def line_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The line holding ``text[start:end]``, or the span itself when the line is very long."""
    line_start = text.rfind("\n", max(0, start - MAX_LINE_CHARS), start) + 1
    line_end = text.find("\n", end, end + MAX_LINE_CHARS)
    line_end = len(text) if line_end < 0 and len(text) - end <= MAX_LINE_CHARS else line_end
    if (line_start == 0 and start > MAX_LINE_CHARS) or line_end < 0:
        return start, end
    return line_start, line_end


def quotation_around(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The quotation (marks excluded) that contains ``start:end``, following it across sentences."""
    line_start, line_end = line_around(text, start, end)
    for quote_start, quote_end in find_quoted_spans(text, line_start, line_end):
        if quote_start <= start and end <= quote_end:
            return quote_start, quote_end
    return None


def find_label(text: str, start: int, end: int) -> tuple[int, str | None]:
    """A leading "Quoted (who):" or "NAME:" label: where the content starts, and the label."""
    match = _LABEL.match(text, start, end)
    if match is None:
        return start, None
    return match.end(), match.group("label") or match.group("name")
