"""Pure renderers for the claim ledger: terminal tables and CSV files for analysts."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from rich.table import Table
from rich.text import Text

from bot.chat.console.render import format_day, inline
from bot.domain.formatting import format_range
from bot.domain.ledger import (
    Bearing,
    IndicatorLatest,
    LedgerEntry,
    LedgerEvidence,
    MonthTally,
    SeriesRow,
)
from bot.domain.models import Stance, StoredObservation

SHORT_QUOTE_CHARS = 160
SHORT_EVIDENCE_CHARS = 120
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")  # Excel would run such a cell as a formula
LEDGER_CSV_HEADER = (
    "said_on",
    "speaker",
    "scope",
    "quote",
    "title",
    "url",
    "against_as_of",
    "against_indicator",
    "against_quote",
    "against_url",
    "for_as_of",
    "for_indicator",
    "for_quote",
    "for_url",
)
SERIES_CSV_HEADER = ("as_of", "indicator", "low", "high", "unit", "title", "url", "quote")


def shorten(text: str, limit: int = SHORT_QUOTE_CHARS) -> str:
    """``text`` on one line, cut at a word boundary with "…" past ``limit`` (display only)."""
    line = inline(text)
    if len(line) <= limit:
        return line
    cut = line.rfind(" ", 0, limit)
    return line[: cut if cut > limit // 2 else limit].rstrip(" ,;:") + "…"


def render_ledger_table(entries: Sequence[LedgerEntry]) -> Table:
    """One row per claim: said on, speaker, scope, quote, newest evidence against and for."""
    table = Table("said on", "speaker", "scope", "quote", "newest against", "newest for")
    table.title = "Claim ledger"
    for entry in entries:
        claim = entry.claim.claim
        cells = (
            format_day(entry.said_on),
            claim.speaker,
            claim.scope.value,
            f"“{shorten(claim.quote)}” — {entry.claim.document.title}",
            _evidence_cell(entry.newest(Bearing.AGAINST)),
            _evidence_cell(entry.newest(Bearing.FOR)),
        )
        table.add_row(*(Text(cell) for cell in cells))
    return table


def _evidence_cell(item: LedgerEvidence | None) -> str:
    if item is None:
        return "—"
    quote = shorten(item.observation.observation.quote, SHORT_EVIDENCE_CHARS)
    return f"{format_day(item.dated)} {item.label}: {_figure(item.observation)}\n“{quote}”"


def _figure(stored: StoredObservation) -> str:
    obs = stored.observation
    value = format_range(obs.low, obs.high)
    return f"{value} {obs.unit}" if obs.unit and value != "unquantified" else value


def render_latest_table(latest: Sequence[IndicatorLatest]) -> Table:
    """Each indicator's newest value beside the previous one, with their sources."""
    table = Table("indicator", "latest", "as of", "source", "previous", "as of", "source")
    table.title = "Latest indicator values"
    for item in latest:
        previous = item.previous
        cells = (
            item.label,
            _figure(item.latest),
            format_day(item.latest.observation.as_of),
            item.latest.document.title,
            _figure(previous) if previous else "—",
            format_day(previous.observation.as_of) if previous else "—",
            previous.document.title if previous else "—",
        )
        table.add_row(*(Text(cell) for cell in cells))
    return table


def render_trajectory_table(tallies: Sequence[MonthTally]) -> Table:
    """By month: documents by stance and evidence against or for the declared victory."""
    stances = tuple(Stance)
    table = Table("month", *(stance.value for stance in stances), "evidence against", "for")
    table.title = "Verdict trajectory (by document month)"
    for tally in tallies:
        counts = [tally.stance_count(stance) for stance in stances]
        counts += [tally.evidence_count(Bearing.AGAINST), tally.evidence_count(Bearing.FOR)]
        table.add_row(tally.month.strftime("%Y-%m"), *map(str, counts))
    return table


def guard_cell(value: str) -> str:
    """A text cell Excel will not run as a formula: a leading apostrophe before = + - @."""
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


def render_ledger_csv(entries: Sequence[LedgerEntry]) -> str:
    """The ledger as CSV: one row per claim with its full quote and newest evidence each way."""
    rows = [_ledger_csv_row(entry) for entry in entries]
    return _write_csv(LEDGER_CSV_HEADER, rows)


def _ledger_csv_row(entry: LedgerEntry) -> list[str]:
    claim = entry.claim
    row = [entry.said_on.isoformat(), claim.claim.speaker, claim.claim.scope.value]
    row += [claim.claim.quote, claim.document.title, claim.document.url]
    for bearing in (Bearing.AGAINST, Bearing.FOR):
        item = entry.newest(bearing)
        if item is None:
            row += ["", "", "", ""]
        else:
            stored = item.observation
            row += [item.dated.isoformat(), stored.observation.indicator]
            row += [stored.observation.quote, stored.document.url]
    return [guard_cell(cell) for cell in row]


def render_series_csv(rows: Sequence[SeriesRow]) -> str:
    """Indicator observations as CSV, one row each; numbers stay numbers."""
    return _write_csv(SERIES_CSV_HEADER, [_series_csv_row(row) for row in rows])


def _series_csv_row(row: SeriesRow) -> list[str]:
    return [
        row.as_of.isoformat() if row.as_of else "",
        guard_cell(row.indicator),
        _number(row.low),
        _number(row.high),
        guard_cell(row.unit or ""),
        guard_cell(row.title),
        guard_cell(row.url),
        guard_cell(row.quote),
    ]


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == int(value) else str(value)


def _write_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
