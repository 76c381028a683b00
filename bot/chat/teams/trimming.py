"""Fitting a digest into one Teams message: what is left out, in which order, and the note.

A Workflows webhook posts one card, so a digest too large for a message cannot continue in a
thread as it does in Slack: parts are left out, in this order, each only as far as needed,
and the card says what was left out (``describe_cut``):

1. the chart image;
2. the quoted passages under the sources (they repeat quotes shown above them);
3. evidence items: unquantified mentions first, then the oldest figures;
4. the quotes of the claims under pressure (each keeps its claim and evidence line);
5. claims under pressure, from the last (the digest puts the strongest first);
6. leader statements, oldest first, all but the newest;
7. quotes longer than 1,000, then 500, then 200 characters, shortened with "…";
8. the bottom line, shortened to 1,000, 500, 200, then 100 characters;
9. the remaining sources, from the last;
10. the newest leader statement.

A source that only left-out items cited goes with them. What remains after step 10 (heading,
question, note and a 100-character bottom line) always fits: the renderer caps titles,
names and the question by construction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TypeVar

from bot.chat.teams.markdown import truncate
from bot.domain.models import ClaimUnderPressure, Digest, DigestEvidence, DigestStatement

QUOTE_LIMITS = (1000, 500, 200)
BOTTOM_LINE_LIMITS = (1000, 500, 200, 100)
_MARKER = re.compile(r"\[(\d+)\]")

Item = TypeVar("Item")


@dataclass(frozen=True, slots=True)
class Cut:
    """What a digest card leaves out; ``Cut()`` leaves out nothing."""

    chart: bool = False
    source_passages: bool = False
    evidence: int = 0  # items dropped
    pressure_quotes: bool = False
    pressure: int = 0
    statements: int = 0
    quote_limit: int | None = None
    bottom_line_limit: int | None = None
    sources: int = 0  # dropped from the end, after those only left-out items cited


Step = tuple[int, Callable[[Cut, int], Cut]]  # how far the step can go, and cut k of it


def fit_digest(digest: Digest, *, has_chart: bool, fits: Callable[[Cut], bool]) -> Cut:
    """The least cut (in the module's order) with which ``fits`` holds: each step is taken
    whole while the card still does not fit, and the last one only as far as needed."""
    cut = Cut()
    if fits(cut):
        return cut
    for count, make in trim_steps(digest, has_chart=has_chart):
        if count == 0:
            continue
        if not fits(make(cut, count)):
            cut = make(cut, count)
            continue
        return make(cut, _least_that_fits(count, make, cut, fits))
    return cut


def trim_steps(digest: Digest, *, has_chart: bool) -> list[Step]:
    """The steps of the module docstring for ``digest``, with how far each can go."""
    statements = len(digest.statements)
    longest = max((len(quote) for quote in _quotes(digest)), default=0)
    return [
        (int(has_chart), lambda cut, _: replace(cut, chart=True)),
        (int(any(s.quote for s in digest.sources)), lambda c, _: replace(c, source_passages=True)),
        (len(digest.evidence), lambda cut, k: replace(cut, evidence=k)),
        (int(bool(digest.under_pressure)), lambda c, _: replace(c, pressure_quotes=True)),
        (len(digest.under_pressure), lambda cut, k: replace(cut, pressure=k)),
        (max(statements - 1, 0), lambda cut, k: replace(cut, statements=k)),
        (
            _limits_above(QUOTE_LIMITS, longest),
            lambda cut, k: replace(cut, quote_limit=QUOTE_LIMITS[k - 1]),
        ),
        (
            _limits_above(BOTTOM_LINE_LIMITS, len(digest.bottom_line)),
            lambda cut, k: replace(cut, bottom_line_limit=BOTTOM_LINE_LIMITS[k - 1]),
        ),
        (len(digest.sources), lambda cut, k: replace(cut, sources=k)),
        (int(statements > 0), lambda cut, _: replace(cut, statements=statements)),
    ]


def apply_cut(digest: Digest, cut: Cut) -> Digest:
    """``digest`` without what ``cut`` leaves out (the chart and passages are the renderer's:
    it reads ``cut.chart``, ``cut.source_passages`` and ``cut.pressure_quotes``)."""
    view = replace(
        digest,
        statements=_drop_oldest(digest.statements, cut.statements, _statement_age),
        evidence=_drop_oldest(digest.evidence, cut.evidence, _evidence_age),
        under_pressure=digest.under_pressure[: len(digest.under_pressure) - cut.pressure],
        bottom_line=_shorten(digest.bottom_line.strip(), cut.bottom_line_limit),
    )
    if cut.quote_limit is not None:
        view = _shorten_quotes(view, cut.quote_limit)
    orphaned = cited_numbers(digest) - cited_numbers(view)
    sources = tuple(source for source in view.sources if source.number not in orphaned)
    return replace(view, sources=sources[: max(len(sources) - cut.sources, 0)])


def describe_cut(digest: Digest, view: Digest, cut: Cut, *, has_chart: bool) -> list[str]:
    """What ``cut`` left out of ``digest`` (``view`` is what remains), for the trim note:
    ``["chart", "5 evidence items", …]``; empty when nothing was."""
    parts = []
    if cut.chart and has_chart:
        parts.append("chart")
    if cut.source_passages and any(s.quote for s in view.sources):
        parts.append("source passages")
    parts += _count(len(digest.evidence) - len(view.evidence), "evidence item", "evidence items")
    if cut.pressure_quotes and view.under_pressure:
        parts.append("claims-under-pressure quotes")
    parts += _count(
        len(digest.under_pressure) - len(view.under_pressure),
        "claim under pressure",
        "claims under pressure",
    )
    parts += _count(
        len(digest.statements) - len(view.statements), "leader statement", "leader statements"
    )
    if _visible_quotes(view, cut) != _visible_quotes(apply_cut(digest, _uncut(cut)), cut):
        parts.append("long quotes shortened")
    parts += _count(len(digest.sources) - len(view.sources), "source", "sources")
    if view.bottom_line != digest.bottom_line.strip():
        parts.append("bottom line shortened")
    return parts


def cited_numbers(digest: Digest) -> set[int]:
    """Source numbers the digest's items and bottom line cite."""
    numbers = {int(match) for match in _MARKER.findall(digest.bottom_line)}
    numbers.update(item.source_number for item in digest.statements)
    numbers.update(item.source_number for item in digest.evidence)
    for pressure in digest.under_pressure:
        numbers.update((pressure.source_number, pressure.evidence_source_number))
    return numbers


def _least_that_fits(
    count: int, make: Callable[[Cut, int], Cut], cut: Cut, fits: Callable[[Cut], bool]
) -> int:
    """The least k in 1..count for which ``make(cut, k)`` fits, given that k = count does and
    that a larger k only ever makes the card smaller (a binary search)."""
    low, high = 1, count
    while low < high:
        middle = (low + high) // 2
        if fits(make(cut, middle)):
            high = middle
        else:
            low = middle + 1
    return low


def _limits_above(limits: Sequence[int], length: int) -> int:
    """How many of the descending ``limits`` would shorten a text of ``length``."""
    return sum(1 for limit in limits if length > limit)


def _drop_oldest(
    items: tuple[Item, ...], count: int, age: Callable[[Item], tuple[bool, date]]
) -> tuple[Item, ...]:
    """``items`` in their order without the ``count`` that ``age`` ranks lowest (the later
    of two equals goes first)."""
    if count <= 0:
        return items
    ranked = sorted(range(len(items)), key=lambda index: (age(items[index]), -index))
    dropped = set(ranked[:count])
    return tuple(item for index, item in enumerate(items) if index not in dropped)


def _statement_age(statement: DigestStatement) -> tuple[bool, date]:
    return True, statement.said_at or date.min


def _evidence_age(item: DigestEvidence) -> tuple[bool, date]:
    """Unquantified mentions rank below every figure, then by as-of date."""
    return item.is_quantified, item.as_of or date.min


def _shorten(text: str, limit: int | None) -> str:
    return text if limit is None else truncate(text, limit)


def _shorten_quotes(digest: Digest, limit: int) -> Digest:
    return replace(
        digest,
        statements=tuple(replace(s, quote=truncate(s.quote, limit)) for s in digest.statements),
        evidence=tuple(replace(e, quote=truncate(e.quote, limit)) for e in digest.evidence),
        under_pressure=tuple(_shorten_pressure(p, limit) for p in digest.under_pressure),
        sources=tuple(replace(c, quote=truncate(c.quote, limit)) for c in digest.sources),
    )


def _shorten_pressure(item: ClaimUnderPressure, limit: int) -> ClaimUnderPressure:
    return replace(
        item, quote=truncate(item.quote, limit), evidence_quote=truncate(item.evidence_quote, limit)
    )


def _quotes(digest: Digest) -> list[str]:
    return [
        *(s.quote for s in digest.statements),
        *(e.quote for e in digest.evidence),
        *(q for p in digest.under_pressure for q in (p.quote, p.evidence_quote)),
        *(c.quote for c in digest.sources),
    ]


def _visible_quotes(digest: Digest, cut: Cut) -> list[str]:
    """The quotes a card shows for ``digest`` under ``cut``."""
    pressure = () if cut.pressure_quotes else digest.under_pressure
    sources = () if cut.source_passages else digest.sources
    return [
        *(s.quote for s in digest.statements),
        *(e.quote for e in digest.evidence),
        *(q for p in pressure for q in (p.quote, p.evidence_quote)),
        *(c.quote for c in sources),
    ]


def _uncut(cut: Cut) -> Cut:
    """``cut`` without its quote limit (to tell whether the limit shortened anything)."""
    return replace(cut, quote_limit=None)


def _count(number: int, one: str, many: str) -> list[str]:
    if number <= 0:
        return []
    return [f"{number} {one if number == 1 else many}"]
