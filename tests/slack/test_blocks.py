"""Block Kit renderers: snapshots, Slack's limits on long digests, and hostile document text."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.chat.slack.blocks import (
    render_answer_blocks,
    render_digest_blocks,
    render_digest_text,
    render_error_blocks,
)
from bot.chat.slack.constants import (
    MAX_BLOCKS,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
    ActionId,
    BlockId,
)
from bot.chat.slack.mrkdwn import escape_inline
from bot.domain.models import (
    Answer,
    Citation,
    ClaimScope,
    ClaimUnderPressure,
    Digest,
    DigestEvidence,
    DigestStatement,
    Direction,
    DocumentKind,
)

SNAPSHOTS = Path(__file__).parent / "snapshots"
NOW = datetime(2019, 8, 7, 7, 30, tzinfo=UTC)
HOSTILE = (
    "<!channel> <@U123> <#C42|general> @here @everyone <http://evil.example|click> "
    "javascript:alert(1) &lt; *bold* _it_ ~s~ `code`\n> fake quote [2]"
)
LINK = re.compile(r"<([^>|]*)(?:\|[^>]*)?>")


def citation(number: int, *, url: str | None = None, title: str | None = None) -> Citation:
    kinds = [DocumentKind.STATEMENT, DocumentKind.REPORT, DocumentKind.NEWS, DocumentKind.ANALYSIS]
    return Citation(
        number=number,
        title=title or f"Document {number}",
        url=url or f"https://example.org/d/{number}",
        quote=f"Passage {number}.",
        published_at=datetime(2019, 8, number % 28 + 1, tzinfo=UTC),
        publisher="Lead Inspector General" if number % 2 else "Demo source",
        document_kind=kinds[(number - 1) % len(kinds)],
    )


STATEMENT = DigestStatement(
    speaker="The President",
    said_at=date(2018, 12, 19),
    quote="We have won against ISIS.",
    scope=ClaimScope.TOTAL,
    source_number=1,
)
EVIDENCE = DigestEvidence(
    indicator="fighter_strength",
    label="Fighter strength",
    low=14000,
    high=18000,
    unit="people",
    as_of=date(2019, 8, 6),
    quote="The report estimated that ISIS retained 14,000 to 18,000 fighters in Iraq and Syria.",
    source_number=2,
    previous_low=10000,
    previous_high=12000,
    previous_as_of=date(2018, 8, 1),
    direction=Direction.UP_IS_AGAINST_VICTORY,
)
OPEN_EVIDENCE = DigestEvidence(
    indicator="attack_tempo",
    label="Attack tempo",
    low=None,
    high=300,
    unit="attacks per month",
    as_of=date(2019, 7, 1),
    quote="ISIS claimed up to 300 attacks a month.",
    source_number=2,
    previous_high=300,
    previous_as_of=date(2019, 4, 1),
)
PRESSURE = ClaimUnderPressure(
    speaker="The President",
    said_at=date(2018, 12, 19),
    quote="We have won against ISIS.",
    evidence_label="Fighter strength",
    evidence_quote=EVIDENCE.quote,
    evidence_as_of=date(2019, 8, 6),
    source_number=1,
    evidence_source_number=2,
    bears="against",
)
DIGEST = Digest(
    title="ISIS: is the declared victory holding?",
    question="Is the declared victory over ISIS premature?",
    generated_at=NOW,
    bottom_line=(
        "Briefbot assesses (moderate confidence) that it is likely that the declared victory "
        "over ISIS is premature. Newest figure: Fighter strength 14,000–18,000 as of "
        "2019-08-06 [2]."
    ),
    statements=(STATEMENT,),
    evidence=(EVIDENCE, OPEN_EVIDENCE),
    under_pressure=(PRESSURE,),
    sources=(citation(1), citation(2)),
    newest_evidence_at=date(2019, 8, 6),
)
ANSWER = Answer(
    question="How many fighters does ISIS keep?",
    text="The Lead Inspector General estimated 14,000 to 18,000 members [1], up from 2018 [2].",
    citations=(citation(1), citation(2), citation(1)),
)


def hostile_digest() -> Digest:
    evil = ("javascript:alert(1)", "http://evil.example|click", "https://example.org/ok")
    return Digest(
        title=f"ISIS {HOSTILE}",
        question=HOSTILE,
        generated_at=NOW,
        bottom_line=f"Bottom {HOSTILE} [1] [3] [9]",
        statements=(
            DigestStatement(HOSTILE, None, HOSTILE, ClaimScope.TOTAL, 1),
            DigestStatement("@channel", date(2019, 1, 1), "<!here>", ClaimScope.TERRITORIAL, 2),
        ),
        evidence=(
            DigestEvidence(
                "x", HOSTILE, 1, 2, HOSTILE, None, HOSTILE, 3, previous_low=1, previous_high=2
            ),
        ),
        under_pressure=(
            ClaimUnderPressure(HOSTILE, None, HOSTILE, HOSTILE, HOSTILE, None, 1, 3, HOSTILE),
        ),
        sources=tuple(
            Citation(n, HOSTILE, url, HOSTILE, publisher=HOSTILE) for n, url in enumerate(evil, 1)
        ),
    )


def long_digest() -> Digest:
    """60 statements and 60 figures with 2,000-character quotes, and one 9,000-character one."""

    def quote(n: int, size: int = 2000) -> str:
        words = (f"q{n}w{i} & <x>" for i in range(size))
        return " ".join(words)[:size]

    statements = tuple(
        DigestStatement(f"Speaker {n}", date(2019, 1, 1), quote(n), ClaimScope.TOTAL, n % 5 + 1)
        for n in range(60)
    )
    figures = [
        DigestEvidence("f", "Fighters", n, n + 10, "people", None, quote(100 + n), n % 5 + 1)
        for n in range(59)
    ]
    giant = DigestEvidence("f", "Fighters", 1, 2, "people", None, quote(999, 9000), 1)
    return Digest(
        title="@here " * 60,
        question="Q?",
        generated_at=NOW,
        bottom_line="B [1]",
        statements=statements,
        evidence=(*figures, giant),
        sources=tuple(citation(n) for n in range(1, 6)),
    )


# Snapshots ----------------------------------------------------------------------------------


def assert_snapshot(name: str, value: object) -> None:
    """Compare with tests/slack/snapshots/<name>.json; the first run writes it for review."""
    path = SNAPSHOTS / f"{name}.json"
    text = json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_digest_matches_snapshot() -> None:
    assert_snapshot("digest", render_digest_blocks(DIGEST))


def test_digest_continued_in_thread_matches_snapshot() -> None:
    assert_snapshot("digest_continued", render_digest_blocks(DIGEST, max_blocks=5))


def test_hostile_digest_matches_snapshot() -> None:
    assert_snapshot("digest_hostile", render_digest_blocks(hostile_digest()))


def test_answer_matches_snapshot() -> None:
    assert_snapshot("answer", render_answer_blocks(ANSWER, turn_id=42))


def test_unanswered_matches_snapshot() -> None:
    unanswered = Answer("Who won?", "The collected documents do not answer this.", answered=False)
    assert_snapshot("answer_not_answered", render_answer_blocks(unanswered, turn_id=7))


def test_error_matches_snapshot() -> None:
    assert_snapshot("error", render_error_blocks("Sorry, something went wrong.", "c0ffee-42"))


# What the reader sees -----------------------------------------------------------------------


def test_digest_sections_mirror_the_console() -> None:
    text = "\n".join(texts(render_digest_blocks(DIGEST)))
    for heading in (
        "*Bottom line*",
        "*New leader statements*",
        "*New evidence*",
        "*Claims under pressure*",
        "*Sources*",
    ):
        assert heading in text
    assert "said on 2018-12-19" in text
    assert "*14,000–18,000 people*, as of 2019-08-06 — up from 10,000–12,000" in text
    assert "*up to 300 attacks per month*, as of 2019-07-01 — unchanged since 2019-04-01" in text
    assert "*[2]* <https://example.org/d/2|Document 2> — Demo source · official report" in text
    assert "2019-08-06 <https://example.org/d/2|[2]>." in text  # the bottom line's marker


def test_change_is_neither_up_nor_down_when_a_range_is_open() -> None:
    item = DigestEvidence("f", "F", 14000, 18000, None, None, "q", 1, previous_high=17100)
    text = "\n".join(texts(render_digest_blocks(Digest("t", "q", NOW, "b", evidence=(item,)))))
    assert "previously up to 17,100 (as of date unknown)" in text


def test_empty_sections_say_nothing_new() -> None:
    messages = render_digest_blocks(Digest("t", "q", NOW, "b"))
    assert "\n".join(texts(messages)).count("_Nothing new._") == 4


def test_fallback_text_is_short_and_escaped() -> None:
    text = render_digest_text(hostile_digest())
    assert len(text) <= 300
    assert "<" not in text
    assert "@here" not in text


def test_answer_links_markers_and_quotes_each_passage_once() -> None:
    blocks = render_answer_blocks(ANSWER, turn_id=42)
    text = "\n".join(texts([blocks]))
    assert (
        "members <https://example.org/d/1|[1]>, up from 2018 <https://example.org/d/2|[2]>" in text
    )
    assert text.count("> “Passage 1.”") == 1


def test_feedback_buttons_carry_the_turn_id() -> None:
    actions = render_answer_blocks(ANSWER, turn_id=42)[-1]
    assert actions["block_id"] == BlockId.FEEDBACK
    assert [(b["action_id"], b["value"]) for b in actions["elements"]] == [
        (ActionId.FEEDBACK_UP, "42"),
        (ActionId.FEEDBACK_DOWN, "42"),
    ]


def test_no_buttons_without_a_turn_or_an_answer() -> None:
    unanswered = Answer("q", "Not in the collected documents.", answered=False)
    for blocks in (
        render_answer_blocks(ANSWER, turn_id=None),
        render_answer_blocks(unanswered, turn_id=3),
    ):
        assert all(block["type"] != "actions" for block in blocks)


def test_a_quote_cannot_break_out_of_its_block_quote() -> None:
    statement = DigestStatement("S", None, HOSTILE, ClaimScope.TOTAL, 1)
    digest = Digest("t", "q", NOW, "b", statements=(statement,), sources=(citation(1),))
    lines = "\n".join(texts(render_digest_blocks(digest))).splitlines()
    quoted = [line for line in lines if line.startswith(">")]
    assert quoted == [f"> “{escape_inline(HOSTILE)}”"]  # one line, ours; its "> " is escaped


# Limits -------------------------------------------------------------------------------------


def test_long_digest_continues_in_the_thread_within_every_limit() -> None:
    digest = long_digest()
    messages = render_digest_blocks(digest)
    assert len(messages) > 1
    for number, message in enumerate(messages):
        assert len(message) <= MAX_BLOCKS
        assert (message[0]["block_id"] == BlockId.DIGEST_CONTINUED) == (number > 0)
        assert message[-1]["type"] != "divider"  # a section never ends a message on its rule
    for block in all_blocks(messages):
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= MAX_HEADER_TEXT
        if block["type"] == "section":
            assert 0 < len(block["text"]["text"]) <= MAX_SECTION_TEXT
    flat = flatten(messages)
    for quote in [item.quote for item in digest.statements + digest.evidence]:
        assert escape_inline(quote) in flat


def test_long_digest_fits_fewer_blocks_when_asked() -> None:
    messages = render_digest_blocks(long_digest(), max_blocks=10)
    assert all(len(message) <= 10 for message in messages)


# Hostile document text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "render",
    [
        lambda: render_digest_blocks(hostile_digest()),
        lambda: [render_answer_blocks(hostile_answer(), turn_id=1)],
        lambda: [render_error_blocks(HOSTILE, HOSTILE)],
    ],
)
def test_hostile_text_never_pings_or_links_elsewhere(render: Any) -> None:
    messages = render()
    for element in text_objects(messages):
        for mention in ("@here", "@channel", "@everyone", "@U123"):
            assert mention not in element["text"]
        if element["type"] == "plain_text":
            continue  # Slack shows plain_text as written: no mentions, no links
        assert element["verbatim"] is True
        for target in LINK.findall(element["text"]):
            assert target == "https://example.org/ok"  # the one clean source URL


def hostile_answer() -> Answer:
    bad = Citation(1, HOSTILE, "javascript:alert(1)", HOSTILE, publisher=HOSTILE)
    good = Citation(2, HOSTILE, "https://example.org/ok", HOSTILE)
    return Answer(HOSTILE, f"{HOSTILE} [1] [2]", citations=(bad, good))


# Helpers ------------------------------------------------------------------------------------


def all_blocks(messages: list[list[dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    for message in messages:
        yield from message


def text_objects(messages: list[list[dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    for block in all_blocks(messages):
        if "text" in block:
            yield block["text"]
        for element in block.get("elements", []):
            yield element["text"] if element.get("type") == "button" else element


def texts(messages: list[list[dict[str, Any]]]) -> list[str]:
    return [element["text"] for element in text_objects(messages)]


def flatten(messages: list[list[dict[str, Any]]]) -> str:
    """All text with quote markers and the splits between sections undone."""
    content = [[b for b in m if b.get("block_id") != BlockId.DIGEST_CONTINUED] for m in messages]
    lines = (line.removeprefix("> ") for text in texts(content) for line in text.splitlines())
    return " ".join(" ".join(lines).split())
