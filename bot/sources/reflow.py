"""Rejoin the hard-wrapped lines of PDF text into paragraphs, so sentences are whole again.

pypdf returns one line per printed line. A line break is kept where a paragraph ends (a short
line, a heading) or a list item starts; every other break was the printer's wrap and becomes a
space. Quotes are later matched against this reflowed text, which is what users see.
"""

from __future__ import annotations

import re

LIST_ITEM = re.compile(r"^\s*(?:[-•*–]|\d{1,2}[.)])\s")
SHORT_LINE_SHARE = 0.7  # shorter than this share of a full line: the paragraph ended there


def reflow_lines(text: str) -> str:
    """``text`` with soft line wraps joined; paragraph ends become blank lines."""
    lines = [line.strip() for line in text.splitlines()]
    if not lines:
        return ""
    full = _full_line_length(lines)
    paragraphs: list[str] = []
    current = ""
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        current = _join(current, line)
        if not line or _ends_paragraph(line, following, full):
            if current:
                paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


def _full_line_length(lines: list[str]) -> int:
    lengths = sorted(len(line) for line in lines if line)
    return lengths[int(len(lengths) * 0.75)] if lengths else 0


def _ends_paragraph(line: str, following: str, full: int) -> bool:
    return not following or bool(LIST_ITEM.match(following)) or len(line) < SHORT_LINE_SHARE * full


def _join(current: str, line: str) -> str:
    if not current:
        return line
    if not line:
        return current
    return (
        f"{current}{line}" if current.endswith("-") and line[:1].islower() else f"{current} {line}"
    )
