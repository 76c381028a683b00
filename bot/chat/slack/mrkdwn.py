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
from urllib.parse import urlsplit

from bot.domain.text import WORD_JOINER, grapheme_safe_end

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
    end = grapheme_safe_end(text, end)
    head = text[:end]
    for pattern in (_PARTIAL_ENTITY, _PARTIAL_LINK):
        match = pattern.search(head)
        if match:
            head = head[: match.start()]
    return len(head)
