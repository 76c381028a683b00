"""PDF text reflow: soft wraps joined, paragraph ends and list items kept."""

from __future__ import annotations

from bot.sources.reflow import reflow_lines

WRAPPED = (
    "The Lead Inspector General said that ISIS likely retained between\n"
    "14,000 and 18,000 members in Iraq and Syria, including up to 3,000\n"
    "foreigners, as of mid-2019.\n"
    "2. Detainees\n"
    "- The SDF held about 10,000 ISIS fighters in makeshift prisons in the\n"
    "north-east, including about 2,000 foreigners.\n"
    "- Al-Hol held about 70,000 people.\n"
)


def test_soft_wraps_are_joined_into_whole_sentences() -> None:
    text = reflow_lines(WRAPPED)
    assert (
        "between 14,000 and 18,000 members in Iraq and Syria, including up to 3,000 foreigners"
        in text
    )


def test_headings_and_list_items_stay_separate_paragraphs() -> None:
    paragraphs = reflow_lines(WRAPPED).split("\n\n")
    assert "2. Detainees" in paragraphs
    assert paragraphs[-1] == "- Al-Hol held about 70,000 people."
    assert paragraphs[-2].startswith("- The SDF held")
    assert paragraphs[-2].endswith("2,000 foreigners.")


def test_empty_and_blank_text() -> None:
    assert reflow_lines("") == ""
    assert reflow_lines("\n \n") == ""
