"""mrkdwn escaping: nothing from a document can ping, link or break out of our formatting."""

from __future__ import annotations

import pytest

from bot.chat.slack.mrkdwn import (
    WORD_JOINER,
    escape_inline,
    escape_mrkdwn,
    is_linkable,
    link,
    split_mrkdwn,
    truncate,
)


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<!here|here>", "&lt;!here|here&gt;"),
        ("<@U123ABC>", f"&lt;@{WORD_JOINER}U123ABC&gt;"),
        ("<#C123|general>", "&lt;#C123|general&gt;"),
        ("<!subteam^S123>", "&lt;!subteam^S123&gt;"),
        ("<http://evil.example|click>", "&lt;http://evil.example|click&gt;"),
        ("&lt;", "&amp;lt;"),
        ("AT&T > 3 < 4", "AT&amp;T &gt; 3 &lt; 4"),
    ],
)
def test_control_characters_are_escaped(text: str, escaped: str) -> None:
    assert escape_mrkdwn(text) == escaped


@pytest.mark.parametrize("word", ["here", "channel", "everyone", "U123ABC", "W123", "jdoe"])
def test_at_words_cannot_ping_even_with_link_names(word: str) -> None:
    escaped = escape_mrkdwn(f"hey @{word}!")
    assert f"@{word}" not in escaped
    assert escaped == f"hey @{WORD_JOINER}{word}!"
    assert escaped.replace(WORD_JOINER, "") == f"hey @{word}!"  # reads the same on screen


def test_a_lone_at_sign_is_left_alone() -> None:
    assert escape_mrkdwn("meet @ 5") == "meet @ 5"


def test_formatting_characters_are_kept_as_written() -> None:
    assert escape_mrkdwn("*bold* _it_ ~s~ `code`") == "*bold* _it_ ~s~ `code`"


def test_escape_inline_keeps_a_quote_on_one_line() -> None:
    assert escape_inline("  one\n> two\r\n\tthree ") == "one &gt; two three"


def test_link_for_http_urls_escapes_the_label_and_the_ampersand() -> None:
    rendered = link("https://example.org/r?a=1&b=2", "Report | <b> @here")
    assert rendered == f"<https://example.org/r?a=1&amp;b=2|Report ｜ &lt;b&gt; @{WORD_JOINER}here>"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT://example.org/%0aalert(1)",
        "data:text/html,<b>x</b>",
        "ftp://example.org/file",
        "http://evil.example|click",
        "http://evil.example>x",
        "http://exa mple.org",
        "http:///no-host",
        "//example.org/no-scheme",
        "",
        "http://example.org/" + "a" * 3000,
    ],
)
def test_anything_but_a_clean_http_url_is_plain_text(url: str) -> None:
    assert not is_linkable(url)
    assert link(url, "Title <x>") == "Title &lt;x&gt;"


def test_truncate_leaves_short_text_alone_and_marks_a_cut() -> None:
    assert truncate("short", 10) == "short"
    cut = truncate("a" * 20, 10)
    assert cut == "a" * 9 + "…"
    assert len(cut) == 10


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("xx &amp; yy zz", 7, "xx…"),  # never half an entity
        ("see <http://x.example|here> now", 12, "see…"),  # never half a link
        ("cafe\u0301 au lait", 5, "caf…"),  # never a letter without its accent
        ("ok 🇺🇸🇫🇷 flags", 6, "ok 🇺🇸…"),  # never half a flag
        ("ab 👍🏽 thumbs", 5, "ab…"),  # never a thumb without its skin tone
        ("ab 👨\u200d👩 family", 6, "ab…"),  # never half of a joined emoji
    ],
)
def test_truncate_never_splits_a_cluster_entity_or_link(
    text: str, limit: int, expected: str
) -> None:
    assert truncate(text, limit) == expected


def test_split_keeps_every_line_and_respects_the_limit() -> None:
    text = "\n".join(f"line {n} " + "w" * 30 for n in range(50))
    pieces = split_mrkdwn(text, 200)
    assert all(len(piece) <= 200 for piece in pieces)
    assert "\n".join(pieces) == text


def test_split_of_a_long_quote_line_repeats_the_quote_marker() -> None:
    quote = "> " + " ".join(f"w{n}&amp;" for n in range(400))
    pieces = split_mrkdwn(quote, 300)
    assert len(pieces) > 1
    assert all(len(piece) <= 300 and piece.startswith("> ") for piece in pieces)
    words = " ".join(piece.removeprefix("> ") for piece in pieces).split()
    assert words == quote.removeprefix("> ").split()


def test_split_cuts_an_unbreakable_run_without_losing_it() -> None:
    text = "x" * 650
    pieces = split_mrkdwn(text, 300)
    assert [len(piece) for piece in pieces] == [300, 300, 50]
