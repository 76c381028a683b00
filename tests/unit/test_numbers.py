"""Quantities in prose: digits, words, ranges, bounds, percentages."""

from __future__ import annotations

import pytest

from bot.analysis.numbers import QuantityKind, find_quantities


def _only(text: str) -> tuple[str, float | None, float | None, QuantityKind]:
    (quantity,) = find_quantities(text)
    return text[quantity.start : quantity.end], quantity.low, quantity.high, quantity.kind


@pytest.mark.parametrize(
    ("text", "span", "low", "high"),
    [
        ("14,000 fighters", "14,000", 14000, 14000),
        ("a 10,000-strong force", "10,000", 10000, 10000),
        ("1.5 million people", "1.5 million", 1.5e6, 1.5e6),
        ("two thousand troops", "two thousand", 2000, 2000),
        ("a dozen leaders", "a dozen", 12, 12),
        ("one hundred and fifty men", "one hundred and fifty", 150, 150),
        ("twenty-five attacks", "twenty-five", 25, 25),
    ],
)
def test_exact_numbers(text: str, span: str, low: float, high: float) -> None:
    assert _only(text) == (span, low, high, QuantityKind.COUNT)


@pytest.mark.parametrize(
    ("text", "span", "low", "high"),
    [
        ("14,000-18,000 members", "14,000-18,000", 14000, 18000),
        ("14,000–18,000 members", "14,000–18,000", 14000, 18000),
        ("14,000 to 18,000 members", "14,000 to 18,000", 14000, 18000),
        ("between 20,000 and 30,000 fighters", "between 20,000 and 30,000", 20000, 30000),
        ("fourteen to eighteen thousand people", "fourteen to eighteen thousand", 14000, 18000),
        ("14 to 18 thousand people", "14 to 18 thousand", 14000, 18000),
    ],
)
def test_ranges(text: str, span: str, low: float, high: float) -> None:
    assert _only(text) == (span, low, high, QuantityKind.COUNT)


@pytest.mark.parametrize(
    ("text", "span", "low", "high"),
    [
        ("up to 3,000 foreigners", "up to 3,000", None, 3000),
        ("up to three thousand foreigners", "up to three thousand", None, 3000),
        ("fewer than 200 fighters", "fewer than 200", None, 200),
        ("less than 50 attacks", "less than 50", None, 50),
        ("more than 10,000 detainees", "more than 10,000", 10000, None),
        ("over 90 attacks", "over 90", 90, None),
        ("at least 84 killed", "at least 84", 84, None),
        ("5,000+ prisoners", "5,000+", 5000, None),
        ("hundreds of fighters", "hundreds", 100, None),
        ("tens of thousands of fighters", "tens of thousands", 10000, None),
    ],
)
def test_bounds(text: str, span: str, low: float | None, high: float | None) -> None:
    assert _only(text) == (span, low, high, QuantityKind.COUNT)


@pytest.mark.parametrize(
    ("text", "span"), [("100 percent of the caliphate", "100 percent"), ("100% liberated", "100%")]
)
def test_percentages(text: str, span: str) -> None:
    assert _only(text) == (span, 100, 100, QuantityKind.PERCENT)


def test_a_range_of_percentages() -> None:
    assert _only("10-20% of attacks") == ("10-20%", 10, 20, QuantityKind.PERCENT)


def test_money() -> None:
    assert _only("$100 million in reserves") == ("$100 million", 1e8, 1e8, QuantityKind.MONEY)


def test_a_change_is_two_numbers_not_a_range() -> None:
    found = find_quantities("from approximately 5,200 to 3,000 troops")
    assert [(q.low, q.high) for q in found] == [(5200, 5200), (3000, 3000)]


def test_two_numbers_joined_by_and_are_not_a_range() -> None:
    found = find_quantities("1.3 per day in 2022 and only 0.3 per day")
    assert [q.low for q in found] == [1.3, 0.3]


@pytest.mark.parametrize(
    "text",
    [
        "in 2019",
        "On July 10, the city fell",
        "on 17 July the plane",
        "S/2017/573",
        "the 10th report",
        "a new leader",
        "",
    ],
)
def test_years_dates_codes_and_articles_are_not_quantities(text: str) -> None:
    assert find_quantities(text) == []


def test_spans_point_into_the_text() -> None:
    text = "ISIS keeps up to 3,000 fighters and 14,000-18,000 members, 100% sure."
    for quantity in find_quantities(text):
        assert text[quantity.start : quantity.end].strip() == text[quantity.start : quantity.end]
        assert quantity.start < quantity.end


def test_other_scripts_do_not_crash() -> None:
    assert find_quantities("١٢ 𝟙𝟜 ١٢,٠٠٠ \u202e ½ fighters") == []
