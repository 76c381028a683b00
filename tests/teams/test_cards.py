"""Adaptive Card renderers: snapshots, the 28 KB message limit, and hostile document text."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.chat.teams.cards import (
    MORE_PASSAGES,
    render_answer_card,
    render_digest_card,
    render_error_card,
)
from bot.chat.teams.payload import MAX_PAYLOAD_BYTES, encode_message, message_size
from bot.domain.models import (
    Answer,
    Citation,
    ClaimScope,
    ClaimUnderPressure,
    Digest,
    DigestEvidence,
    DigestStatement,
    DocumentKind,
)
from bot.domain.text import WORD_JOINER
from bot.services.digest import DigestService
from tests.support.fake_workflows import envelope_problem
from tests.unit.digest_fixtures import LENS, LedgerStore

SNAPSHOTS = Path(__file__).parent / "snapshots"
NOW = datetime(2019, 8, 7, 7, 30, tzinfo=UTC)
HOSTILE = (
    "[click](http://evil.example) ![x](http://evil.example/p.png) <at>Everyone</at> "
    "<http://evil.example> **bold** _it_ ~~s~~ `code` &lt; \\*\n- list\n\n# heading [2]"
)
LINK = re.compile(r"\]\(([^)]*)\)")


def fixture_digest() -> Digest:
    """The digest service's digest of the fixed ledger (a statement, a figure, a claim)."""
    return DigestService(store=LedgerStore(), lens=LENS).build(since=None, now=NOW)  # type: ignore[arg-type]


def hostile_digest() -> Digest:
    urls = ("javascript:alert(1)", "http://evil.example) [x](http://evil", "https://example.org/ok")
    return Digest(
        title=f"ISIS {HOSTILE}",
        question=HOSTILE,
        generated_at=NOW,
        bottom_line=f"Bottom {HOSTILE} [1] [3] [9]",
        statements=(DigestStatement(HOSTILE, None, HOSTILE, ClaimScope.TOTAL, 1),),
        evidence=(
            DigestEvidence(
                "x", HOSTILE, 1, 2, HOSTILE, None, HOSTILE, 3, previous_low=1, previous_high=2
            ),
        ),
        under_pressure=(
            ClaimUnderPressure(HOSTILE, None, HOSTILE, HOSTILE, HOSTILE, None, 1, 3, HOSTILE),
        ),
        sources=tuple(
            Citation(n, HOSTILE, url, HOSTILE, publisher=HOSTILE) for n, url in enumerate(urls, 1)
        ),
    )


def huge_digest(count: int = 80) -> Digest:
    """Far more than a Teams message holds: long quotes in every section, many sources."""

    def quote(n: int, size: int = 600) -> str:
        return " ".join(f"q{n}w{i} «ünïcödé»" for i in range(size))[:size]

    sources = tuple(
        Citation(
            n,
            f"Report {n}",
            f"https://example.org/r/{n}",
            quote(n),
            published_at=datetime(2019, 8, 1, tzinfo=UTC),
            publisher="Lead Inspector General",
            document_kind=DocumentKind.REPORT,
        )
        for n in range(1, count + 1)
    )
    statements = tuple(
        DigestStatement(f"Speaker {n}", date(2019, 1, n % 28 + 1), quote(n), ClaimScope.TOTAL, n)
        for n in range(1, count + 1)
    )
    evidence = tuple(
        DigestEvidence("f", "Fighters", n, n + 10, "people", date(2019, 8, n % 28 + 1), quote(n), n)
        for n in range(1, count + 1)
    )
    pressure = tuple(
        ClaimUnderPressure(
            f"Speaker {n}", None, quote(n), "Fighters", quote(n + 1), None, n, n + 1, "against"
        )
        for n in range(1, count)
    )
    return Digest(
        title="ISIS: is the declared victory holding?",
        question="Is the declared victory over ISIS premature?",
        generated_at=NOW,
        bottom_line="Likely premature [1] [2]. " + "Figures keep rising. " * 40,
        statements=statements,
        evidence=evidence,
        under_pressure=pressure,
        sources=sources,
        newest_evidence_at=date(2019, 8, 28),
    )


def answer() -> Answer:
    cited = Citation(
        1,
        "Lead Inspector General report",
        "https://example.org/d/1",
        "ISIS retained 14,000 to 18,000 fighters.",
        published_at=datetime(2019, 8, 6, tzinfo=UTC),
        publisher="Lead Inspector General",
        document_kind=DocumentKind.REPORT,
    )
    return Answer(
        question="How many fighters does ISIS keep?",
        text="The Lead Inspector General estimated 14,000 to 18,000 fighters [1].",
        citations=(cited, cited),
    )


def png(size: tuple[int, int] = (40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="PNG")
    return buffer.getvalue()


# Snapshots ----------------------------------------------------------------------------------


def assert_snapshot(name: str, value: object) -> None:
    """Compare with tests/teams/snapshots/<name>.json; the first run writes it for review."""
    path = SNAPSHOTS / f"{name}.json"
    text = json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_digest_card_matches_snapshot() -> None:
    assert_snapshot("digest", render_digest_card(fixture_digest()))


def test_digest_card_with_chart_matches_snapshot() -> None:
    card = render_digest_card(fixture_digest(), chart_png=b"\x89PNG\r\n\x1a\nfake chart")
    assert_snapshot("digest_chart", card)


def test_hostile_digest_card_matches_snapshot() -> None:
    assert_snapshot("digest_hostile", render_digest_card(hostile_digest()))


def test_answer_card_matches_snapshot() -> None:
    assert_snapshot("answer", render_answer_card(answer()))


def test_unanswered_card_matches_snapshot() -> None:
    unanswered = Answer("Who won?", "The collected documents do not answer this.", answered=False)
    assert_snapshot("answer_not_answered", render_answer_card(unanswered))


def test_error_card_matches_snapshot() -> None:
    assert_snapshot("error", render_error_card("Sorry, something went wrong.", "c0ffee-42"))


# What the reader sees -----------------------------------------------------------------------


def test_a_card_is_adaptive_1_5_at_full_width_in_a_workflows_message() -> None:
    card = render_digest_card(fixture_digest())
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert (card["type"], card["version"], card["msteams"]) == (
        "AdaptiveCard",
        "1.5",
        {"width": "Full"},
    )
    envelope = json.loads(encode_message(card))
    assert envelope == {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }
    assert envelope_problem("application/json", encode_message(card)) is None


def test_digest_card_has_every_section_of_the_slack_digest() -> None:
    text = "\n".join(texts(render_digest_card(fixture_digest())))
    for heading in (
        "Bottom line",
        "New leader statements",
        "New evidence",
        "Claims under pressure",
        "Sources",
    ):
        assert f"\n{heading}\n" in text
    assert "• The President — said on 2018-12-19 · total claim [[1](http://127.0.0.1/d/1)]" in text
    assert "“We have won against ISIS.”" in text
    assert (
        "**Fighter strength:** **14,000–18,000 people**, as of 2019-08-06 — up from up to "
        "17,100 (as of 2018-08-01)" not in text  # an open range is not "up from"
    )
    assert "— previously up to 17,100 (as of 2018-08-01) [[2](http://127.0.0.1/d/2)]" in text
    assert "**[2]** [Document 2](http://127.0.0.1/d/2) — Demo source · official report" in text
    assert "Trimmed" not in text


def test_change_since_the_previous_value_says_up_or_down() -> None:
    item = DigestEvidence(
        "f", "F", 14000, 18000, None, None, "q", 1, previous_low=10000, previous_high=12000
    )
    down = replace(item, previous_low=20000, previous_high=30000)
    same = replace(item, previous_low=14000, previous_high=18000)
    text = "\n".join(
        texts(render_digest_card(Digest("t", "q", NOW, "b", evidence=(item, down, same))))
    )
    assert "— up from 10,000–12,000 (as of date unknown)" in text
    assert "— down from 20,000–30,000 (as of date unknown)" in text
    assert "— unchanged since date unknown" in text


def test_empty_sections_say_nothing_new() -> None:
    text = "\n".join(texts(render_digest_card(Digest("t", "q", NOW, "b"))))
    assert text.count("Nothing new.") == 4


def test_chart_is_a_data_uri_or_the_image_host_url() -> None:
    inline = images(render_digest_card(fixture_digest(), chart_png=png()))
    assert [image["url"][:22] for image in inline] == ["data:image/png;base64,"]
    hosted = images(
        render_digest_card(
            fixture_digest(), chart_png=png(), chart_url="https://img.example.org/c.png"
        )
    )
    assert [image["url"] for image in hosted] == ["https://img.example.org/c.png"]
    assert images(render_digest_card(fixture_digest())) == []


def test_answer_links_markers_and_quotes_each_passage_once() -> None:
    text = "\n".join(texts(render_answer_card(answer())))
    assert "18,000 fighters [[1](https://example.org/d/1)]." in text
    assert text.count("“ISIS retained 14,000 to 18,000 fighters.”") == 1
    assert text.startswith("Q: How many fighters does ISIS keep?")


def test_unanswered_question_has_no_sources() -> None:
    card = render_answer_card(Answer("q", "Not in the collected documents [1].", answered=False))
    assert texts(card) == ["Q: q", "Not in the collected documents [1]."]


# The 28 KB limit ----------------------------------------------------------------------------


def test_huge_digest_is_trimmed_to_fit_with_a_note_saying_what_was_left_out() -> None:
    digest = huge_digest()
    card = render_digest_card(digest, chart_png=png((600, 300)))
    size = len(encode_message(card))
    assert size == message_size(card) <= MAX_PAYLOAD_BYTES
    assert envelope_problem("application/json", encode_message(card)) is None
    note = trim_note(card)
    assert note.startswith("Trimmed to fit Teams' 28 KB limit: chart, source passages, ")
    assert re.search(r", \d+ evidence items", note)
    assert note.endswith(" — full digest: ask Briefbot")
    assert images(card) == []
    text = "\n".join(texts(card))
    assert "Likely premature [[1](https://example.org/r/1)]" in text  # the bottom line stays


def test_trimming_takes_only_what_it_must_in_order() -> None:
    digest = fixture_digest()
    big_chart = render_digest_card(digest, chart_png=png((40, 20)) + bytes(30_000))
    assert trim_note(big_chart) == (
        "Trimmed to fit Teams' 28 KB limit: chart — full digest: ask Briefbot"
    )
    assert "“We have won against ISIS.”" in "\n".join(texts(big_chart))
    small = render_digest_card(digest, max_bytes=message_size(render_digest_card(digest)) - 1)
    assert trim_note(small).endswith(" KB limit: source passages — full digest: ask Briefbot")


def test_unquantified_then_the_oldest_evidence_goes_first() -> None:
    days = [date(2019, 1, 1) + timedelta(days=(n * 7) % 40) for n in range(40)]
    evidence = tuple(
        DigestEvidence("f", "Fighters", n, n + 1, "people", day, "quote " * 60, 1)
        for n, day in enumerate(days)
    )
    mention = DigestEvidence("f", "Mention", None, None, None, date(2019, 12, 1), "q", 1)
    digest = Digest("t", "q", NOW, "b", evidence=(mention, *evidence), sources=answer().citations)
    card = render_digest_card(digest, max_bytes=12_000)
    shown = [line for line in texts(card) if line.startswith("• **")]
    kept = {date.fromisoformat(re.findall(r"as of (\S+)", line)[0]) for line in shown}
    assert 0 < len(kept) < len(days)
    assert "Mention" not in "\n".join(shown)
    assert min(kept) > max(set(days) - kept)


def test_one_giant_quote_is_shortened_last_of_all_but_the_bottom_line() -> None:
    giant = DigestStatement("S", date(2019, 1, 1), "word " * 20_000, ClaimScope.TOTAL, 1)
    digest = Digest("t", "q", NOW, "b [1]", statements=(giant,), sources=(answer().citations[0],))
    card = render_digest_card(digest, full_digest_url="https://briefbot.example.org/d/1")
    assert message_size(card) <= MAX_PAYLOAD_BYTES
    assert trim_note(card) == (
        "Trimmed to fit Teams' 28 KB limit: source passages, long quotes shortened — full "
        "digest: [open it](https://briefbot.example.org/d/1)"
    )


def test_a_digest_of_huge_names_still_fits() -> None:
    name = "N" * 50_000
    item = DigestStatement(name, None, name, ClaimScope.TOTAL, 1)
    digest = Digest(name, name, NOW, name, statements=(item,) * 30)
    assert message_size(render_digest_card(digest)) <= MAX_PAYLOAD_BYTES


def test_answer_with_too_many_passages_keeps_the_first_and_says_so() -> None:
    citations = tuple(
        Citation(n, f"Doc {n}", f"https://example.org/{n}", "passage " * 400) for n in range(1, 30)
    )
    card = render_answer_card(Answer("q", "a [1] [2]", citations=citations))
    assert message_size(card) <= MAX_PAYLOAD_BYTES
    text = "\n".join(texts(card))
    assert "**[1]** [Doc 1](https://example.org/1)" in text
    assert "Doc 29" not in text
    assert text.endswith(MORE_PASSAGES)


# Hostile document text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "card",
    [
        pytest.param(lambda: render_digest_card(hostile_digest()), id="digest"),
        pytest.param(lambda: render_answer_card(hostile_answer()), id="answer"),
        pytest.param(lambda: render_error_card(HOSTILE, HOSTILE), id="error"),
    ],
)
def test_hostile_text_never_links_mentions_or_formats(card: Any) -> None:
    for text in texts(card()):
        assert "\n" not in text
        for target in LINK.findall(text):
            assert target == "https://example.org/ok"  # the one clean source URL
        assert "<at>" not in text
        assert not re.search(r"[<&\\](?!\u2060)", text)
        for markup in ("**bold**", "~~s~~", "`code`"):
            assert markup not in text
        assert text.count("**") % 2 == 0  # only our own bold pairs
        assert not re.match(r"[-+#>]|\d+[.)]", text)


def hostile_answer() -> Answer:
    bad = Citation(1, HOSTILE, "javascript:alert(1)", HOSTILE, publisher=HOSTILE)
    good = Citation(2, HOSTILE, "https://example.org/ok", HOSTILE)
    return Answer(HOSTILE, f"{HOSTILE} [1] [2]", citations=(bad, good))


def test_hostile_quote_shows_its_words() -> None:
    text = "\n".join(texts(render_digest_card(hostile_digest())))
    assert f"[click]{WORD_JOINER}(http://evil.example)" in text
    assert f"<{WORD_JOINER}at>Everyone<{WORD_JOINER}/at>" in text


# Helpers ------------------------------------------------------------------------------------


def elements(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield item
        yield from elements(item.get("items", []))


def texts(card: dict[str, Any]) -> list[str]:
    return [e["text"] for e in elements(card["body"]) if e["type"] == "TextBlock"]


def images(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in elements(card["body"]) if e["type"] == "Image"]


def trim_note(card: dict[str, Any]) -> str:
    [note] = [t for t in elements(card["body"]) if t.get("color") == "Warning"]
    return str(note["text"])
