"""sources.yaml: the operator's list of sources, validated into SourceSpecs."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.domain.errors import ConfigError
from bot.domain.models import DocumentKind, SourceKind, SourceSpec

MAX_FILE_BYTES = 1024 * 1024
BASE_URL_PLACEHOLDER = "{{BASE_URL}}"


class _SourceEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=1, max_length=4000)
    kind: SourceKind
    tags: list[str] = Field(default_factory=list)
    speaker: str | None = None
    statements: bool = False
    document_kind: DocumentKind | None = None
    poll_minutes: int = Field(default=60, ge=1, le=60 * 24 * 30)
    link_pattern: str | None = None
    enabled: bool = True

    @field_validator("url")
    @classmethod
    def _require_http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value

    def to_spec(self) -> SourceSpec:
        kind = self.document_kind or (
            DocumentKind.STATEMENT if self.statements else DocumentKind.NEWS
        )
        return SourceSpec(
            name=self.name,
            url=self.url,
            kind=self.kind,
            tags=tuple(self.tags),
            speaker=self.speaker,
            statements=self.statements,
            document_kind=kind,
            poll_minutes=self.poll_minutes,
            link_pattern=self.link_pattern,
            enabled=self.enabled,
        )


class _SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[_SourceEntry]


def load_sources_file(path: Path, *, base_url: str | None = None) -> list[SourceSpec]:
    """Read ``path``; ``{{BASE_URL}}`` in URLs becomes ``base_url`` when given.

    Raises ConfigError naming the file (and the entry) for a missing, oversized, malformed
    or invalid file, or for duplicate names.
    """
    text = _read_text(path)
    if base_url is not None:
        text = text.replace(BASE_URL_PLACEHOLDER, base_url)
    try:
        data = yaml.safe_load(text)
        parsed = _SourcesFile.model_validate(data)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({_first_line(exc)})") from exc
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_describe(exc)}") from exc
    specs = [entry.to_spec() for entry in parsed.sources]
    _reject_duplicates(path, specs)
    return specs


def _read_text(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({_first_line(exc)})") from exc


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "file"
    return f"{where}: {error['msg']}"


def _reject_duplicates(path: Path, specs: list[SourceSpec]) -> None:
    names = [spec.name for spec in specs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ConfigError(f"{path}: duplicate source names: {', '.join(duplicates)}")


def _first_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]
