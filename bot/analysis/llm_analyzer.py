"""The LLM analyzer: a document read part by part through the extract prompt, within a budget."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bot.analysis.llm import ChatReply, OpenAICompatibleClient
from bot.analysis.llm_merge import merge_findings
from bot.analysis.llm_schema import ChunkFinding, read_finding
from bot.analysis.prompts import Prompt
from bot.domain.errors import ConfigError, LLMError
from bot.domain.models import AnalysisResult, ChunkSpan, ClaimScope, Document, Lens, Stance
from bot.domain.text import chunk_text
from bot.ports import Analyzer

CHARS_PER_TOKEN = 4  # the usual estimate for English text
REPLY_TOKENS = 2000  # max_tokens for one part's reply, and what the budget reserves for it
SCHEMA_NAME = "extraction"
UNKNOWN = "unknown"


@dataclass(slots=True)
class _Spend:
    """Tokens and time one document's reading has used so far."""

    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: int = 0
    charged: int = 0  # what counts against the budget: usage, or the estimate without it
    findings: list[ChunkFinding] = field(default_factory=list)

    def add(self, reply: ChatReply, *, estimate: int) -> None:
        reported = reply.tokens_in + reply.tokens_out
        # A server that reports no usage is charged the estimate, so the budget still binds.
        self.charged += reported or estimate
        self.tokens_in += reply.tokens_in
        self.tokens_out += reply.tokens_out
        self.latency_ms += reply.latency_ms


class LLMAnalyzer:
    """Reads a document under a lens with the extract prompt over an OpenAI-compatible API.

    Long documents are read in parts of about ``chunk_tokens`` tokens until
    ``document_token_budget`` is spent; later parts are not read (the stance reason says how
    many were). Every quote is located in the whole document by ``find_quote`` or dropped and
    counted. When the LLM fails, ``fallback`` reads the document instead and the result is
    marked degraded, under this analyzer's model and prompt version.
    """

    def __init__(
        self,
        client: OpenAICompatibleClient,
        prompt: Prompt,
        *,
        fallback: Analyzer,
        chunk_tokens: int = 3000,
        document_token_budget: int = 24000,
    ) -> None:
        if prompt.output_schema is None:
            raise ConfigError(f"prompt {prompt.ref.label}: the extractor needs an output_schema")
        self._client = client
        self._prompt = prompt
        self._schema = prompt.output_schema
        self._fallback = fallback
        self._chunk_chars = max(1, chunk_tokens) * CHARS_PER_TOKEN
        self._budget = document_token_budget

    @property
    def model(self) -> str:
        return self._client.model

    @property
    def prompt_version(self) -> str:
        """'extract@v1#<first 12 of the file's sha256>': an edited file is another version."""
        return f"{self._prompt.ref.label}#{self._prompt.ref.sha256[:12]}"

    def analyze(self, document: Document, lens: Lens) -> AnalysisResult:
        """Claims, observations, stance, relevance and summary; degraded fallback on LLMError."""
        spend = _Spend()
        try:
            return self._read(document, lens, spend)
        except LLMError:
            return replace(
                self._fallback.analyze(document, lens),
                degraded=True,
                model=self.model,
                prompt_version=self.prompt_version,
                tokens_in=spend.tokens_in,
                tokens_out=spend.tokens_out,
                latency_ms=spend.latency_ms,
            )

    def _read(self, document: Document, lens: Lens, spend: _Spend) -> AnalysisResult:
        chunks = chunk_text(document.text, max_chars=self._chunk_chars)
        for chunk in chunks:
            messages = self._prompt.render(**build_variables(document, lens, chunk, len(chunks)))
            estimate = estimate_tokens(messages) + REPLY_TOKENS
            if spend.findings and spend.charged + estimate > self._budget:
                break
            reply = self._client.chat_json(
                messages,
                schema=self._schema,
                schema_name=SCHEMA_NAME,
                prompt=self._prompt.ref,
                max_tokens=REPLY_TOKENS,
            )
            spend.add(reply, estimate=estimate)
            spend.findings.append(read_finding(reply.data, document, lens))
        return self._build_result(spend, read=len(spend.findings), total=len(chunks))

    def _build_result(self, spend: _Spend, *, read: int, total: int) -> AnalysisResult:
        if not spend.findings:
            return AnalysisResult(
                stance=Stance.NEUTRAL,
                stance_reason="The document has no text.",
                relevance=0.0,
                summary="",
                model=self.model,
                prompt_version=self.prompt_version,
            )
        merged = merge_findings(spend.findings)
        reason = merged.stance_reason
        if read < total:
            reason = f"{reason} (Read {read} of {total} parts within the token budget.)".strip()
        return AnalysisResult(
            stance=merged.stance,
            stance_reason=reason,
            relevance=merged.relevance,
            summary=merged.summary,
            claims=merged.claims,
            indicators=merged.indicators,
            quotes_dropped=merged.dropped,
            model=self.model,
            prompt_version=self.prompt_version,
            tokens_in=spend.tokens_in,
            tokens_out=spend.tokens_out,
            latency_ms=spend.latency_ms,
        )


def build_variables(document: Document, lens: Lens, chunk: ChunkSpan, parts: int) -> dict[str, str]:
    """The extract prompt's variables for one part of ``document``."""
    scopes = [spec.scope for spec in lens.scopes] or list(ClaimScope)
    published = document.published_at.date().isoformat() if document.published_at else UNKNOWN
    return {
        "subject": lens.subject,
        "aliases": ", ".join(lens.aliases) or lens.subject,
        "question": lens.question,
        "claim_scopes": ", ".join(scopes),
        "indicators": "\n".join(
            f"     - {spec.name} ({spec.unit}): {spec.definition or spec.label}"
            for spec in lens.indicators
        ),
        "stances": ", ".join(Stance),
        "document_id": str(document.id),
        "title": document.title,
        "publisher": document.speaker or document.source_name or UNKNOWN,
        "kind": document.kind,
        "published": published,
        "part": f"part {chunk.ordinal + 1} of {parts}",
        "text": chunk.text,
    }


def estimate_tokens(messages: list[dict[str, str]]) -> int:
    """A rough token count of chat messages (characters / 4)."""
    return sum(len(message["content"]) for message in messages) // CHARS_PER_TOKEN
