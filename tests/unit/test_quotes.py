"""find_quote: exact first, then tolerant of typography; always returns the source's own text."""

from __future__ import annotations

import pytest

from bot.domain.quotes import find_quote

SOURCE = (
    "On 19 December 2018 the President said: \u201cWe have won against ISIS.\u201d "
    "The report\u2014published later\u2014counted 14,000\u201318,000 members\u2026 and more."
)


def test_exact_quote_is_found_at_its_offsets() -> None:
    match = find_quote("We have won against ISIS.", SOURCE)
    assert match is not None
    assert match.exact
    assert SOURCE[match.start : match.end] == "We have won against ISIS."


def test_straight_quotes_and_hyphens_match_curly_quotes_and_dashes() -> None:
    match = find_quote('"We have won against ISIS." The report-published later-counted', SOURCE)
    assert match is not None
    assert not match.exact
    assert match.text == SOURCE[match.start : match.end]
    assert match.text.startswith("\u201cWe have won")  # the source's curly mark is shown
    assert "\u2014published later\u2014" in match.text


def test_three_dots_match_an_ellipsis_and_whitespace_runs_fold() -> None:
    match = find_quote("14,000-18,000   members... and more", SOURCE)
    assert match is not None
    assert match.text == "14,000\u201318,000 members\u2026 and more"


def test_a_wrapping_pair_of_quote_marks_is_ignored() -> None:
    match = find_quote('"We have won against ISIS."', SOURCE)
    assert match is not None
    assert match.text == "We have won against ISIS."


@pytest.mark.parametrize(
    "quote",
    ["We have defeated ISIS", "", "   ", '""', "won against ISIL", "x" * 5000],
)
def test_quotes_not_in_the_source_are_not_found(quote: str) -> None:
    assert find_quote(quote, SOURCE) is None
