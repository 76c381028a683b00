"""OPML, the feed readers' subscription-list format: import to and export from SourceSpecs.

Parsing uses defusedxml with DTDs forbidden, so billion-laughs and external-entity files are
refused before any entity is expanded. Only feeds travel through OPML: an outline with an
``xmlUrl`` becomes an rss (or atom, for ``type="atom"``) source named after its ``text``
(slugged, made unique), tagged by its ``category`` attribute and the folders it sits in.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # building and ParseError only: parsing is defusedxml
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import defusedxml
import defusedxml.ElementTree as SafeET

from bot.domain.errors import ConfigError
from bot.domain.models import SourceKind, SourceSpec
from bot.sources.urls import HTTP_SCHEMES

MAX_OPML_BYTES = 1024 * 1024
MAX_OUTLINES = 5000
MAX_NAME_CHARS = 80
FEED_KINDS = frozenset({SourceKind.RSS, SourceKind.ATOM})
NOT_SLUG = re.compile(r"[^\w]+")
CATEGORY_SEPARATORS = re.compile(r"[,/]")


@dataclass(frozen=True, slots=True)
class OpmlImport:
    """The sources an OPML file declares, and one-line reasons for outlines left out."""

    specs: tuple[SourceSpec, ...]
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Feed:
    """An outline with an ``xmlUrl`` and the folders above it."""

    outline: Any
    folders: tuple[str, ...]


def parse_opml(data: bytes, *, path_or_url: str) -> OpmlImport:
    """The feed sources in an OPML document (1.0 or 2.0), in document order.

    Outlines whose ``xmlUrl`` is not http(s), or repeats an earlier one, are skipped with a
    reason. Raises ``ConfigError`` naming ``path_or_url`` for a file over 1 MB or with more
    than 5,000 outlines, for DTDs and entities, malformed XML and non-OPML documents.
    """
    root = _parse_root(data, path_or_url=path_or_url)
    body = root.find("body")
    if root.tag != "opml" or body is None:
        raise ConfigError(f"{path_or_url}: not an OPML file (no <opml><body>)")
    if sum(1 for _ in body.iter("outline")) > MAX_OUTLINES:
        raise ConfigError(f"{path_or_url}: more than {MAX_OUTLINES} outlines")
    specs: list[SourceSpec] = []
    skipped: list[str] = []
    names: set[str] = set()
    urls: set[str] = set()
    for feed in _walk_feeds(body, folders=()):
        url = (feed.outline.get("xmlUrl") or "").strip()
        text = _attribute_text(feed.outline)
        reason = _refusal(url, urls)
        if reason:
            skipped.append(f"{path_or_url}: outline {(text or url)[:80]!r} skipped, {reason}")
            continue
        urls.add(url)
        specs.append(_build_spec(feed, url=url, name=choose_unique_name(text, url, names)))
    return OpmlImport(specs=tuple(specs), skipped=tuple(skipped))


def render_opml(sources: Sequence[SourceSpec], *, title: str) -> str:
    """An OPML 2.0 document listing the feed (rss and atom) sources of ``sources``.

    Other kinds have no place in a feed reader's list and are left out; the caller can count
    them with ``FEED_KINDS``. Tags are written to ``category`` separated by commas.
    """
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for spec in sources:
        if spec.kind in FEED_KINDS:
            ET.SubElement(body, "outline", _outline_attributes(spec))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")


def slugify(text: str) -> str:
    """``text`` as a lowercase slug of word characters and hyphens (Unicode letters kept)."""
    return NOT_SLUG.sub("-", text.casefold()).strip("-_")[:MAX_NAME_CHARS].strip("-_")


def choose_unique_name(text: str, url: str, taken: set[str]) -> str:
    """A slug of ``text`` (or of the URL's host) not in ``taken``; adds it to ``taken``."""
    base = slugify(text) or slugify(urlsplit(url).hostname or "") or "feed"
    name, counter = base, 2
    while name in taken:
        name, counter = f"{base}-{counter}", counter + 1
    taken.add(name)
    return name


def _parse_root(data: bytes, *, path_or_url: str) -> Any:
    if len(data) > MAX_OPML_BYTES:
        raise ConfigError(f"{path_or_url}: larger than {MAX_OPML_BYTES} bytes")
    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException as exc:
        raise ConfigError(f"{path_or_url}: OPML refused, it declares a DTD or entities") from exc
    except ET.ParseError as exc:
        raise ConfigError(f"{path_or_url}: not valid XML ({_one_line(exc)})") from exc


def _walk_feeds(parent: Any, *, folders: tuple[str, ...]) -> Iterator[_Feed]:
    """Every outline with an ``xmlUrl`` under ``parent``; other outlines are folders."""
    for outline in parent.findall("outline"):
        if outline.get("xmlUrl") is not None:
            yield _Feed(outline=outline, folders=folders)
        label = slugify(_attribute_text(outline))
        yield from _walk_feeds(outline, folders=(*folders, label) if label else folders)


def _refusal(url: str, seen: set[str]) -> str | None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in HTTP_SCHEMES or not parts.hostname:
        return f"xmlUrl {url[:200]!r} is not an http(s) URL"
    if url in seen:
        return f"xmlUrl {url[:200]} is listed twice"
    return None


def _build_spec(feed: _Feed, *, url: str, name: str) -> SourceSpec:
    kind = SourceKind.ATOM if (feed.outline.get("type") or "").lower() == "atom" else SourceKind.RSS
    categories = CATEGORY_SEPARATORS.split(feed.outline.get("category") or "")
    tags = (slugify(tag) for tag in (*feed.folders, *categories))
    return SourceSpec(
        name=name, url=url, kind=kind, tags=tuple(dict.fromkeys(t for t in tags if t))
    )


def _outline_attributes(spec: SourceSpec) -> dict[str, str]:
    attributes = {
        "type": spec.kind.value,
        "text": spec.name,
        "title": spec.name,
        "xmlUrl": spec.url,
    }
    if spec.tags:
        attributes["category"] = ",".join(spec.tags)
    return attributes


def _attribute_text(outline: Any) -> str:
    return " ".join((outline.get("text") or outline.get("title") or "").split())


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]
