"""Small HTML readers on the standard library parser: plain text and head hints."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

BLOCK_TAGS = frozenset({"p", "br", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr"})
SKIPPED_TAGS = frozenset({"script", "style", "template", "noscript"})


@dataclass(frozen=True, slots=True)
class PageHints:
    """What a page's markup says about itself."""

    canonical_url: str | None = None
    language: str | None = None


def html_to_text(markup: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed within lines."""
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def find_links(markup: str) -> list[str]:
    """The ``href`` of every ``<a>`` in the page, in document order (as written)."""
    parser = _LinkParser()
    parser.feed(markup)
    parser.close()
    return parser.links


def find_page_hints(markup: str) -> PageHints:
    """The ``<link rel=canonical>`` target and the ``<html lang>`` of a page, when present."""
    parser = _HintParser()
    parser.feed(markup)
    parser.close()
    return PageHints(canonical_url=parser.canonical, language=parser.language)


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_TAGS:
            self._skipping += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


class _HintParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.canonical: str | None = None
        self.language: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: (value or "").strip() for name, value in attrs}
        if tag == "html" and values.get("lang") and self.language is None:
            self.language = values["lang"]
        rels = values.get("rel", "").lower().split()
        if tag == "link" and "canonical" in rels and values.get("href") and self.canonical is None:
            self.canonical = values["href"]


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") if tag == "a" else None
        if href and href.strip():
            self.links.append(href.strip())
