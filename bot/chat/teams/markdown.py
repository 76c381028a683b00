"""Escaping untrusted text for Adaptive Card TextBlocks so it can neither link nor format.

Teams reads a subset of Markdown in a TextBlock's ``text``: ``**bold**``, ``_italic_``, lists
(``- item``, ``1. item`` at the start of a line), links (``[label](url)``), and on some clients
strikethrough and code spans; ``<at>…</at>`` is read as a mention. Backslash escapes are *not*
a way out: Teams on Android and iOS shows the backslash, desktop hides it (MicrosoftDocs/
msteams-docs#5793). So document text is made inert without backslashes:

- Whitespace runs, newlines included, become one space: no list, paragraph or heading can
  start inside document text.
- Delimiters that only work next to a particular character are split from it with U+2060
  WORD JOINER (invisible, not whitespace): ``](`` (a link or image), ``<`` (a tag, an
  ``<at>`` mention, an autolink), ``&`` (an entity) and ``\\`` (an escape of *our* markup),
  and a text that begins like a list, heading, quote or link definition gets one in front.
- Emphasis delimiters pair up by the flanking rules, which an invisible character does not
  break, so ``*``, ``_``, ``~`` and backticks become look-alikes: ``∗`` (U+2217), ``ˍ``
  (U+02CD), ``∼`` (U+223C) and ``ˋ`` (U+02CB). A quote reads the same; copied, those
  characters differ from the source's (the only liberty taken with a document's words).

The only links in a card are ours: ``[n]`` markers and source titles linked to the sources'
http(s) URLs (``link``), never a URL or label written by a document.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bot.domain.text import WORD_JOINER, grapheme_safe_end

ELLIPSIS = "…"
MAX_URL_LENGTH = 2000

_LOOKALIKES = str.maketrans({"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"})
_JOIN_AFTER = re.compile(r"([\\<&])")
_LINK_JOIN = re.compile(r"\](?=\()")
_BLOCK_START = re.compile(r"^(?=[#>+\-\[!=|]|\d+[.)])")
_WHITESPACE = re.compile(r"\s+")
_URL_FORBIDDEN = re.compile(r"[\s<>\"`\\\x00-\x1f\x7f]")
# Characters a Markdown reader could take as the end of a destination or as emphasis spanning
# two links. Encoded, "_" and "~" are equivalent (RFC 3986 §6.2.2.2); "(", ")" and "*" are
# sub-delimiters that web servers decode the same way in practice.
_URL_ESCAPES = str.maketrans({"(": "%28", ")": "%29", "*": "%2A", "_": "%5F", "~": "%7E"})
_LABEL_BRACKETS = str.maketrans({"[": "(", "]": ")"})


def escape_card_markdown(text: str) -> str:
    """``text`` on one line, as inert TextBlock Markdown: it shows as written (bar the four
    look-alikes above) and cannot start a link, mention, list or emphasis."""
    flat = _WHITESPACE.sub(" ", text).strip().translate(_LOOKALIKES)
    joined = _LINK_JOIN.sub("]" + WORD_JOINER, _JOIN_AFTER.sub(r"\1" + WORD_JOINER, flat))
    return _BLOCK_START.sub(WORD_JOINER, joined)


def link_target(url: str) -> str | None:
    """``url`` as a Markdown link destination, or None when it is not an absolute http(s) URL
    with a host; parentheses and emphasis characters are percent-encoded, so they can neither
    end the destination early nor pair with emphasis elsewhere in the line."""
    if not url or len(url) > MAX_URL_LENGTH or _URL_FORBIDDEN.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not host:
        return None
    return url.translate(_URL_ESCAPES)


def link(url: str, label: str) -> str:
    """``[label](url)`` for an http(s) URL, else the escaped label alone; square brackets in
    the label become parentheses, so it cannot close early or nest a link."""
    text = escape_card_markdown(label).translate(_LABEL_BRACKETS)
    target = link_target(url)
    return f"[{text}]({target})" if target else text


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters ending in "…", never inside a grapheme
    cluster (combining marks, emoji joins and modifiers, flag pairs)."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if len(text) <= limit:
        return text
    end = limit - len(ELLIPSIS)
    end = grapheme_safe_end(text, end)
    return text[:end].rstrip() + ELLIPSIS
