"""Chunking keeps offsets true; hashing ignores whitespace and case."""

from __future__ import annotations

from bot.domain.text import chunk_text, content_hash, split_sentences


def test_chunks_point_back_into_the_text_and_respect_the_limit() -> None:
    text = ("ISIS kept 14,000 fighters. " * 40 + "\n\n" + "A very long sentence " * 200).strip()
    chunks = chunk_text(text, max_chars=300)
    assert [chunk.ordinal for chunk in chunks] == list(range(len(chunks)))
    assert all(text[c.start : c.end] == c.text for c in chunks)
    assert all(len(c.text) <= 300 for c in chunks)
    assert "".join(c.text for c in chunks).replace(" ", "") == text.replace(" ", "").replace(
        "\n", ""
    )


def test_empty_text_has_no_chunks() -> None:
    assert chunk_text("   \n ") == []


def test_sentences_split_after_closing_quotes() -> None:
    text = 'He said "we won." Then he left.'
    assert [text[s:e] for s, e in split_sentences(text)] == ['He said "we won."', "Then he left."]


def test_content_hash_ignores_whitespace_and_case() -> None:
    assert content_hash("We  have WON\n") == content_hash("we have won")
    assert content_hash("we have won") != content_hash("we have lost")
