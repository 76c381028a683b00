"""HTML extraction: main text, metadata, encodings and empty pages."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime

import pytest

from bot.domain.errors import ExtractError
from bot.sources.html import decode_html, extract_html

from .samples import build_article

URL = "https://agency.example/reports/q3"


def test_extracts_main_text_and_metadata() -> None:
    markup = build_article(
        canonical="/reports/q3-2019?utm_source=rss",
        author="Lead Inspector General",
        published="2019-08-06T10:00:00Z",
    )
    page = extract_html(markup.encode(), url=URL, charset="utf-8")
    assert "14,000 and 18,000" in page.text
    assert "al-Hol" in page.text
    assert "Copyright 2019" not in page.text
    assert page.title == "Operation Inherent Resolve: quarterly report"
    assert page.author == "Lead Inspector General"
    assert page.published_at == datetime(2019, 8, 6, tzinfo=UTC)
    assert page.canonical_url == "https://agency.example/reports/q3-2019?utm_source=rss"
    assert page.language == "en"


def test_scripts_are_not_text_and_not_run() -> None:
    markup = build_article().replace(
        "</article>", "<script>document.write('INJECTED')</script></article>"
    )
    page = extract_html(markup.encode(), url=URL, charset=None)
    assert "INJECTED" not in page.text
    assert "document.write" not in page.text


def test_invalid_utf8_does_not_crash() -> None:
    body = build_article().encode().replace(b"members", b"memb\xff\xfeers")
    page = extract_html(body, url=URL, charset="utf-8")
    assert "Inspector General" in page.text


def test_undeclared_legacy_encoding_is_detected() -> None:
    markup = build_article(title="Déclaration à Bagdad").replace('<meta charset="utf-8">', "")
    body = markup.encode("cp1252")
    assert "Déclaration à Bagdad" in decode_html(body, charset=None)
    page = extract_html(body, url=URL, charset=None)
    assert page.title == "Déclaration à Bagdad"


def test_unknown_declared_charset_falls_back() -> None:
    page = extract_html(build_article().encode(), url=URL, charset="x-no-such-charset")
    assert "14,000" in page.text


@pytest.mark.parametrize(
    "body",
    [b"", b"<html><head><title>Empty</title></head><body></body></html>", b"\x00\xff" * 50],
)
def test_page_without_main_text_is_refused(body: bytes) -> None:
    with pytest.raises(ExtractError) as error:
        extract_html(body, url=URL, charset=None)
    assert str(error.value).startswith(URL)


FRENCH = build_article(
    title="Déclaration à Bagdad",
    lang="fr",
    paragraphs=(
        "Le ministère a déclaré que l’organisation « État islamique » était vaincue à Mossoul, "
        "selon le général chargé des opérations.",
    )
    * 3,
)


def test_header_says_utf8_but_body_is_windows_1252() -> None:
    page = extract_html(FRENCH.encode("cp1252"), url=URL, charset="utf-8")
    assert page.title == "Déclaration à Bagdad"
    assert "l’organisation « État islamique » était vaincue" in page.text
    assert "\ufffd" not in page.text
    assert page.language == "fr"


def test_header_says_latin1_but_body_is_utf8() -> None:
    page = extract_html(FRENCH.encode("utf-8"), url=URL, charset="iso-8859-1")
    assert page.title == "Déclaration à Bagdad"
    assert "l’organisation « État islamique »" in page.text
    assert "Ã" not in page.text


@pytest.mark.parametrize(
    ("body", "charset"),
    [
        (codecs.BOM_UTF8 + "<p>héllo</p>".encode(), "iso-8859-1"),
        ("<p>héllo</p>".encode("utf-16"), None),
        ("<p>héllo</p>".encode("utf-16-le"), "utf-16le"),
        ("<p>héllo</p>".encode("cp1252"), "cp1252"),
        ("<p>héllo</p>".encode(), "utf-16"),  # a wide label on narrow bytes is ignored
    ],
)
def test_decode_html_handles_boms_and_labels(body: bytes, charset: str | None) -> None:
    assert decode_html(body, charset=charset).lstrip("\ufeff") == "<p>héllo</p>"
