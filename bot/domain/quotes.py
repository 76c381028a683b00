"""Finding a quote in its source, word for word.

Nothing reaches a user unless :func:`find_quote` located it in the document. The match is
exact first; then tolerant of whitespace runs, curly vs straight quote marks, dash variants and
"..." vs "…". The returned span is the source's own text, so what is shown is always the
publisher's characters, never the analyzer's rewording.
"""

from __future__ import annotations

from dataclasses import dataclass

_EQUIVALENT = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "`": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u00a0": " ",
}


@dataclass(frozen=True, slots=True)
class QuoteMatch:
    """Where a quote was found: ``source[start:end] == text``."""

    start: int
    end: int
    text: str
    exact: bool


def find_quote(quote: str, source: str) -> QuoteMatch | None:
    """Locate ``quote`` in ``source``; None when it is not there.

    Leading/trailing whitespace and one pair of surrounding quote marks on ``quote`` are
    ignored. An empty quote is never found.
    """
    needle = _strip_wrapping(quote)
    if not needle:
        return None
    index = source.find(needle)
    if index >= 0:
        return QuoteMatch(index, index + len(needle), needle, exact=True)
    folded_source, offsets = _fold_with_offsets(source)
    folded_needle, _ = _fold_with_offsets(needle)
    folded_needle = folded_needle.strip()
    if not folded_needle:
        return None
    position = folded_source.find(folded_needle)
    if position < 0:
        return None
    start = offsets[position]
    end = offsets[position + len(folded_needle) - 1] + 1
    return QuoteMatch(start, end, source[start:end], exact=False)


def _strip_wrapping(quote: str) -> str:
    text = quote.strip()
    pairs = {('"', '"'), ("'", "'"), ("\u201c", "\u201d"), ("\u2018", "\u2019")}
    if len(text) >= 2 and (text[0], text[-1]) in pairs:
        text = text[1:-1].strip()
    return text


def _fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """Fold ``text`` and return, for each folded character, its index in ``text``."""
    folded: list[str] = []
    offsets: list[int] = []
    previous_space = False
    for index, char in enumerate(text):
        replacement = _EQUIVALENT.get(char, char)
        if replacement.isspace():
            if previous_space:
                continue
            replacement = " "
            previous_space = True
        else:
            previous_space = False
        for piece in replacement:
            folded.append(piece)
            offsets.append(index)
    return "".join(folded), offsets
