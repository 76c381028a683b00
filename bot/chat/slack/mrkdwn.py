"""Escaping untrusted text for Slack mrkdwn so it can neither ping anyone nor hide a link.

Slack reads three control characters in message text: ``&``, ``<`` and ``>``. Every special
form — ``<!channel>``, ``<@U123>``, ``<#C123>``, ``<!subteam^S1>``, ``<http://x|label>`` — needs
a literal ``<``, so escaping those three as ``&amp;``, ``&lt;`` and ``&gt;`` makes them plain
text. Plain ``@here``, ``@channel``, ``@everyone`` and ``@name`` become pings only when a message
is posted with ``link_names`` on; we still break them, by putting U+2060 WORD JOINER after the
``@``: it is invisible, it is not whitespace (the word stays whole on screen and when wrapped),
and unlike U+200D ZERO WIDTH JOINER it has no meaning inside emoji sequences. The renderers
also mark every text object ``verbatim`` so Slack does not auto-link or auto-mention it.

Inline formatting characters (``*``, ``_``, ``~`` and backticks) are kept as the source wrote
them: a quote may italicise itself, but it can never close formatting of ours, because the
renderers never wrap document text in inline formatting — quotes are set off with a line-level
block quote (``> ``) and curly quotation marks, and a ``>`` from a document is escaped, so it
cannot start or end a block quote of its own.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

WORD_JOINER = "\u2060"
ZERO_WIDTH_JOINER = "\u200d"
ELLIPSIS = "…"
QUOTE_MARKER = "> "  # a block quote line in mrkdwn
MAX_URL_LENGTH = 2000  # longer URLs are not linked: a link must fit a 3,000-character section

_CONTROL = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_AT_WORD = re.compile(r"@(?=\w)")  # "@here", "@channel", "@everyone", "@U123", "@name"
_LINE_BREAKS = re.compile(r"\s+")
_URL_FORBIDDEN = re.compile(r"[\s<>|\"\x00-\x1f\x7f]")
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,4}$")
_PARTIAL_LINK = re.compile(r"<[^>]*$")


def escape_mrkdwn(text: str) -> str:
    """``text`` as inert mrkdwn: control characters escaped, ``@`` words unable to ping."""
    return _AT_WORD.sub("@" + WORD_JOINER, text.translate(_CONTROL))


def escape_inline(text: str) -> str:
    """``text`` escaped and on one line (runs of whitespace, newlines included, become one
    space), for speakers, titles and quotes set into a line of ours."""
    return escape_mrkdwn(_LINE_BREAKS.sub(" ", text).strip())


def is_linkable(url: str) -> bool:
    """True for an absolute http(s) URL with a host and nothing Slack's link syntax reads."""
    if not url or len(url) > MAX_URL_LENGTH or _URL_FORBIDDEN.search(url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.hostname)


def link(url: str, label: str) -> str:
    """``<url|label>`` for an http(s) URL, else the escaped label alone (no link at all).

    The label is escaped and kept on one line; a ``|`` in it becomes U+FF5C FULLWIDTH VERTICAL
    LINE so it cannot be read as the URL/label separator.
    """
    text = escape_inline(label).replace("|", "｜")
    if not is_linkable(url):
        return text
    return f"<{url.replace('&', '&amp;')}|{text}>"


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters ending in "…", never inside a grapheme
    cluster (combining marks, emoji joins and modifiers, flag pairs), an ``&amp;``-style
    entity or a ``<…>`` link."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if len(text) <= limit:
        return text
    cut = _safe_cut(text, limit - len(ELLIPSIS))
    return text[:cut].rstrip() + ELLIPSIS


def split_mrkdwn(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, split at line boundaries, then at
    spaces, never inside an entity, a link or a grapheme cluster; a long ``> `` quote line keeps
    its quote marker on every piece. Nothing is dropped but the whitespace at the splits."""
    pieces: list[str] = []
    current: str | None = None
    for line in (part for raw in text.split("\n") for part in _split_line(raw, limit)):
        candidate = line if current is None else f"{current}\n{line}"
        if len(candidate) <= limit:
            current = candidate
            continue
        if current is not None and current.strip():
            pieces.append(current)
        current = line
    if current is not None and current.strip():
        pieces.append(current)
    return pieces


def _split_line(line: str, limit: int) -> list[str]:
    prefix = QUOTE_MARKER if line.startswith(QUOTE_MARKER) else ""
    parts = []
    while len(line) > limit:
        space = line.rfind(" ", len(prefix) + 1, limit + 1)
        cut = _safe_cut(line, space if space > limit // 2 else limit)
        if cut <= len(prefix):
            cut = limit  # one unbreakable run longer than a section: cut it hard
        parts.append(line[:cut].rstrip())
        line = prefix + line[cut:].lstrip()
    parts.append(line)
    return parts


def _safe_cut(text: str, end: int) -> int:
    while end > 0 and (_attaches(text[end]) or text[end - 1] == ZERO_WIDTH_JOINER):
        end -= 1
    end -= _odd_regional_indicators(text[:end])
    head = text[:end]
    for pattern in (_PARTIAL_ENTITY, _PARTIAL_LINK):
        match = pattern.search(head)
        if match:
            head = head[: match.start()]
    return len(head)


def _attaches(char: str) -> bool:
    """True for characters that belong to the grapheme cluster before them."""
    code = ord(char)
    return (
        unicodedata.category(char) in {"Mn", "Me", "Mc"}
        or char in {ZERO_WIDTH_JOINER, WORD_JOINER}
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0x1F3FB <= code <= 0x1F3FF  # skin-tone modifiers
        or 0xE0020 <= code <= 0xE007F  # emoji tag sequences
    )


def _odd_regional_indicators(head: str) -> int:
    """1 when ``head`` ends in half a flag (an odd run of regional indicators)."""
    run = 0
    for char in reversed(head):
        if not 0x1F1E6 <= ord(char) <= 0x1F1FF:
            break
        run += 1
    return run % 2
