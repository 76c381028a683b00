"""SQLModel tables: the schema that ``migrations/versions`` creates, column for column."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Final

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.columns import UtcDateTime

# Named constraints keep batch migrations on SQLite and autogenerate comparisons stable.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CASCADE: Final = "CASCADE"
SET_NULL: Final = "SET NULL"
ANALYSIS_UNIQUE: Final = "uq_analysis_document_hash_lens_prompt_model"  # the default is > 63


class DocumentStatus(StrEnum):
    """Where a stored document stands."""

    STORED = "stored"


def utc_now() -> datetime:
    """The current time, aware UTC (column default)."""
    return datetime.now(UTC)


def _when(*, nullable: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_type=UtcDateTime, nullable=True)
    return Field(default_factory=utc_now, sa_type=UtcDateTime, nullable=False)


class SourceRow(SQLModel, table=True):
    """A source to poll, with its conditional-GET validators and health."""

    __tablename__ = "source"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    kind: str
    url: str
    tags: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    speaker: str | None = None
    statements: bool = False
    document_kind: str
    poll_minutes: int = 60
    link_pattern: str | None = None
    enabled: bool = True
    respect_robots: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    etag: str | None = None
    last_modified: str | None = None
    last_polled_at: datetime | None = _when(nullable=True)
    last_ok_at: datetime | None = _when(nullable=True)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    failure_count: int = 0
    created_at: datetime = _when()


class DocumentRow(SQLModel, table=True):
    """A collected document; unique by canonical URL and by content hash."""

    __tablename__ = "document"

    id: int | None = Field(default=None, primary_key=True)
    source_id: int | None = Field(
        default=None, foreign_key="source.id", ondelete=SET_NULL, index=True
    )
    url: str
    canonical_url: str = Field(unique=True)
    title: str
    speaker: str | None = None
    published_at: datetime | None = _when(nullable=True)
    fetched_at: datetime = Field(sa_type=UtcDateTime, index=True)
    kind: str
    content_hash: str = Field(unique=True)
    text: str = Field(sa_type=sa.Text)
    status: str = DocumentStatus.STORED.value
    language: str | None = None
    version: int = Field(default=1, sa_column_kwargs={"server_default": sa.text("1")})
    updated_at: datetime | None = _when(nullable=True)  # when the text last changed
    page_starts: list[int] = Field(
        default_factory=list, sa_type=sa.JSON, sa_column_kwargs={"server_default": "[]"}
    )


class DocumentVersionRow(SQLModel, table=True):
    """An earlier text of a document, kept when the publisher changed it."""

    __tablename__ = "document_version"
    __table_args__ = (sa.UniqueConstraint("document_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", ondelete=CASCADE)
    version: int
    title: str
    text: str = Field(sa_type=sa.Text)
    content_hash: str
    published_at: datetime | None = _when(nullable=True)
    fetched_at: datetime = Field(sa_type=UtcDateTime)


class DocumentSourceRow(SQLModel, table=True):
    """A source (and URL) a document was seen at: a syndicated story has one row per site."""

    __tablename__ = "document_source"
    __table_args__ = (sa.UniqueConstraint("document_id", "url"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", ondelete=CASCADE)
    source_id: int | None = Field(
        default=None, foreign_key="source.id", ondelete=SET_NULL, index=True
    )
    url: str
    first_seen_at: datetime = Field(sa_type=UtcDateTime)


class DocumentBandRow(SQLModel, table=True):
    """One LSH band key of a document's text: documents sharing a key are near-duplicates."""

    __tablename__ = "document_band"

    band_key: int = Field(sa_type=sa.BigInteger, primary_key=True)
    document_id: int = Field(
        foreign_key="document.id", ondelete=CASCADE, primary_key=True, index=True
    )


class ChunkRow(SQLModel, table=True):
    """A piece of a document's text; indexed for full-text search by the migrations."""

    __tablename__ = "chunk"
    __table_args__ = (sa.UniqueConstraint("document_id", "ordinal"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", ondelete=CASCADE)
    ordinal: int
    text: str = Field(sa_type=sa.Text)
    start: int
    end: int


class AnalysisRow(SQLModel, table=True):
    """One reading of one text of a document under a lens, by one model and prompt version."""

    __tablename__ = "analysis"
    __table_args__ = (
        sa.UniqueConstraint(
            "document_id",
            "content_hash",
            "lens_id",
            "prompt_version",
            "model",
            name=ANALYSIS_UNIQUE,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", ondelete=CASCADE)
    content_hash: str  # which text of the document was analyzed (it may be revised later)
    lens_id: str = Field(index=True)
    prompt_version: str
    model: str
    stance: str
    stance_reason: str = Field(sa_type=sa.Text)
    relevance: float
    summary: str = Field(sa_type=sa.Text)
    degraded: bool = False
    quotes_dropped: int = 0
    tokens_in: int | None = None
    tokens_out: int | None = None
    latency_ms: int | None = None
    created_at: datetime = _when()


class ClaimRow(SQLModel, table=True):
    """A declaration of victory found by an analysis."""

    __tablename__ = "claim"

    id: int | None = Field(default=None, primary_key=True)
    analysis_id: int = Field(foreign_key="analysis.id", ondelete=CASCADE, index=True)
    document_id: int = Field(foreign_key="document.id", ondelete=CASCADE, index=True)
    speaker: str
    said_at: date | None = None
    quote: str = Field(sa_type=sa.Text)
    start: int
    end: int
    scope: str


class IndicatorObsRow(SQLModel, table=True):
    """A dated indicator value found by an analysis."""

    __tablename__ = "indicator_obs"

    id: int | None = Field(default=None, primary_key=True)
    analysis_id: int = Field(foreign_key="analysis.id", ondelete=CASCADE, index=True)
    document_id: int = Field(foreign_key="document.id", ondelete=CASCADE, index=True)
    indicator: str = Field(index=True)
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    as_of: date | None = None
    quote: str = Field(sa_type=sa.Text)
    start: int
    end: int


class LlmCallRow(SQLModel, table=True):
    """One call to the LLM endpoint, with the prompt it used and what it cost."""

    __tablename__ = "llm_call"

    id: int | None = Field(default=None, primary_key=True)
    prompt_id: str
    prompt_version: str
    prompt_sha256: str
    model: str
    request: str = Field(sa_type=sa.Text)
    response: str | None = Field(default=None, sa_type=sa.Text)
    tokens_in: int | None = None
    tokens_out: int | None = None
    latency_ms: int | None = None
    error: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = _when()


class SubscriptionRow(SQLModel, table=True):
    """A channel that gets a digest at a local time on given days."""

    __tablename__ = "subscription"

    id: int | None = Field(default=None, primary_key=True)
    platform: str
    workspace: str | None = None
    channel: str
    at_time: str  # "HH:MM" in ``timezone``
    timezone: str
    days: str = "*"  # an APScheduler cron day_of_week expression
    lens_id: str
    tags: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    webhook_url: str | None = None  # a Teams Workflows URL: a secret, never logged
    enabled: bool = True
    created_by: str | None = None  # the platform user who subscribed
    created_at: datetime = _when()


class DigestRunRow(SQLModel, table=True):
    """A digest claimed (then posted) for one subscription, local date and edition."""

    __tablename__ = "digest_run"
    __table_args__ = (
        sa.UniqueConstraint("subscription_id", "local_date", "edition"),
        sa.Index("ix_digest_run_message_ts", "message_ts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="subscription.id", ondelete=CASCADE)
    local_date: date
    edition: int = Field(default=1, sa_column_kwargs={"server_default": sa.text("1")})
    status: str
    message_ts: str | None = None
    permalink: str | None = None
    cited_document_ids: list[int] = Field(default_factory=list, sa_type=sa.JSON)
    created_at: datetime = _when()  # the first claim
    claimed_at: datetime = _when()  # the latest claim (a failed run is claimed again)
    attempts: int = Field(default=1, sa_column_kwargs={"server_default": sa.text("1")})
    error: str | None = Field(default=None, sa_type=sa.Text)
    period_start: datetime | None = _when(nullable=True)
    period_end: datetime | None = _when(nullable=True)
    posted_at: datetime | None = _when(nullable=True)


class ConversationTurnRow(SQLModel, table=True):
    """One question and answer in a chat thread."""

    __tablename__ = "conversation_turn"
    __table_args__ = (sa.Index("ix_conversation_turn_thread", "platform", "channel", "thread"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str
    channel: str
    thread: str | None = None
    user_id: str | None = None
    question: str = Field(sa_type=sa.Text)
    answer: str = Field(sa_type=sa.Text)
    citations: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    answered: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    reply_id: str | None = None  # the platform's id of Briefbot's reply
    feedback: str | None = None
    feedback_by: str | None = None
    created_at: datetime = _when()


class ProcessedEventRow(SQLModel, table=True):
    """A chat platform event already handled (Slack redelivers events)."""

    __tablename__ = "processed_event"
    __table_args__ = (
        sa.UniqueConstraint("platform", "event_id"),
        sa.Index("ix_processed_event_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str
    event_id: str
    created_at: datetime = _when()
