"""Bodies for source tests: feeds, pages and PDFs built in code."""

from __future__ import annotations

import io

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

ARTICLE_PARAGRAPHS = (
    "The Lead Inspector General estimated that ISIS retains between 14,000 and 18,000 "
    "members in Iraq and Syria, despite the loss of its territorial caliphate.",
    "The report notes that the group has transitioned to a clandestine insurgency, carrying "
    "out assassinations, ambushes and bombings across the region every month.",
    "Officials told the inspector general that detention camps such as al-Hol remain a "
    "serious long-term risk because of radicalisation among the residents held there.",
)


def build_article(
    *,
    title: str = "Operation Inherent Resolve: quarterly report",
    canonical: str | None = None,
    author: str | None = None,
    published: str | None = None,
    lang: str = "en",
    paragraphs: tuple[str, ...] = ARTICLE_PARAGRAPHS,
) -> str:
    """A news-like HTML page with a main article, navigation and a footer."""
    head = [f"<title>{title}</title>"]
    if canonical:
        head.append(f'<link rel="canonical" href="{canonical}">')
    if author:
        head.append(f'<meta name="author" content="{author}">')
    if published:
        head.append(f'<meta property="article:published_time" content="{published}">')
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{"".join(head)}</head>'
        '<body><nav><a href="/">Home</a> <a href="/about">About</a></nav>'
        f"<article><h1>{title}</h1>{body}</article>"
        "<footer>Copyright 2019 Example Agency</footer></body></html>"
    )


def build_rss(items: list[dict[str, str]], *, title: str = "Example feed") -> bytes:
    """An RSS 2.0 document; each item dict may hold title, link, pubDate, description."""
    rendered = "".join(
        "<item>" + "".join(f"<{key}>{value}</{key}>" for key, value in item.items()) + "</item>"
        for item in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://example.com/</link>{rendered}</channel></rss>"
    ).encode()


def build_pdf(pages: list[str], *, title: str | None = None, author: str | None = None) -> bytes:
    """A PDF with one text page per entry of ``pages``."""
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 10, text)
    return bytes(pdf.output())


def encrypt_pdf(body: bytes, *, password: str) -> bytes:
    """``body`` encrypted with a user password (RC4, which pypdf handles without extras)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(body)))
    writer.encrypt(user_password=password, owner_password=password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
