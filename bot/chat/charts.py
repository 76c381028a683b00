"""Indicator charts as PNG bytes: data in, bytes out (matplotlib's Agg canvas, no pyplot).

Ranges (low–high) are drawn as vertical bars with caps and a midpoint, exact values as dots,
open-ended values as triangles ("at least" points up, "up to" points down); claim dates are
dashed vertical lines labelled with who claimed victory. Built on ``Figure`` and
``FigureCanvasAgg`` directly, so there is no global pyplot state and no display is needed.

Empty input raises ``ValueError`` instead of drawing a "no data" picture: a caller that posts
a chart should skip the upload, not post an empty image into a digest thread.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from datetime import date

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from bot.domain.ledger import SeriesRow

MAX_POINTS = 500  # the newest points are kept; older ones would be unreadable at this size
MAX_LABEL = 40  # characters of a claim label on the chart
MAX_CLAIMS = 12  # claim lines; more would overprint each other
SIZE_INCHES = (8.0, 4.0)
DPI = 100
RANGE_COLOR = "#1d3557"
CLAIM_COLOR = "#c1121f"

Point = tuple[date, float | None, float | None]


def render_indicator_chart(
    series: Sequence[Point],
    *,
    title: str,
    unit: str,
    claim_dates: Sequence[tuple[date, str]] = (),
) -> bytes:
    """A PNG of the indicator's values over time with claim dates marked.

    ``series`` holds (as of, low, high); points with neither bound are skipped, and only the
    newest ``MAX_POINTS`` are drawn. Raises ``ValueError`` when no point has a value.
    """
    points = select_points(series)
    if not points:
        raise ValueError("no quantified values to chart")
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI)
    axes = figure.add_subplot()
    with warnings.catch_warnings():
        # A glyph missing from the bundled font (say, a speaker's name in another script) is
        # drawn as a box; it must not fail a digest.
        warnings.filterwarnings("ignore", message="Glyph .* missing from", category=UserWarning)
        draw_points(axes, points)
        draw_claims(axes, claim_dates)
        style_axes(axes, title=title, unit=unit, floor=lowest_value(points))
        figure.tight_layout()
        return encode_png(figure)


def render_indicator_chart_from_rows(
    rows: Sequence[SeriesRow],
    *,
    title: str,
    unit: str,
    claim_dates: Sequence[tuple[date, str]] = (),
) -> bytes:
    """``render_indicator_chart`` over ledger series rows (rows without a date are skipped)."""
    series = [(row.as_of, row.low, row.high) for row in rows if row.as_of is not None]
    return render_indicator_chart(series, title=title, unit=unit, claim_dates=claim_dates)


def select_points(series: Sequence[Point]) -> list[Point]:
    """Quantified points, oldest first, at most the newest ``MAX_POINTS``."""
    quantified = sorted(
        (point for point in series if point[1] is not None or point[2] is not None),
        key=lambda point: point[0],
    )
    return quantified[-MAX_POINTS:]


def lowest_value(points: Sequence[Point]) -> float:
    """The smallest bound of any point (points have at least one bound)."""
    return min(value for _, low, high in points for value in (low, high) if value is not None)


def draw_points(axes: Axes, points: Sequence[Point]) -> None:
    """Ranges as capped bars through their midpoint; single and open values as markers."""
    ranges = [(_day_number(day), low, high) for day, low, high in points if _is_range(low, high)]
    if ranges:
        xs, lows, highs = zip(*ranges, strict=True)
        mids = [(low + high) / 2 for low, high in zip(lows, highs, strict=True)]
        errors = [
            [mid - low for mid, low in zip(mids, lows, strict=True)],
            [high - mid for mid, high in zip(mids, highs, strict=True)],
        ]
        axes.errorbar(xs, mids, yerr=errors, fmt="s", color=RANGE_COLOR, capsize=4, label="range")
    for marker, label, pick in (
        ("o", "value", _exact),
        ("^", "at least", _at_least),
        ("v", "up to", _up_to),
    ):
        chosen = [(_day_number(day), pick(low, high)) for day, low, high in points]
        kept = [(x, y) for x, y in chosen if y is not None]
        if kept:
            xs_single, ys = zip(*kept, strict=True)
            axes.scatter(xs_single, ys, marker=marker, color=RANGE_COLOR, label=label, zorder=3)


def draw_claims(axes: Axes, claims: Sequence[tuple[date, str]]) -> None:
    """Dashed vertical lines at claim dates, labelled with the claim and its date; the x axis
    widens to show a claim made before the first value (the usual case: victory declared, the
    evidence comes after)."""
    for day, label in sorted(claims)[:MAX_CLAIMS]:
        x = _day_number(day)
        axes.axvline(x, color=CLAIM_COLOR, linestyle="--", linewidth=1)
        axes.text(
            x,
            0.98,
            f" {_label(label)} ({day.isoformat()})",
            transform=axes.get_xaxis_transform(),
            rotation=90,
            va="top",
            ha="right",
            fontsize=7,
            color=CLAIM_COLOR,
        )


def style_axes(axes: Axes, *, title: str, unit: str, floor: float) -> None:
    """Title, unit label, readable dates and thousands separators; the y axis starts at zero
    unless a value (``floor`` is the smallest) is negative."""
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    axes.set_title(_label(title, 80))
    axes.set_ylabel(_label(unit))
    if floor >= 0:
        axes.set_ylim(bottom=0)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="best", fontsize=7, frameon=False)


def encode_png(figure: Figure) -> bytes:
    """The figure as PNG bytes, without the matplotlib version in the metadata."""
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)  # attaches itself to the figure: no backend switch, no pyplot
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _day_number(day: date) -> float:
    """Matplotlib's number for a day (it counts days from its configured epoch)."""
    return float(date2num(day))  # type: ignore[no-untyped-call]


def _is_range(low: float | None, high: float | None) -> bool:
    return low is not None and high is not None and low != high


def _exact(low: float | None, high: float | None) -> float | None:
    return low if low is not None and low == high else None


def _at_least(low: float | None, high: float | None) -> float | None:
    return low if high is None else None


def _up_to(low: float | None, high: float | None) -> float | None:
    return high if low is None else None


def _label(text: str, limit: int = MAX_LABEL) -> str:
    """One line, at most ``limit`` characters, with ``$`` escaped so matplotlib does not read
    a speaker's or title's dollar signs as mathtext (a malformed formula fails the draw)."""
    flat = " ".join(text.split())
    short = flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
    return short.replace("$", r"\$")
