"""Indicator charts: PNG bytes from data alone, with no display and no pyplot state."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from datetime import date, timedelta

import pytest

from bot.chat.charts import (
    MAX_POINTS,
    render_indicator_chart,
    render_indicator_chart_from_rows,
    select_points,
)
from bot.domain.ledger import SeriesRow

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SERIES = [
    (date(2018, 8, 1), None, 17100.0),  # "up to"
    (date(2019, 2, 1), 20000.0, 20000.0),  # exact
    (date(2019, 5, 1), 12000.0, None),  # "at least"
    (date(2019, 6, 1), None, None),  # unquantified: skipped
    (date(2019, 8, 6), 14000.0, 18000.0),  # range
]
CLAIMS = [(date(2018, 12, 19), "The President: “We have won against ISIS”")]


def render(
    series: Sequence[tuple[date, float | None, float | None]] = SERIES, **kw: object
) -> bytes:
    options: dict[str, object] = {"title": "Fighter strength", "unit": "people"} | kw
    return render_indicator_chart(series, claim_dates=CLAIMS, **options)  # type: ignore[arg-type]


def test_chart_is_a_png_of_a_sensible_size() -> None:
    png = render()
    assert png.startswith(PNG_SIGNATURE)
    assert 5_000 < len(png) < 200_000


def test_same_input_gives_the_same_bytes() -> None:
    assert render() == render()


def test_no_quantified_value_raises() -> None:
    with pytest.raises(ValueError, match="no quantified values"):
        render_indicator_chart([], title="t", unit="u", claim_dates=CLAIMS)
    with pytest.raises(ValueError, match="no quantified values"):
        render([(date(2019, 1, 1), None, None)])


def test_labels_from_documents_cannot_break_the_drawing() -> None:
    odd = "$\\frac{ unbalanced $ 日本語 🙂 \u2060"
    png = render_indicator_chart(SERIES, title=odd, unit=odd, claim_dates=[(date(2019, 1, 1), odd)])
    assert png.startswith(PNG_SIGNATURE)  # no mathtext error, no missing-glyph warning raised


def test_points_are_capped_to_the_newest() -> None:
    start = date(2015, 1, 1)
    many = [(start + timedelta(days=n), float(n), float(n + 5)) for n in range(MAX_POINTS + 300)]
    kept = select_points(list(reversed(many)))
    assert len(kept) == MAX_POINTS
    assert kept[-1] == many[-1]
    assert kept == sorted(kept)
    assert render(many).startswith(PNG_SIGNATURE)


def test_negative_values_are_drawn_below_zero() -> None:
    assert render([(date(2019, 1, 1), -5.0, 3.0)]).startswith(PNG_SIGNATURE)


def test_rows_from_the_ledger_render() -> None:
    rows = [
        SeriesRow(day, "fighter_strength", low, high, "people", "t", "http://127.0.0.1/", "q")
        for day, low, high in SERIES
    ] + [SeriesRow(None, "fighter_strength", 1.0, 2.0, "people", "t", "u", "q")]
    png = render_indicator_chart_from_rows(rows, title="Fighters", unit="people")
    assert png.startswith(PNG_SIGNATURE)


def test_renders_without_a_display_or_pyplot() -> None:
    """A fresh interpreter with no DISPLAY and an interactive backend configured still draws,
    and never imports pyplot (the Agg canvas is used directly)."""
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"} | {"MPLBACKEND": "TkAgg"}
    code = (
        "import sys\n"
        "from datetime import date\n"
        "from bot.chat.charts import render_indicator_chart\n"
        "png = render_indicator_chart([(date(2019, 1, 1), 1.0, 2.0)], title='t', unit='u', "
        "claim_dates=[])\n"
        "assert png.startswith(b'\\x89PNG')\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-W", "error", "-c", code], env=env, check=True, timeout=60)
