"""Matching rules: when an extracted claim or observation counts as a gold one.

docs/evaluation.md states these rules in prose; the two must change together.
"""

from __future__ import annotations

import re

from bot.domain.models import UNATTRIBUTED, Claim, DocumentKind, IndicatorObservation
from bot.evaluation.corpus import CorpusDocument, GoldClaim, GoldIndicator, QuoteOrigin

CLAIM_OVERLAP = 0.6  # share of the gold quote's words the extracted quote must hold
INDICATOR_OVERLAP = 0.5
# Gold indicator names that mean a lens indicator under another name. Every other gold name is
# compared as it is; one the lens does not track can't be found (it counts as a miss).
GOLD_INDICATOR_NAMES = {
    "attacks": "attack_tempo",
    "attacks_per_month": "attack_tempo",
    "mass_casualty_attack": "attack_tempo",
    "external_plot": "external_plots",
    "finances": "financing",
    "al_hol_camp": "detainees",
    "prison_attack": "detainees",
    "leadership_losses": "leadership",
    "leadership_survival": "leadership",
    "leadership_succession": "leadership",
}
_TOKEN = re.compile(r"[a-z0-9]+")
_PARENTHETICAL = re.compile(r"\([^)]*\)")


def tokenize(text: str) -> set[str]:
    """Lower-cased runs of letters and digits."""
    return set(_TOKEN.findall(text.lower()))


def covers(emitted: str, gold: str, share: float) -> bool:
    """``emitted`` holds at least ``share`` of the distinct words of ``gold``."""
    wanted = tokenize(gold)
    return bool(wanted) and len(wanted & tokenize(emitted)) >= share * len(wanted)


def surname(speaker: str) -> str:
    """The last word of a speaker's name, parenthetical remarks left out."""
    words = _TOKEN.findall(_PARENTHETICAL.sub(" ", speaker).lower())
    return words[-1] if words else ""


def names_agree(first: str, second: str) -> bool:
    """Either name's surname is a word of the other ('Abadi' ~ 'PM Haider al-Abadi')."""
    return any(
        bool(surname(one)) and surname(one) in tokenize(_PARENTHETICAL.sub(" ", other))
        for one, other in ((first, second), (second, first))
    )


def speakers_agree(claim: Claim, gold: GoldClaim, document: CorpusDocument) -> bool:
    """The claim's speaker is the gold speaker; or, in a statement, the statement's issuer (an
    office speaking for its principal); or the claim is unattributed and the gold quote is the
    publisher's own words (``source_text``), whose speaker is the cited document itself."""
    if claim.speaker == UNATTRIBUTED:
        return gold.quote_origin is QuoteOrigin.SOURCE_TEXT
    if names_agree(claim.speaker, gold.speaker):
        return True
    issuer = document.speaker or ""
    return document.kind is DocumentKind.STATEMENT and names_agree(claim.speaker, issuer)


def claim_matches(claim: Claim, gold: GoldClaim, document: CorpusDocument) -> bool:
    """Speakers agree and the claim's quote holds ≥ 60% of the gold quote's words."""
    return speakers_agree(claim, gold, document) and covers(claim.quote, gold.quote, CLAIM_OVERLAP)


def lens_name(gold_name: str) -> str:
    """The lens indicator a gold indicator name stands for."""
    return GOLD_INDICATOR_NAMES.get(gold_name, gold_name)


def indicator_matches(observation: IndicatorObservation, gold: GoldIndicator) -> bool:
    """Same (mapped) indicator and the quote holds ≥ 50% of the gold quote's words."""
    return observation.indicator == lens_name(gold.name) and covers(
        observation.quote, gold.quote, INDICATOR_OVERLAP
    )
