"""Declarations of victory, found by claim cues, with speaker, scope and the quoted words."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.analysis.offline_rules import CueKind, Reading, Rules
from bot.analysis.offline_text import Hit, find_label, find_quoted_spans, line_around
from bot.domain.models import UNATTRIBUTED, ClaimScope, DocumentKind

MAX_CLAIMS = 200
MIN_QUOTE_WORDS = 4  # a quoted piece shorter than this is a scare quote, not speech
MAX_QUOTE_CHARS = 600
HEADLINE_SHARE = 0.6  # a unit with this share of capitalised words is a headline, not speech

_SPEECH_VERBS = (
    r"said|says|declared|declares|announced|announces|stated|states|told|tweeted|wrote|"
    r"added|claimed|claims|insisted|boasted|proclaimed|proclaims|asserted|posted"
)
_NAME = (
    r"(?:[A-Z][\w'’.\-]*|al-[A-Z][\w'’\-]*)"
    r"(?:\s+(?:[A-Z][\w'’.\-]*|al-[A-Z][\w'’\-]*|bin|ibn|de|of))*"
)
_NAME_THEN_VERB = re.compile(rf"(?P<name>{_NAME})\s+(?:{_SPEECH_VERBS})\b")
_VERB_THEN_NAME = re.compile(rf"\b(?:{_SPEECH_VERBS})\s+(?P<name>{_NAME})")
_DASH_NAME = re.compile(rf"[\"”']\s*(?:--|—|–)\s*(?P<name>{_NAME})")
_SPEECH = re.compile(rf"\b(?:{_SPEECH_VERBS}|according to)\b", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\b(?:we|our|us|I|we've|we're)\b", re.IGNORECASE)
_NEGATION = re.compile(r"\b(?:not|never|no|yet\s+to\s+be|far\s+from|n't)\s+(?:\w+\s+){0,2}$")
_LABEL_CUT = re.compile(r"\s+(?:via|as|through|rendering|of\s+the|in|on)\b.*$", re.IGNORECASE)
_MEDIUM = re.compile(
    r"\b(?:statement|tweet|twitter|recording|audio|video|article|report|headline|address|"
    r"speech|interview|remarks|transcript|message|post|press|release|summary)\b",
    re.IGNORECASE,
)
_NOT_NAMES = frozenset({"The", "This", "That", "It", "He", "She", "They", "We", "In", "On", "A"})
_SCOPE_ORDER = (
    ClaimScope.TOTAL,
    ClaimScope.TERRITORIAL,
    ClaimScope.ORGANIZATIONAL,
    ClaimScope.IDEOLOGICAL,
)


@dataclass(frozen=True, slots=True)
class ClaimCandidate:
    """A claim before its quote is checked against the document."""

    speaker: str
    start: int
    end: int
    scope: ClaimScope
    unit: int
    quoted: bool = False


def find_claim_candidates(reading: Reading, rules: Rules) -> list[ClaimCandidate]:
    """Claims in ``reading``: one per quotation or unit, in document order.

    A paraphrase ("X said that ISIS was defeated") is dropped when the document also quotes
    that speaker's own words, except in the speaker's own statements.
    """
    candidates: list[ClaimCandidate] = []
    for index in sorted(reading.claim_cues):
        candidate = _claim_in_unit(reading, rules, index)
        if candidate is not None and not _repeats(candidate, candidates):
            candidates.append(candidate)
        if len(candidates) >= MAX_CLAIMS:
            break
    if reading.document.kind == DocumentKind.STATEMENT:
        return candidates
    return [c for c in candidates if c.quoted or not _speaker_quoted(c, candidates)]


def _repeats(candidate: ClaimCandidate, candidates: list[ClaimCandidate]) -> bool:
    return any(c.start < candidate.end and candidate.start < c.end for c in candidates)


def _speaker_quoted(candidate: ClaimCandidate, candidates: list[ClaimCandidate]) -> bool:
    surname = _surname(candidate.speaker)
    return any(c.quoted and _surname(c.speaker) == surname for c in candidates)


def _surname(speaker: str) -> str:
    words = re.findall(r"[\w'’-]+", speaker)
    return words[-1].casefold() if words else ""


def _claim_in_unit(reading: Reading, rules: Rules, index: int) -> ClaimCandidate | None:
    if not _is_victory_context(reading, index) or _is_headline(reading.unit_text(index)):
        return None
    start, end = reading.units[index]
    content_start, label = find_label(reading.text, start, end)
    line_start, line_end = line_around(reading.text, content_start, end)
    quoted = find_quoted_spans(reading.text, max(line_start, content_start), line_end)
    for cue in reading.claim_cues[index]:
        if _is_negated(reading.text, start, cue):
            continue
        quote = _quote_span(reading.text, quoted, cue)
        span = quote or (content_start, end)
        if quote is None and not _is_declaration(reading, index, cue):
            continue
        speaker = _find_speaker(reading, (start, end), label=label, span=span)
        scope = _find_scope(reading, rules, span)
        return ClaimCandidate(speaker, *span, scope, index, quoted=quote is not None)
    return None


def _is_victory_context(reading: Reading, index: int) -> bool:
    """The unit (or the one before) names the subject; the unit does not call victory premature."""
    cues = reading.stance.get(index, [])
    if any(CueKind.PREMATURE in hit.tags for hit in cues):
        return False
    nearby = (index, index - 1)
    return any(i in reading.subject or i in reading.context for i in nearby)


def _is_headline(unit: str) -> bool:
    words = [word for word in unit.split() if word[:1].isalpha()]
    capitalised = sum(1 for word in words if word[:1].isupper())
    return len(words) >= 4 and capitalised >= HEADLINE_SHARE * len(words)


def _is_negated(text: str, unit_start: int, cue: Hit[bool]) -> bool:
    return bool(_NEGATION.search(text[max(unit_start, cue.start - 30) : cue.start]))


def _quote_span(text: str, quoted: list[tuple[int, int]], cue: Hit[bool]) -> tuple[int, int] | None:
    for start, end in quoted:
        if start <= cue.start and cue.end <= end and _is_speech(text[start:end]):
            return _trim_punctuation(text, start, end)
    return None


def _is_speech(quote: str) -> bool:
    return len(quote.split()) >= MIN_QUOTE_WORDS and len(quote) <= MAX_QUOTE_CHARS


def _trim_punctuation(text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:"):
        end -= 1
    while start < end and text[start].isspace():
        start += 1
    return start, end


def _is_declaration(reading: Reading, index: int, cue: Hit[bool]) -> bool:
    """Someone declares it: a statement, a speech verb before the cue, or a first-person claim."""
    if reading.document.kind == DocumentKind.STATEMENT:
        return True
    unit_start = reading.units[index][0]
    before_cue = reading.text[unit_start : cue.start]
    return bool(_SPEECH.search(before_cue) or _FIRST_PERSON.search(reading.unit_text(index)))


def _find_speaker(
    reading: Reading, unit: tuple[int, int], *, label: str | None, span: tuple[int, int]
) -> str:
    text = reading.text
    named = _name_from_label(label) or _name_near_quote(text, unit, span)
    if named:
        return named
    document = reading.document
    if document.kind != DocumentKind.STATEMENT:
        return UNATTRIBUTED  # a report's or article's author is not who declared victory
    return document.speaker or document.source_name or UNATTRIBUTED


def _name_from_label(label: str | None) -> str | None:
    if not label:
        return None
    first = _LABEL_CUT.sub("", label.split(",")[0])
    cleaned = " ".join(_MEDIUM.sub(" ", first).split())
    return cleaned if cleaned[:1].isupper() else None


def _name_near_quote(text: str, unit: tuple[int, int], span: tuple[int, int]) -> str | None:
    after = text[span[1] : min(unit[1], span[1] + 120)]
    before = text[max(unit[0], span[0] - 160) : span[0]]
    for pattern, piece in ((_DASH_NAME, after), (_VERB_THEN_NAME, after)):
        match = pattern.search(piece)
        if match and _is_name(match.group("name")):
            return match.group("name").strip()
    return _last_name_before_verb(before) or _last_name_before_verb(text[unit[0] : unit[1]])


def _last_name_before_verb(piece: str) -> str | None:
    names = [m.group("name") for m in _NAME_THEN_VERB.finditer(piece) if _is_name(m.group("name"))]
    return names[-1].strip() if names else None


def _is_name(name: str) -> bool:
    words = name.split()
    return bool(words) and len(words) <= 8 and words[0] not in _NOT_NAMES


def _find_scope(reading: Reading, rules: Rules, span: tuple[int, int]) -> ClaimScope:
    counts = dict.fromkeys(_SCOPE_ORDER, 0)
    for hit in rules.scopes.find(reading.text[span[0] : span[1]]):
        for scope in hit.tags:
            counts[scope] += 1
    best = max(counts.values())
    return next(scope for scope in _SCOPE_ORDER if counts[scope] == best)
