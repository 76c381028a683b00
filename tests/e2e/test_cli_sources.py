"""``briefbot sources …`` as a process: add with options, show, OPML in and out, bad OPML."""

from __future__ import annotations

from pathlib import Path

from .conftest import Run
from .test_cli import one_line_error

OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Team feeds</title></head><body>
  <outline text="Official">
    <outline text="State press releases" type="rss" category="official"
             xmlUrl="https://www.state.gov/rss-feed/press-releases/feed/"/>
    <outline text="Local file" type="rss" xmlUrl="file:///etc/passwd"/>
  </outline>
  <outline text="Long War Journal" type="rss" xmlUrl="https://www.longwarjournal.org/feed"/>
</body></opml>
"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<opml version="2.0"><body><outline text="&lol2;" xmlUrl="https://example.org/feed"/></body></opml>
"""


def test_add_listing_source_and_show_it(run_cli: Run) -> None:
    added = run_cli(
        "sources", "add", "https://www.centcom.mil/MEDIA/STATEMENTS/", "--kind", "listing",
        "--name", "centcom", "--link-pattern", "/Statements/Article/", "--statements",
        "--speaker", "U.S. Central Command", "--poll-minutes", "120", "--no-robots",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    shown = run_cli("sources", "show", "centcom")
    assert shown.returncode == 0, shown.stderr
    for expected in (
        "listing",
        "/Statements/Article/",
        "statement",
        "U.S. Central Command",
        "120 min",
        "ignored",
        "never",
    ):
        assert expected in shown.stdout
    assert run_cli("sources", "show", "nope").returncode == 1


def test_opml_import_then_export_round_trips(run_cli: Run, tmp_path: Path) -> None:
    (tmp_path / "feeds.opml").write_bytes(OPML)
    imported = run_cli("sources", "import-opml", "feeds.opml")
    assert imported.returncode == 0, imported.stderr
    assert "2 feeds imported" in imported.stdout
    assert "file:///etc/passwd" in imported.stdout  # reported as skipped, not stored
    again = run_cli("sources", "import-opml", "feeds.opml")  # known URLs keep their names
    assert again.returncode == 0
    listing = run_cli("sources", "list").stdout
    assert listing.count("state.gov") == 1
    exported = run_cli("sources", "export-opml", "out.opml")
    assert exported.returncode == 0, exported.stderr
    text = (tmp_path / "out.opml").read_text(encoding="utf-8")
    assert 'xmlUrl="https://www.state.gov/rss-feed/press-releases/feed/"' in text
    assert 'xmlUrl="https://www.longwarjournal.org/feed"' in text
    assert "passwd" not in text


def test_hostile_or_missing_opml_is_a_one_line_error(run_cli: Run, tmp_path: Path) -> None:
    (tmp_path / "bomb.opml").write_bytes(BILLION_LAUGHS)
    bomb = run_cli("sources", "import-opml", "bomb.opml")
    assert bomb.returncode == 1
    assert "bomb.opml" in one_line_error(bomb.stderr)
    missing = run_cli("sources", "import-opml", "absent.opml")
    assert missing.returncode == 1
    assert "absent.opml" in one_line_error(missing.stderr)
    assert run_cli("sources", "list").stdout.count("example.org") == 0
