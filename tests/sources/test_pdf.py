"""PDF extraction: text with page offsets, metadata, and broken or locked files."""

from __future__ import annotations

import pytest

from bot.domain.errors import ExtractError
from bot.sources.pdf import extract_pdf

from .samples import build_pdf, encrypt_pdf

URL = "https://agency.example/report.pdf"
PAGES = ["ISIS retains 14,000 to 18,000 members.", "Attacks continued in Syria and Iraq."]


def test_text_pages_and_metadata() -> None:
    page = extract_pdf(build_pdf(PAGES, title="Lead IG Report", author="DoD OIG"), url=URL)
    assert page.title == "Lead IG Report"
    assert page.author == "DoD OIG"
    assert page.published_at is not None
    assert page.published_at.tzinfo is not None
    assert len(page.page_starts) == 2
    for start, expected in zip(page.page_starts, PAGES, strict=True):
        assert page.text[start:].startswith(expected)


def test_pages_are_capped() -> None:
    page = extract_pdf(build_pdf([f"Page number {n}" for n in range(5)]), url=URL, max_pages=2)
    assert len(page.page_starts) == 2
    assert "Page number 2" not in page.text


def test_pdf_with_empty_user_password_is_read() -> None:
    body = encrypt_pdf(build_pdf(PAGES), password="")
    assert "14,000" in extract_pdf(body, url=URL).text


def test_encrypted_pdf_is_refused() -> None:
    body = encrypt_pdf(build_pdf(PAGES), password="s3cret")
    with pytest.raises(ExtractError, match="encrypted") as error:
        extract_pdf(body, url=URL)
    assert URL in str(error.value)


@pytest.mark.parametrize(
    "body",
    [
        build_pdf(PAGES)[:400],
        b"%PDF-1.7\n" + b"\x00garbage" * 200,
        b"<html>not a pdf</html>",
        b"",
    ],
)
def test_broken_pdfs_are_refused(body: bytes) -> None:
    with pytest.raises(ExtractError) as error:
        extract_pdf(body, url=URL)
    message = str(error.value)
    assert message.startswith(URL)
    assert "\n" not in message


def test_pdf_without_text_layer_is_refused() -> None:
    with pytest.raises(ExtractError, match="no text layer"):
        extract_pdf(build_pdf([""]), url=URL)
