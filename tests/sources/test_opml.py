"""OPML import and export: folders, categories, names, hostile files and the round trip."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bot.domain.errors import ConfigError
from bot.domain.models import SourceKind, SourceSpec
from bot.sources.opml import parse_opml, render_opml, slugify

FILE = "/etc/briefbot/feeds.opml"

READER_EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>Subscriptions in a feed reader</title></head>
  <body>
    <outline text="Middle East" title="Middle East">
      <outline text="Iraq" title="Iraq">
        <outline type="rss" text="Lead IG &amp; Reports" xmlUrl="https://oig.example/rss.xml"
                 htmlUrl="https://oig.example/" category="/Official/Oversight,isis"/>
      </outline>
      <outline type="atom" title="Analysis Blog" xmlUrl="https://blog.example/atom.xml"/>
      <outline type="rss" text="Analysis Blog" xmlUrl="https://blog2.example/feed"/>
    </outline>
    <outline type="rss" text="Local file" xmlUrl="file:///etc/passwd"/>
    <outline type="rss" text="Mail" xmlUrl="mailto:press@example.gov"/>
    <outline type="rss" text="Again" xmlUrl="https://oig.example/rss.xml"/>
    <outline type="rss" text="   " xmlUrl="https://no-name.example/feed"/>
    <outline type="rss" text="\xd8\xa7\xd9\x84\xd8\xa8\xd9\x8a\xd8\xa7\xd9\x86"
             xmlUrl="https://ar.example/feed"/>
    <outline text="Empty folder"/>
  </body>
</opml>"""


def test_import_reads_feeds_folders_and_categories() -> None:
    result = parse_opml(READER_EXPORT, path_or_url=FILE)
    by_url = {spec.url: spec for spec in result.specs}
    assert list(by_url) == [
        "https://oig.example/rss.xml",
        "https://blog.example/atom.xml",
        "https://blog2.example/feed",
        "https://no-name.example/feed",
        "https://ar.example/feed",
    ]
    oig = by_url["https://oig.example/rss.xml"]
    assert (oig.name, oig.kind) == ("lead-ig-reports", SourceKind.RSS)
    assert oig.tags == ("middle-east", "iraq", "official", "oversight", "isis")
    blog = by_url["https://blog.example/atom.xml"]
    assert (blog.name, blog.kind, blog.tags) == ("analysis-blog", SourceKind.ATOM, ("middle-east",))
    assert by_url["https://blog2.example/feed"].name == "analysis-blog-2"
    assert by_url["https://no-name.example/feed"].name == "no-name-example"
    assert by_url["https://ar.example/feed"].name == "البيان"
    assert all(spec.respect_robots and spec.enabled for spec in result.specs)


def test_import_skips_non_http_and_repeated_feeds_with_reasons() -> None:
    skipped = parse_opml(READER_EXPORT, path_or_url=FILE).skipped
    assert len(skipped) == 3
    assert all(reason.startswith(f"{FILE}: outline ") for reason in skipped)
    assert "'file:///etc/passwd' is not an http(s) URL" in skipped[0]
    assert "mailto:" in skipped[1]
    assert "https://oig.example/rss.xml is listed twice" in skipped[2]


def test_export_then_import_gives_the_same_specs() -> None:
    specs = [
        SourceSpec(
            name="lead-ig",
            url="https://oig.example/rss?a=1&b=2",
            kind=SourceKind.RSS,
            tags=("isis", "iraq"),
        ),
        SourceSpec(name="blog", url="https://blog.example/atom.xml", kind=SourceKind.ATOM),
        SourceSpec(name="البيان", url="https://ar.example/feed", kind=SourceKind.RSS, tags=("ar",)),
    ]
    text = render_opml(specs, title='Briefbot <sources> & "friends"')
    result = parse_opml(text.encode(), path_or_url="export.opml")
    assert result.skipped == ()
    assert [(s.name, s.url, s.kind, s.tags) for s in result.specs] == [
        (s.name, s.url, s.kind, s.tags) for s in specs
    ]
    root = ET.fromstring(text)
    assert root.get("version") == "2.0"
    assert root.findtext("head/title") == 'Briefbot <sources> & "friends"'
    assert "&amp;b=2" in text


def test_export_leaves_out_sources_that_are_not_feeds() -> None:
    specs = [
        SourceSpec(name="page", url="https://a.example/", kind=SourceKind.HTML),
        SourceSpec(name="list", url="https://b.example/", kind=SourceKind.LISTING),
        SourceSpec(name="pdf", url="https://c.example/r.pdf", kind=SourceKind.PDF),
        SourceSpec(name="feed", url="https://d.example/rss", kind=SourceKind.RSS),
    ]
    result = parse_opml(render_opml(specs, title="t").encode(), path_or_url="x.opml")
    assert [spec.name for spec in result.specs] == ["feed"]


def billion_laughs() -> bytes:
    levels = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    return (
        f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY lol0 "lol">{levels}]>'
        '<opml version="2.0"><body><outline text="&lol9;" xmlUrl="https://e.example/"/>'
        "</body></opml>"
    ).encode()


def external_entity(tmp_path: Path) -> bytes:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    return (
        f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<opml version="2.0"><body><outline text="&x;" xmlUrl="https://e.example/"/>'
        "</body></opml>"
    ).encode()


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(ConfigError) as error:
        parse_opml(billion_laughs(), path_or_url=FILE)
    assert str(error.value) == f"{FILE}: OPML refused, it declares a DTD or entities"


def test_external_entity_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="declares a DTD") as error:
        parse_opml(external_entity(tmp_path), path_or_url=FILE)
    assert "TOP-SECRET" not in str(error.value)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<opml><body>" + b" " * (1024 * 1024) + b"</body></opml>", "larger than 1048576 bytes"),
        (b"<opml><body>" + b'<outline text="f"/>' * 5001 + b"</body></opml>", "more than 5000"),
        (b"<opml><body><outline", "not valid XML"),
        (b"", "not valid XML"),
        (b"<rss version='2.0'><channel/></rss>", "not an OPML file"),
        (b"<opml version='2.0'><head/></opml>", "not an OPML file"),
    ],
)
def test_bad_files_are_config_errors_naming_the_file(data: bytes, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason) as error:
        parse_opml(data, path_or_url=FILE)
    message = str(error.value)
    assert message.startswith(f"{FILE}: ")
    assert "\n" not in message


def test_five_thousand_outlines_are_accepted() -> None:
    outlines = "".join(
        f'<outline type="rss" text="Feed {n}" xmlUrl="https://f{n}.example/rss"/>'
        for n in range(5000)
    )
    data = f"<opml version='2.0'><body>{outlines}</body></opml>".encode()
    assert len(data) < 1024 * 1024
    assert len(parse_opml(data, path_or_url=FILE).specs) == 5000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lead IG & Reports", "lead-ig-reports"),
        ("  --Déclarations__ ", "déclarations"),
        ("../../etc/passwd", "etc-passwd"),
        ("x" * 200, "x" * 80),
        ("!!!", ""),
    ],
)
def test_slugify(text: str, expected: str) -> None:
    assert slugify(text) == expected
