"""sources.yaml loading: placeholders, defaults and one-line errors naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.errors import ConfigError
from bot.domain.models import DocumentKind, SourceKind
from bot.sources.catalog import load_sources_file

VALID = """
sources:
  - name: feed
    url: "{{BASE_URL}}/feed.xml"
    kind: rss
    tags: [a, b]
  - name: white-house
    url: https://www.whitehouse.gov/briefings-statements/
    kind: html
    statements: true
    speaker: The President
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_file_gives_specs_with_placeholder_replaced(tmp_path: Path) -> None:
    specs = load_sources_file(write(tmp_path, VALID), base_url="http://127.0.0.1:8")
    assert specs[0].url == "http://127.0.0.1:8/feed.xml"
    assert specs[0].kind is SourceKind.RSS
    assert specs[0].tags == ("a", "b")
    assert specs[1].document_kind is DocumentKind.STATEMENT
    assert specs[1].speaker == "The President"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("sources: [", "not valid YAML"),
        ("- just a list", "sources"),
        ("sources:\n  - name: x\n    url: http://a\n    kind: gopher\n", "kind"),
        ("sources:\n  - name: x\n    url: file:///etc/passwd\n    kind: rss\n", "http(s)"),
        ("sources:\n  - name: x\n    url: http://a\n    kind: rss\n    colour: red\n", "colour"),
        (
            "sources:\n  - {name: x, url: 'http://a', kind: rss}\n"
            "  - {name: x, url: 'http://b', kind: rss}\n",
            "duplicate",
        ),
    ],
)
def test_bad_files_raise_one_line_config_errors(tmp_path: Path, text: str, needle: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_sources_file(path)
    assert str(path) in str(caught.value)
    assert needle in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_and_oversized_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_sources_file(tmp_path / "absent.yaml")
    with pytest.raises(ConfigError, match="larger than"):
        load_sources_file(write(tmp_path, "#" * (1024 * 1024 + 1)))
