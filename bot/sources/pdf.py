"""Text extraction from PDFs with pypdf, keeping where each page starts for citations."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from pypdf import PasswordType, PdfReader
from pypdf.errors import PyPdfError

from bot.domain.errors import ExtractError
from bot.sources.pages import ExtractedPage
from bot.sources.reflow import reflow_lines

MAX_PAGES = 500
PAGE_SEPARATOR = "\n\n"
# pypdf signals broken files with its own errors and, on garbage, with plain Python ones.
PDF_FAILURES = (
    PyPdfError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    AssertionError,
    RecursionError,
    ZeroDivisionError,
    OSError,
)


def extract_pdf(body: bytes, *, url: str, max_pages: int = MAX_PAGES) -> ExtractedPage:
    """The text of the first ``max_pages`` pages (joined by a blank line) and the metadata.

    Raises ``ExtractError`` naming ``url`` for encrypted, truncated or garbage PDFs and for
    PDFs without a text layer.
    """
    try:
        reader = _open_reader(body, url=url)
        texts = [reflow_lines(page.extract_text() or "") for page in reader.pages[:max_pages]]
    except PDF_FAILURES as exc:
        raise ExtractError(f"{url}: PDF could not be read ({_describe(exc)})") from exc
    if not any(texts):
        raise ExtractError(f"{url}: PDF has no text layer")
    text, page_starts = _join_pages(texts)
    title, author, created = _read_metadata(reader)
    return ExtractedPage(
        title=title, text=text, author=author, published_at=created, page_starts=page_starts
    )


def _open_reader(body: bytes, *, url: str) -> PdfReader:
    if not body.lstrip()[:5].startswith(b"%PDF"):
        raise ExtractError(f"{url}: not a PDF")
    reader = PdfReader(io.BytesIO(body), strict=False)
    # An encrypted PDF with an empty user password is readable by anyone; others are not.
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise ExtractError(f"{url}: PDF is encrypted")
    return reader


def _join_pages(texts: list[str]) -> tuple[str, tuple[int, ...]]:
    starts: list[int] = []
    offset = 0
    for text in texts:
        starts.append(offset)
        offset += len(text) + len(PAGE_SEPARATOR)
    return PAGE_SEPARATOR.join(texts), tuple(starts)


def _read_metadata(reader: PdfReader) -> tuple[str | None, str | None, datetime | None]:
    try:
        info = reader.metadata
        if info is None:
            return None, None, None
        return _clean(info.title), _clean(info.author), _as_utc(info.creation_date)
    except PDF_FAILURES:
        return None, None, None


def _clean(value: object) -> str | None:
    return " ".join(value.split()) or None if isinstance(value, str) else None


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _describe(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
