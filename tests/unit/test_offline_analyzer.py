"""The offline analyzer on small, hand-written documents."""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.analysis.lens import load_lens
from bot.analysis.offline import OfflineAnalyzer
from bot.domain.models import (
    AnalysisResult,
    Claim,
    ClaimScope,
    Document,
    DocumentKind,
    IndicatorObservation,
    Lens,
    Stance,
)

LENS_PATH = Path(__file__).resolve().parents[2] / "prompts" / "lenses" / "premature_victory.yaml"
PUBLISHED = datetime(2019, 3, 23, 12, 0)


@pytest.fixture(scope="module")
def lens() -> Lens:
    return load_lens(LENS_PATH)


def _document(
    text: str, *, kind: DocumentKind = DocumentKind.NEWS, speaker: str | None = None
) -> Document:
    return Document(
        id=1,
        source_id=None,
        url="https://example.org/a",
        canonical_url="https://example.org/a",
        title="A document",
        text=text,
        kind=kind,
        content_hash="0" * 64,
        fetched_at=PUBLISHED,
        published_at=PUBLISHED,
        speaker=speaker,
        source_name="Example Wire",
    )


def _analyze(lens: Lens, text: str, **kwargs: object) -> AnalysisResult:
    result = OfflineAnalyzer().analyze(_document(text, **kwargs), lens)  # type: ignore[arg-type]
    _assert_verbatim(result, text)
    return result


def _assert_verbatim(result: AnalysisResult, text: str) -> None:
    items: list[Claim | IndicatorObservation] = [*result.claims, *result.indicators]
    for item in items:
        assert text[item.start : item.end] == item.quote
    assert 0.0 <= result.relevance <= 1.0


def test_it_names_its_model_and_rules_version() -> None:
    analyzer = OfflineAnalyzer()
    assert analyzer.model == "offline"
    assert analyzer.prompt_version == "offline-rules@1"


def test_a_statement_declaring_victory(lens: Lens) -> None:
    text = "Press release.\n\nWe have defeated ISIS in the valley and our forces hold the border."
    result = _analyze(lens, text, kind=DocumentKind.STATEMENT, speaker="Minister A. Example")
    (claim,) = result.claims
    assert claim.speaker == "Minister A. Example"
    assert claim.said_at == date(2019, 3, 23)
    assert "We have defeated ISIS" in claim.quote
    assert result.stance == Stance.SUPPORTS_VICTORY
    assert not result.degraded  # only a stand-in for a failed LLM is degraded


def test_quoted_speech_is_the_quote_and_the_named_speaker_the_speaker(lens: Lens) -> None:
    text = (
        'The war has been long. "The so-called caliphate has been crushed and its fighters '
        'scattered," said General Jane Q. Roe, the coalition commander.'
    )
    (claim,) = _analyze(lens, text).claims
    assert claim.quote == "The so-called caliphate has been crushed and its fighters scattered"
    assert claim.speaker == "General Jane Q. Roe"


def test_a_name_before_the_speech_verb(lens: Lens) -> None:
    text = "On Monday, Prime Minister Sam Example declared that Daesh was eliminated from the city."
    (claim,) = _analyze(lens, text).claims
    assert claim.speaker == "Prime Minister Sam Example"


def test_a_quoted_label_names_the_speaker(lens: Lens) -> None:
    text = 'Quoted (Roe, television interview): "We won against ISIS, and they know it."'
    (claim,) = _analyze(lens, text).claims
    assert claim.speaker == "Roe"
    assert claim.scope == ClaimScope.TOTAL


def test_a_paraphrase_gives_way_to_the_speakers_own_words(lens: Lens) -> None:
    text = (
        "President Pat Example said on Tuesday that ISIS had been defeated.\n"
        'Quoted (Example): "We have defeated ISIS, totally and completely."'
    )
    (claim,) = _analyze(lens, text).claims
    assert claim.quote == "We have defeated ISIS, totally and completely."


def test_a_denied_victory_is_no_claim(lens: Lens) -> None:
    text = (
        "Officials warned that ISIS is not defeated. The group retains the ability to "
        "reconstitute and remains a threat across the region."
    )
    result = _analyze(lens, text)
    assert result.claims == ()
    assert result.stance == Stance.SUPPORTS_PREMATURE


def test_a_range_of_fighters_with_an_as_of_date(lens: Lens) -> None:
    text = "As of June 2019, the inspector general estimated ISIS retained 14,000-18,000 fighters."
    (observation,) = [
        o for o in _analyze(lens, text).indicators if o.indicator == "fighter_strength"
    ]
    assert (observation.low, observation.high) == (14000, 18000)
    assert observation.unit == "people"
    assert observation.as_of == date(2019, 6, 1)


def test_the_as_of_date_defaults_to_publication(lens: Lens) -> None:
    text = "ISIS claimed more than 150 attacks in Iraq and Syria."
    (observation,) = [o for o in _analyze(lens, text).indicators if o.indicator == "attack_tempo"]
    assert (observation.low, observation.high) == (150, None)
    assert observation.as_of == date(2019, 3, 23)


def test_an_upper_bound_and_a_percentage(lens: Lens) -> None:
    text = (
        "ISIS keeps up to three thousand foreign fighters. The territory is 100 percent liberated."
    )
    result = _analyze(lens, text)
    by_name = {o.indicator: o for o in result.indicators}
    assert (by_name["foreign_fighters"].low, by_name["foreign_fighters"].high) == (None, 3000)
    assert by_name["territorial_control"].unit == "percent"


def test_a_call_to_action_needs_no_number(lens: Lens) -> None:
    text = "In a new audio message, the ISIS leader urged followers to attack their enemies."
    names = {o.indicator for o in _analyze(lens, text).indicators}
    assert "leader_call_to_action" in names
    assert "online_propaganda" in names


def test_detainees_in_camps(lens: Lens) -> None:
    text = "The SDF holds an estimated 10,000 ISIS fighters in detention facilities and al-Hol."
    (observation,) = [o for o in _analyze(lens, text).indicators if o.indicator == "detainees"]
    assert observation.low == 10000


def test_a_term_without_a_number_is_no_observation(lens: Lens) -> None:
    text = "ISIS fighters moved south."
    assert [o for o in _analyze(lens, text).indicators if o.indicator == "fighter_strength"] == []


def test_a_document_that_never_names_the_subject_is_neutral(lens: Lens) -> None:
    text = "The mechanic pleaded guilty. Prosecutors had suggested links to a terrorist group."
    result = _analyze(lens, text)
    assert result.stance == Stance.NEUTRAL
    assert result.relevance < 0.5


def test_the_summary_is_two_verbatim_sentences(lens: Lens) -> None:
    sentences = [
        "The weather in the capital was mild for the season this week.",
        "ISIS claimed more than 150 attacks in Iraq and Syria in the first half of the year.",
        "Officials said the group was attempting to reconstitute in the desert regions.",
        "A football match was postponed because of the heavy rain in the north.",
    ]
    summary = _analyze(lens, " ".join(sentences)).summary
    assert summary == f"{sentences[1]} {sentences[2]}"


def test_empty_text(lens: Lens) -> None:
    result = _analyze(lens, "")
    assert (result.claims, result.indicators, result.summary) == ((), (), "")
    assert result.stance == Stance.NEUTRAL
    assert result.relevance == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "\u202e\u0000ISIS \ud7ff 𝟙𝟜,000 fighters ١٢ defeated “ ” ‘ ’ \"\"\" '''",
        '"' * 10_000,
        "We have won against ISIS" + "!" * 5000,
        "\n" * 10_000 + "ISIS defeated.",
        "Quoted (" * 2000 + "): ISIS was defeated",
    ],
)
def test_weird_text_does_not_crash(lens: Lens, text: str) -> None:
    _analyze(lens, text, kind=DocumentKind.STATEMENT)


def test_five_megabytes_stay_fast(lens: Lens) -> None:
    paragraph = (
        'ISIS retains up to 3,000 fighters, the report said. "We have defeated ISIS," said '
        "President Pat Example. Officials warned the group could resurge. The weather was fine.\n\n"
    )
    text = (paragraph * (5_000_000 // len(paragraph) + 1))[:5_000_000]
    started = time.perf_counter()
    result = _analyze(lens, text)
    assert time.perf_counter() - started < 30
    assert result.claims
    assert result.indicators
