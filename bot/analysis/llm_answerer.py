"""The LLM answerer: a question answered from numbered passages through the answer prompt.

The passages are numbered [1..n] in the prompt; the reply's citations name a passage by its
number and quote it. Citations are mapped to their passages' documents and renumbered per
document in order of first use (as the extractive answerer numbers them), and the answer's
``[n]`` markers are rewritten to match. Quotes are not checked here: the ask service re-finds
every quote in its document and drops those it cannot find. When the endpoint fails or the
reply is unusable, ``fallback`` answers instead (or the answer is "not answered").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from bot.analysis.llm import OpenAICompatibleClient
from bot.analysis.prompts import Prompt
from bot.domain.conversation import PriorTurn
from bot.domain.errors import ConfigError, LLMError
from bot.domain.models import Answer, Citation, Document, Passage, distinct_citations
from bot.ports import Answerer

log = logging.getLogger(__name__)

PROMPT_VARIABLES = frozenset({"question", "history", "passages"})
SCHEMA_NAME = "answer"
REPLY_TOKENS = 1000  # the prompt asks for under 120 words, plus the quotes
MAX_ANSWER_CHARS = 4000  # a longer "answer" is not the short answer asked for: off the schema
MAX_QUOTE_CHARS = 2000
MAX_CITATIONS = 30  # a reply listing more is read only this far
UNKNOWN = "unknown"
NO_HISTORY = "(none: this is the first question in the thread)"
ELLIPSIS = " …"
# A run of passage markers after a sentence, with the space before it: "[2]", "[1, 3]", "[1][2]".
_ONE_MARKER = r"\[\s*\d{1,4}(?:\s*[,;]\s*\d{1,4})*\s*\]"
_MARKERS = re.compile(rf"(?P<space>[ \t]*)(?P<run>{_ONE_MARKER}(?:[ \t]*{_ONE_MARKER})*)")
_NUMBER = re.compile(r"\d+")


def _refuse_booleans(value: object) -> object:
    """JSON ``true`` is not passage 1."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a passage number")
    return value


PassageNumber = Annotated[int, BeforeValidator(_refuse_booleans)]
Quote = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUOTE_CHARS)
]


class CitationItem(BaseModel):
    """One citation as the model reported it: a passage number and words from that passage."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    n: PassageNumber
    quote: Quote


class AnswerReply(BaseModel):
    """The reply's top level; citations stay raw so that one bad item drops only itself."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    answer: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=MAX_ANSWER_CHARS)
    ] = ""
    citations: list[Any] = Field(default_factory=list)
    answered: bool


@dataclass(frozen=True, slots=True)
class _Cited:
    """A usable citation: the passage it names (1-based, as in the prompt) and its quote."""

    passage: int
    quote: str


class LLMAnswerer:
    """Implements the Answerer port with the answer prompt over an OpenAI-compatible API.

    Each passage is shown as ``[n] title — publisher (kind), date`` and its text, cut to about
    ``passage_chars`` characters; the last ``history_turns`` turns of the thread are shown
    before them, each question and answer cut to ``turn_chars``, as context for a follow-up
    and not as evidence. Every call is recorded in the client's call log.
    """

    def __init__(
        self,
        client: OpenAICompatibleClient,
        prompt: Prompt,
        *,
        fallback: Answerer | None = None,
        passage_chars: int = 1500,
        history_turns: int = 3,
        turn_chars: int = 500,
    ) -> None:
        if prompt.output_schema is None:
            raise ConfigError(f"prompt {prompt.ref.label}: the answerer needs an output_schema")
        if set(prompt.variables) != PROMPT_VARIABLES:
            names = ", ".join(sorted(PROMPT_VARIABLES))
            raise ConfigError(f"prompt {prompt.ref.label}: the answerer needs variables {names}")
        self._client = client
        self._prompt = prompt
        self._schema = prompt.output_schema
        self._fallback = fallback
        self._passage_chars = max(1, passage_chars)
        self._history_turns = max(0, history_turns)
        self._turn_chars = max(1, turn_chars)

    @property
    def model(self) -> str:
        return self._client.model

    @property
    def prompt_version(self) -> str:
        """'answer@v2#<first 12 of the file's sha256>'."""
        return f"{self._prompt.ref.label}#{self._prompt.ref.sha256[:12]}"

    def answer(
        self, question: str, passages: Sequence[Passage], history: Sequence[PriorTurn] = ()
    ) -> Answer:
        """Answer ``question`` from ``passages`` with ``history`` as context for reading it.

        Never raises for an endpoint failure or an unusable reply: ``fallback`` is asked the
        same instead (one warning names the failure), or without one the answer is "not
        answered". No passages: "not answered", without a call.
        """
        if not passages:
            return _not_answered(question)
        try:
            reply = self._ask(question, passages, history)
        except (LLMError, httpx.HTTPError) as exc:
            return self._fall_back(question, passages, history, reason=str(exc))
        return build_answer(question, reply, passages)

    def _ask(
        self, question: str, passages: Sequence[Passage], history: Sequence[PriorTurn]
    ) -> AnswerReply:
        messages = self._prompt.render(
            question=question,
            history=format_history(history, turns=self._history_turns, chars=self._turn_chars),
            passages=format_passages(passages, chars=self._passage_chars),
        )
        reply = self._client.chat_json(
            messages,
            schema=self._schema,
            schema_name=SCHEMA_NAME,
            prompt=self._prompt.ref,
            max_tokens=REPLY_TOKENS,
        )
        return read_reply(reply.data)

    def _fall_back(
        self,
        question: str,
        passages: Sequence[Passage],
        history: Sequence[PriorTurn],
        *,
        reason: str,
    ) -> Answer:
        if self._fallback is None:
            log.warning("%s failed, not answered (no fallback): %s", self._prompt.ref.label, reason)
            return _not_answered(question)
        log.warning("%s failed, the fallback answers: %s", self._prompt.ref.label, reason)
        return self._fallback.answer(question, passages, history)


def read_reply(data: dict[str, Any]) -> AnswerReply:
    """The reply's top level; ``LLMError`` naming the field when it is off the schema."""
    try:
        return AnswerReply.model_validate(data)
    except ValidationError as exc:
        field = ".".join(str(p) for p in exc.errors(include_url=False)[0]["loc"])
        raise LLMError(f"answer reply does not match the schema (field {field})") from exc


def build_answer(question: str, reply: AnswerReply, passages: Sequence[Passage]) -> Answer:
    """The Answer the reply gives, citations mapped to documents and renumbered.

    Citations naming no passage, or with an empty or over-long quote, are dropped; the
    answer is "not answered" when the model says so, or when no citation or no text is left.
    """
    cited = _usable_citations(reply.citations, len(passages))
    if not reply.answered or not reply.answer or not cited:
        return _not_answered(question)
    numbers = _number_documents(reply.answer, cited, passages)
    citations = [_to_citation(c, passages, numbers) for c in cited]
    ordered = sorted(distinct_citations(citations), key=lambda citation: citation.number)
    text = renumber_markers(reply.answer, passages, numbers)
    return Answer(question=question, text=text, citations=tuple(ordered))


def _usable_citations(raw_items: Sequence[Any], passage_count: int) -> list[_Cited]:
    usable = []
    for raw in raw_items[:MAX_CITATIONS]:
        try:
            item = CitationItem.model_validate(raw)
        except ValidationError:
            continue
        if 1 <= item.n <= passage_count:
            usable.append(_Cited(item.n, item.quote))
    return usable


def _to_citation(cited: _Cited, passages: Sequence[Passage], numbers: dict[int, int]) -> Citation:
    document = _document(passages, cited.passage)
    return Citation.for_document(numbers[document.id], document, cited.quote)


def _document(passages: Sequence[Passage], number: int) -> Document:
    return passages[number - 1].document


def _number_documents(
    text: str, cited: Sequence[_Cited], passages: Sequence[Passage]
) -> dict[int, int]:
    """Answer numbers by document id: first the documents the text's markers use, in order,
    then any other cited document, in citation order. Two passages of one document share it."""
    cited_documents = {_document(passages, c.passage).id for c in cited}
    in_text = [_document(passages, n).id for n in marker_numbers(text) if 1 <= n <= len(passages)]
    in_citations = [_document(passages, c.passage).id for c in cited]
    numbers: dict[int, int] = {}
    for document_id in [*in_text, *in_citations]:
        if document_id in cited_documents:
            numbers.setdefault(document_id, len(numbers) + 1)
    return numbers


def marker_numbers(text: str) -> list[int]:
    """The passage numbers of the ``[n]`` markers in ``text``, in order."""
    return [
        int(number) for run in _MARKERS.finditer(text) for number in _NUMBER.findall(run["run"])
    ]


def renumber_markers(text: str, passages: Sequence[Passage], numbers: dict[int, int]) -> str:
    """``text`` with each passage marker rewritten to its document's answer number; markers
    naming no passage, or a document with no kept citation, are removed."""

    def rewrite(markers: re.Match[str]) -> str:
        kept: list[int] = []
        for part in _NUMBER.findall(markers["run"]):
            passage = int(part)
            if 1 <= passage <= len(passages):
                number = numbers.get(_document(passages, passage).id)
                if number is not None and number not in kept:
                    kept.append(number)
        return markers["space"] + "".join(f"[{number}]" for number in kept) if kept else ""

    return _MARKERS.sub(rewrite, text).strip()


def format_passages(passages: Sequence[Passage], *, chars: int) -> str:
    """The passages numbered [1..n], each under a header naming its source and date."""
    return "\n\n".join(
        f"{_passage_header(number, passage.document)}\n{_cut(passage.chunk.text.strip(), chars)}"
        for number, passage in enumerate(passages, start=1)
    )


def _passage_header(number: int, document: Document) -> str:
    publisher = document.speaker or document.source_name or UNKNOWN
    published = document.published_at.date().isoformat() if document.published_at else UNKNOWN
    title = " ".join(document.title.split()) or UNKNOWN
    return f"[{number}] {title} — {publisher} ({document.kind}), {published}"


def format_history(history: Sequence[PriorTurn], *, turns: int, chars: int) -> str:
    """The last ``turns`` turns, oldest first, each question and answer on one line and cut
    to ``chars``; the earlier answers' [n] markers are removed (they numbered other passages).
    """
    recent = list(history)[-turns:] if turns else []
    lines = [
        f"Earlier question: {_cut(_one_line(turn.question), chars)}\n"
        f"Earlier answer: {_cut(_one_line(_MARKERS.sub('', turn.answer)), chars) or '(none)'}"
        for turn in recent
    ]
    return "\n\n".join(lines) or NO_HISTORY


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _cut(text: str, chars: int) -> str:
    """``text`` cut to about ``chars`` characters at a word boundary, marked with an ellipsis."""
    if len(text) <= chars:
        return text
    cut = text[:chars]
    space = cut.rfind(" ")
    if space > chars // 2:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def _not_answered(question: str) -> Answer:
    return Answer(question=question, text="", answered=False)
