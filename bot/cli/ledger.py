"""Ledger commands: ``claims`` (the claim ledger) and ``series`` (indicator series as CSV)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.chat.console.ledger import (
    render_latest_table,
    render_ledger_csv,
    render_ledger_table,
    render_series_csv,
    render_trajectory_table,
)
from bot.cli.common import fail, open_briefbot, out

CSV_ENCODING = "utf-8-sig"  # the byte-order mark makes Excel read the file as UTF-8


def claims(
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Write the ledger to this CSV file instead.")
    ] = None,
) -> None:
    """The claim ledger with the evidence since each claim, latest figures and trajectory."""
    with open_briefbot() as briefbot:
        ledger = briefbot.ledger
        entries = ledger.entries()
        if csv_path is not None:
            write_csv(csv_path, render_ledger_csv(entries))
            out.print(f"Wrote {len(entries)} claims to {csv_path}", markup=False)
            return
        if not entries:
            out.print("The ledger has no claims yet.", markup=False)
        else:
            out.print(render_ledger_table(entries))
        out.print(render_latest_table(ledger.latest_values()))
        out.print(render_trajectory_table(ledger.trajectory()))


def series(
    csv_path: Annotated[Path, typer.Option("--csv", help="The CSV file to write.")],
    indicator: Annotated[
        str | None, typer.Option("--indicator", help="Only this lens indicator.")
    ] = None,
) -> None:
    """Write indicator observations (all, or one indicator's) to a CSV file."""
    with open_briefbot() as briefbot:
        rows = briefbot.ledger.series_rows(indicator)
        write_csv(csv_path, render_series_csv(rows))
    out.print(f"Wrote {len(rows)} observations to {csv_path}", markup=False)


def write_csv(path: Path, text: str) -> None:
    """Write CSV text (already quoted) to ``path``; a one-line error when it can't be written."""
    try:
        path.write_text(text, encoding=CSV_ENCODING, newline="")
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
