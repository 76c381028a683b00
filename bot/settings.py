"""The one Settings object: every knob an operator can turn, read from the environment.

Names are flat, ``BRIEFBOT_<SECTION>_<NAME>``, except Slack's own three (``SLACK_BOT_TOKEN``,
``SLACK_APP_TOKEN``, ``SLACK_SIGNING_SECRET``). A wrong value fails at start-up with a
``ConfigError`` naming the variable. Nothing else in Briefbot reads ``os.environ``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "sqlite:///data/briefbot.db"
DEFAULT_PROMPTS_DIR = PROJECT_ROOT / "prompts"
DEFAULT_LENS_PATH = DEFAULT_PROMPTS_DIR / "lenses" / "premature_victory.yaml"
DEFAULT_DEMO_DIR = PROJECT_ROOT / "examples" / "demo"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class FetchSettings(BaseModel):
    """How the collector talks to the web."""

    user_agent: str
    contact: str
    connect_timeout: float
    read_timeout: float
    total_timeout: float
    max_bytes: int
    max_redirects: int
    allow_hosts: tuple[str, ...]
    max_per_host: int
    polite_delay: float


class LLMSettings(BaseModel):
    """The OpenAI-compatible endpoint; absent base URL means the offline analyzer."""

    base_url: str | None
    model: str | None
    api_key: SecretStr | None
    api_version: str | None
    timeout: float
    max_retries: int
    concurrency: int
    structured_output: str
    chunk_tokens: int
    document_token_budget: int
    run_token_budget: int | None


class SlackSettings(BaseModel):
    """Slack credentials, API location and who may ask."""

    bot_token: SecretStr | None
    app_token: SecretStr | None
    signing_secret: SecretStr | None
    api_url: str
    allowed_channels: tuple[str, ...]
    allowed_users: tuple[str, ...]
    dms: bool


class TeamsSettings(BaseModel):
    """The Teams bot's registration (Azure Bot / Entra app) and who may ask."""

    app_id: str | None
    app_password: SecretStr | None
    tenant_id: str | None
    allow_anonymous: bool
    allowed_users: tuple[str, ...]


class ServeSettings(BaseModel):
    """The long-running process: collection interval, chat workers, scheduler job store."""

    collect_every_minutes: int
    chat_workers: int
    jobstore_url: str | None


class Settings(BaseSettings):
    """Everything configurable, validated once at start-up."""

    model_config = SettingsConfigDict(
        env_prefix="BRIEFBOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        env_ignore_empty=True,
    )

    database_url: str = Field(default=DEFAULT_DATABASE_URL, min_length=1)
    lens_path: Path = DEFAULT_LENS_PATH
    prompts_dir: Path = DEFAULT_PROMPTS_DIR
    demo_dir: Path = DEFAULT_DEMO_DIR
    chunk_chars: int = Field(default=1200, ge=200, le=20_000)

    fetch_user_agent: str = "Briefbot/0.1"
    fetch_contact: str = ""
    fetch_connect_timeout: float = Field(default=10.0, gt=0, le=120)
    fetch_read_timeout: float = Field(default=30.0, gt=0, le=600)
    fetch_total_timeout: float = Field(default=120.0, gt=0, le=3600)
    fetch_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024, le=1024**3)
    fetch_max_redirects: int = Field(default=5, ge=0, le=20)
    fetch_allow_hosts: str = ""
    fetch_max_per_host: int = Field(default=2, ge=1, le=32)
    fetch_polite_delay: float = Field(default=1.0, ge=0, le=60)
    collect_workers: int = Field(default=4, ge=1, le=32)

    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_api_version: str | None = None  # Azure OpenAI only
    llm_timeout: float = Field(default=60.0, gt=0, le=600)
    llm_max_retries: int = Field(default=3, ge=0, le=10)
    llm_concurrency: int = Field(default=4, ge=1, le=64)
    llm_structured_output: Literal["auto", "json_schema", "json_object", "none"] = "auto"
    llm_chunk_tokens: int = Field(default=3000, ge=200, le=200_000)
    llm_document_token_budget: int = Field(default=24_000, ge=500, le=2_000_000)
    llm_run_token_budget: int | None = Field(default=None, ge=1000)

    slack_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN")
    )
    slack_app_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN")
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET")
    )
    slack_api_url: str = DEFAULT_SLACK_API_URL
    slack_allowed_channels: str = ""  # comma-separated ids; empty: every channel Briefbot is in
    slack_allowed_users: str = ""  # comma-separated ids; empty: everyone
    slack_dms: bool = True

    teams_app_id: str | None = None
    teams_app_password: SecretStr | None = None
    teams_tenant_id: str | None = None
    teams_allow_anonymous: bool = False  # local testing only: no token checks at all
    teams_allowed_users: str = ""  # comma-separated Entra object ids; empty: everyone

    collect_every_minutes: int = Field(default=60, ge=1, le=24 * 60)
    chat_workers: int = Field(default=8, ge=1, le=64)
    scheduler_jobstore: Literal["database", "memory"] = "database"

    @field_validator("slack_api_url", "llm_base_url")
    @classmethod
    def _require_http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def _require_llm_model(self) -> Settings:
        if self.llm_base_url and not self.llm_model:
            raise ValueError("BRIEFBOT_LLM_MODEL must be set when BRIEFBOT_LLM_BASE_URL is")
        return self

    @field_validator("slack_api_url")
    @classmethod
    def _end_with_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    def fetch(self) -> FetchSettings:
        """The collector's slice."""
        hosts = split_list(self.fetch_allow_hosts)
        return FetchSettings(
            user_agent=self.fetch_user_agent,
            contact=self.fetch_contact,
            connect_timeout=self.fetch_connect_timeout,
            read_timeout=self.fetch_read_timeout,
            total_timeout=self.fetch_total_timeout,
            max_bytes=self.fetch_max_bytes,
            max_redirects=self.fetch_max_redirects,
            allow_hosts=hosts,
            max_per_host=self.fetch_max_per_host,
            polite_delay=self.fetch_polite_delay,
        )

    def llm(self) -> LLMSettings:
        """The LLM client's slice."""
        return LLMSettings(
            base_url=self.llm_base_url,
            model=self.llm_model,
            api_key=self.llm_api_key,
            api_version=self.llm_api_version,
            timeout=self.llm_timeout,
            max_retries=self.llm_max_retries,
            concurrency=self.llm_concurrency,
            structured_output=self.llm_structured_output,
            chunk_tokens=self.llm_chunk_tokens,
            document_token_budget=self.llm_document_token_budget,
            run_token_budget=self.llm_run_token_budget,
        )

    def slack(self) -> SlackSettings:
        """The Slack adapter's slice."""
        return SlackSettings(
            bot_token=self.slack_bot_token,
            app_token=self.slack_app_token,
            signing_secret=self.slack_signing_secret,
            api_url=self.slack_api_url,
            allowed_channels=split_list(self.slack_allowed_channels),
            allowed_users=split_list(self.slack_allowed_users),
            dms=self.slack_dms,
        )

    def teams(self) -> TeamsSettings:
        """The Teams bot's slice."""
        return TeamsSettings(
            app_id=self.teams_app_id,
            app_password=self.teams_app_password,
            tenant_id=self.teams_tenant_id,
            allow_anonymous=self.teams_allow_anonymous,
            allowed_users=split_list(self.teams_allowed_users),
        )

    def serve(self) -> ServeSettings:
        """``briefbot serve``'s slice: the job store is the database unless set to memory."""
        memory = self.scheduler_jobstore == "memory"
        return ServeSettings(
            collect_every_minutes=self.collect_every_minutes,
            chat_workers=self.chat_workers,
            jobstore_url=None if memory else self.database_url,
        )


def split_list(text: str) -> tuple[str, ...]:
    """``"a, b,,c"`` → ``("a", "b", "c")``."""
    return tuple(item.strip() for item in text.split(",") if item.strip())


_SLACK_NAMES = {
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_app_token": "SLACK_APP_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
}


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings; a bad value raises ConfigError naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from exc


def describe_validation_error(exc: ValidationError) -> str:
    """One line: the first bad variable and why."""
    error = exc.errors()[0]
    if not error["loc"]:  # a rule across settings: its message names the variables
        return "settings are invalid: " + str(error["msg"]).removeprefix("Value error, ")
    field = str(error["loc"][0])
    if field.isupper():
        return f"setting {field} is invalid: {error['msg']}"
    variable = _SLACK_NAMES.get(field, f"BRIEFBOT_{field.upper()}")
    return f"setting {variable} is invalid: {error['msg']}"
