"""The llm_call log: one row per call to the LLM endpoint."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.domain.models import LLMCall, PromptRef
from storage.columns import as_utc
from storage.tables import LlmCallRow


def insert_llm_call(*, session: Session, call: LLMCall) -> int:
    """Insert ``call`` (prompt id, version label, sha256, usage, latency, error); returns its id."""
    row = LlmCallRow(
        prompt_id=call.prompt.id,
        prompt_version=call.prompt.label,
        prompt_sha256=call.prompt.sha256,
        model=call.model,
        request=call.request,
        response=call.response,
        tokens_in=call.tokens_in,
        tokens_out=call.tokens_out,
        latency_ms=call.latency_ms,
        error=call.error,
        created_at=call.created_at,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def list_llm_calls(*, session: Session) -> list[LLMCall]:
    """Every recorded call, oldest first."""
    rows = session.exec(select(LlmCallRow).order_by(col(LlmCallRow.id))).all()
    return [build_llm_call(row) for row in rows]


def build_llm_call(row: LlmCallRow) -> LLMCall:
    """The domain ``LLMCall`` for ``row`` (the version number is read back from its label)."""
    return LLMCall(
        prompt=PromptRef(
            id=row.prompt_id,
            version=_version_of(row.prompt_version),
            sha256=row.prompt_sha256,
        ),
        model=row.model,
        request=row.request,
        created_at=as_utc(row.created_at),
        response=row.response,
        tokens_in=row.tokens_in,
        tokens_out=row.tokens_out,
        latency_ms=row.latency_ms,
        error=row.error,
    )


def _version_of(label: str) -> int:
    """1 from 'extract@v1'; 0 when the label has no version number."""
    _, _, version = label.rpartition("@v")
    return int(version) if version.isdigit() else 0
