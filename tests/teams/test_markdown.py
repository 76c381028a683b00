"""Escaping document text for Adaptive Card TextBlocks: hostile strings stay plain text."""

from __future__ import annotations

import re

import pytest

from bot.chat.teams.markdown import (
    WORD_JOINER,
    escape_card_markdown,
    link,
    link_target,
    truncate,
)

LOOKALIKES_BACK = str.maketrans({"\u2217": "*", "\u02cd": "_", "\u223c": "~", "\u02cb": "`"})


def unescaped(text: str) -> str:
    """What a reader sees, mapped back to ASCII: the escaping hides nothing of the text."""
    return text.replace(WORD_JOINER, "").translate(LOOKALIKES_BACK)


@pytest.mark.parametrize(
    "hostile",
    [
        "[click](http://evil.example)",
        "![pixel](http://evil.example/t.png)",
        "**bold** __strong__ *it* _it_ ~~gone~~ `code`",
        "<at>Everyone</at> <http://evil.example> <b>html</b>",
        "&lt;at&gt;Everyone&lt;/at&gt; &#42;",
        "line one\n- item\n\n# heading\r\n> quote\n1. first",
        "- starts a list",
        "1. starts a numbered list",
        "# a heading",
        "[ref]: http://evil.example",
        "ends with a backslash \\",
        "\\*not escaped\\*",
    ],
)
def test_hostile_text_reads_the_same_but_cannot_format_or_link(hostile: str) -> None:
    escaped = escape_card_markdown(hostile)
    assert unescaped(escaped) == " ".join(hostile.split())
    assert not re.search(r"[\r\n]", escaped)
    assert "](" not in escaped  # no inline link or image
    assert not re.search(r"[*_~`]", escaped)  # no emphasis, strikethrough or code delimiter
    assert not re.search(r"[<&\\](?!\u2060)", escaped)  # no tag, mention, entity or escape
    assert not re.match(r"\s*([-+#>\[!=|]|\d+[.)])", escaped)  # no block starts the line


def test_plain_text_is_untouched() -> None:
    text = "ISIS retained 14,000–18,000 fighters (a report, 2019): “not defeated”."
    assert escape_card_markdown(text) == text


def test_a_link_is_ours_only_for_http_urls() -> None:
    assert link("https://example.org/a", "Title") == "[Title](https://example.org/a)"
    assert link("javascript:alert(1)", "Title") == "Title"
    assert link("https://example.org/a b", "Title") == "Title"
    label = f"{WORD_JOINER}(x){WORD_JOINER}(http://evil.example)"
    assert link("", "[x](http://evil.example)") == label


def test_link_labels_cannot_close_early_and_targets_cannot_end_early() -> None:
    text = link("https://en.wikipedia.org/wiki/ISIS_(group)", "A [draft] report]")
    assert text == "[A (draft) report)](https://en.wikipedia.org/wiki/ISIS%5F%28group%29)"
    assert link_target("https://example.org/<script>") is None
    assert link_target("ftp://example.org/a") is None
    assert link_target("https:///no-host") is None


def test_truncate_keeps_graphemes_whole() -> None:
    assert truncate("abcdef", 10) == "abcdef"
    assert truncate("abcdef", 4) == "abc…"
    assert truncate("ab🇬🇧🇫🇷", 5) == "ab🇬🇧…"
    assert truncate("abe\u0301e\u0301", 4) == "ab…"
