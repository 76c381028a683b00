"""Quantities in prose: digits, number words, ranges, bounds and percentages, with their spans."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum


class QuantityKind(StrEnum):
    """What a quantity counts."""

    COUNT = "count"
    PERCENT = "percent"
    MONEY = "money"


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number or range found in text: ``text[start:end]`` states it.

    ``low`` is None for "up to N" (only ``high`` known); ``high`` is None for "more than N".
    An exact number has ``low == high``.
    """

    start: int
    end: int
    low: float | None
    high: float | None
    kind: QuantityKind = QuantityKind.COUNT


@dataclass(frozen=True, slots=True)
class _Atom:
    start: int
    end: int
    value: float
    scale: float = 1.0
    kind: QuantityKind = QuantityKind.COUNT
    vague: bool = False  # "thousands", "dozens": a lower bound only


_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12, "a": 1,
}  # fmt: skip
_SCALES = {"hundred": 100.0, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_VAGUE = {"dozens": 24.0, "hundreds": 100.0, "thousands": 1e3, "millions": 1e6, "billions": 1e9}
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)

_SCALE_WORD = r"(?:hundred|thousand|million|billion|trillion)"
_PERCENT = r"(?:\s*%|\s+percent\b|\s+per\s+cent\b)"
_DIGITS = re.compile(
    r"(?<![\w/.,])(?P<cur>[$€£]\s?)?"
    r"(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)(?![\w/]|[.,][0-9])"
    rf"(?:\s+(?P<scale>{_SCALE_WORD})\b)?(?P<pct>{_PERCENT})?",
    re.IGNORECASE,
)
_WORD = "|".join(sorted([*_UNITS, *_SCALES], key=len, reverse=True))
_WORDS = re.compile(
    rf"\b(?:{_WORD})(?:(?:\s+|-)(?:and\s+)?(?:{_WORD}))*\b(?P<pct>{_PERCENT})?",
    re.IGNORECASE,
)
_VAGUE_WORDS = re.compile(
    r"\b(?:(?P<tens>tens)\s+of\s+(?P<of>thousands|millions)"
    r"|(?P<several>several|a\s+few)\s+(?P<sc>hundred|thousand|million)"
    r"|(?P<plain>dozens|hundreds|thousands|millions|billions))\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?:1[89]|20)[0-9]{2}")
_MONTH_BEFORE = re.compile(rf"\b(?:{_MONTHS})\.?\s*$", re.IGNORECASE)
# "26 October", and the first day of a span of days: "26-27 October", "26 to 27 October".
_MONTH_AFTER = re.compile(rf"^\s*(?:(?:-|–|to|and)\s*\d{{1,2}}\s+)?(?:{_MONTHS})\b", re.IGNORECASE)
_HIGH_BOUND = re.compile(
    r"\b(?:up\s+to|as\s+many\s+as|at\s+most|no\s+more\s+than|not\s+more\s+than|fewer\s+than|"
    r"less\s+than|under|below|nearly|almost|maximum\s+of)\s*$",
    re.IGNORECASE,
)
_LOW_BOUND = re.compile(
    r"(?:\b(?:more\s+than|over|at\s+least|above|in\s+excess\s+of|upwards\s+of|exceeding|"
    r"minimum\s+of|no\s+fewer\s+than|no\s+less\s+than)|\+)\s*$",
    re.IGNORECASE,
)
_PLUS_AFTER = re.compile(r"^\+")
_RANGE_JOIN = re.compile(r"^\s*(?:-|–|—|to|and)\s*$", re.IGNORECASE)
_BETWEEN = re.compile(r"\b(?:between|from)\s*$", re.IGNORECASE)
_CONTEXT = 24  # characters looked at around a number for bounds and dates


def find_quantities(text: str) -> list[Quantity]:
    """Every quantity stated in ``text``, in order, with ranges and bounds resolved."""
    atoms = sorted(_find_atoms(text), key=lambda atom: atom.start)
    quantities: list[Quantity] = []
    index = 0
    while index < len(atoms):
        pair = _join_range(text, atoms, index)
        if pair is not None:
            quantities.append(pair)
            index += 2
            continue
        quantities.append(_bound(text, atoms[index]))
        index += 1
    return quantities


def _find_atoms(text: str) -> list[_Atom]:
    atoms = [atom for match in _DIGITS.finditer(text) if (atom := _digit_atom(text, match))]
    atoms += [_vague_atom(match) for match in _VAGUE_WORDS.finditer(text)]
    taken = [(atom.start, atom.end) for atom in atoms]
    for match in _WORDS.finditer(text):
        atom = _word_atom(match)
        if atom is not None and not _overlaps(atom, taken):
            atoms.append(atom)
    return atoms


def _overlaps(atom: _Atom, spans: list[tuple[int, int]]) -> bool:
    return any(start < atom.end and atom.start < end for start, end in spans)


def _digit_atom(text: str, match: re.Match[str]) -> _Atom | None:
    raw = match.group("num")
    scale_word, currency, percent = match.group("scale"), match.group("cur"), match.group("pct")
    if not (scale_word or currency or percent) and _looks_like_date(text, match, raw):
        return None
    scale = _SCALES[scale_word.lower()] if scale_word else 1.0
    kind = _kind_of(currency=bool(currency), percent=bool(percent))
    start = match.start("cur") if currency else match.start("num")
    return _Atom(start, match.end(), float(raw.replace(",", "")) * scale, scale, kind)


def _looks_like_date(text: str, match: re.Match[str], raw: str) -> bool:
    if _YEAR.fullmatch(raw):
        return True
    before = text[max(0, match.start() - _CONTEXT) : match.start()]
    after = text[match.end() : match.end() + _CONTEXT]
    return bool(_MONTH_BEFORE.search(before) or _MONTH_AFTER.search(after))


def _kind_of(*, currency: bool, percent: bool) -> QuantityKind:
    if percent:
        return QuantityKind.PERCENT
    return QuantityKind.MONEY if currency else QuantityKind.COUNT


def _word_atom(match: re.Match[str]) -> _Atom | None:
    percent = match.group("pct")
    words_end = match.start("pct") if percent else match.end()
    words = re.split(r"[\s-]+", match.string[match.start() : words_end].lower())
    words = [word for word in words if word != "and"]
    if words in (["a"], []) or words[-1] == "a":
        return None
    value, scale = _evaluate_words(words)
    kind = QuantityKind.PERCENT if percent else QuantityKind.COUNT
    return _Atom(match.start(), match.end(), value, scale, kind)


def _evaluate_words(words: list[str]) -> tuple[float, float]:
    """The value of a run of number words and the last scale word in it (1 when none)."""
    total, current, last_scale = 0.0, 0.0, 1.0
    for word in words:
        if word in _SCALES:
            current = max(current, 1.0) * _SCALES[word]
            last_scale = _SCALES[word]
            if _SCALES[word] >= 1000:
                total, current = total + current, 0.0
        elif word == "dozen":
            current = max(current, 1.0) * 12
        else:
            current += _UNITS[word]
    return total + current, last_scale


def _vague_atom(match: re.Match[str]) -> _Atom:
    if match.group("tens"):
        value = 10 * _VAGUE[match.group("of").lower()]
    elif match.group("several"):
        value = 3 * _SCALES[match.group("sc").lower()]
    else:
        value = _VAGUE[match.group("plain").lower()]
    return _Atom(match.start(), match.end(), value, vague=True)


def _join_range(text: str, atoms: list[_Atom], index: int) -> Quantity | None:
    if index + 1 >= len(atoms):
        return None
    first, second = atoms[index], atoms[index + 1]
    joiner = text[first.end : second.start]
    if first.vague or second.vague or not _RANGE_JOIN.match(joiner):
        return None
    if joiner.strip().lower() == "and" and not _BETWEEN.search(_before(text, first.start)):
        return None
    first = _spread_scale(first, second)
    if first.value > second.value:
        return None  # "from 5,200 to 3,000" is a change, not a range
    before = _before(text, first.start)
    between = _BETWEEN.search(before)
    start = first.start - len(before) + between.start() if between else first.start
    return Quantity(start, second.end, first.value, second.value, second.kind)


def _spread_scale(first: _Atom, second: _Atom) -> _Atom:
    """ "fourteen to eighteen thousand": the second number's scale applies to the first."""
    kind = second.kind if first.kind == QuantityKind.COUNT else first.kind
    if first.scale == 1.0 and second.scale > 1.0 and first.value < second.value / second.scale:
        return replace(first, value=first.value * second.scale, scale=second.scale, kind=kind)
    return replace(first, kind=kind)


def _bound(text: str, atom: _Atom) -> Quantity:
    before = _before(text, atom.start)
    low, high = _LOW_BOUND.search(before), _HIGH_BOUND.search(before)
    if atom.vague or low or _PLUS_AFTER.match(text[atom.end :]):
        start = _bound_start(before, atom.start, low)
        end = atom.end + 1 if _PLUS_AFTER.match(text[atom.end :]) else atom.end
        return Quantity(start, end, atom.value, None, atom.kind)
    if high:
        return Quantity(
            _bound_start(before, atom.start, high), atom.end, None, atom.value, atom.kind
        )
    return Quantity(atom.start, atom.end, atom.value, atom.value, atom.kind)


def _bound_start(before: str, position: int, match: re.Match[str] | None) -> int:
    """Where a quantity starts when a bound phrase ("up to", "more than") leads it."""
    if match is None or match.group().strip() == "+":
        return position
    return position - len(before) + match.start() + len(match.group()) - len(match.group().lstrip())


def _before(text: str, position: int) -> str:
    return text[max(0, position - _CONTEXT) : position]
