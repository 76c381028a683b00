"""Loading a lens file (prompts/lenses/*.yaml) into a validated domain ``Lens``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from bot.domain.errors import ConfigError
from bot.domain.models import ClaimScope, Direction, IndicatorSpec, Lens, ScopeSpec, Stance

MAX_LENS_BYTES = 1_000_000

Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Subject(_Model):
    name: Phrase
    aliases: list[Phrase] = Field(default_factory=list)


class _Scope(_Model):
    cues: list[Phrase] = Field(default_factory=list)


class _Indicator(_Model):
    label: Phrase
    unit: Phrase
    direction: Direction
    definition: str = ""
    terms: list[Phrase] = Field(default_factory=list)
    cues: list[Phrase] = Field(default_factory=list)
    min_count: float | None = Field(default=None, ge=0)


class _Stance(_Model):
    labels: list[Stance] = Field(default_factory=lambda: list(Stance))
    premature_cues: list[Phrase] = Field(default_factory=list)
    victory_cues: list[Phrase] = Field(default_factory=list)


class _LensFile(_Model):
    id: Name
    version: Annotated[int, Field(ge=1)]
    subject: _Subject
    question: Phrase
    context_terms: list[Phrase] = Field(default_factory=list)
    claim_cues: Annotated[list[Phrase], Field(min_length=1)]
    claim_scopes: dict[ClaimScope, _Scope] = Field(default_factory=dict)
    indicators: Annotated[dict[Name, _Indicator], Field(min_length=1)]
    stance: _Stance = Field(default_factory=_Stance)
    digest_sections: list[Name] = Field(default_factory=list)


def load_lens(path: Path) -> Lens:
    """Read and validate the lens file at ``path``.

    Raises ``ConfigError`` with a one-line message naming the file and the field when the file
    is missing, too large, not YAML, or does not have the lens's shape.
    """
    data = _read_yaml(path)
    try:
        parsed = _LensFile.model_validate(data, strict=False)
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc)) from exc
    return _to_lens(parsed)


def _read_yaml(path: Path) -> object:
    try:
        size = path.stat().st_size
        if size > MAX_LENS_BYTES:
            raise ConfigError(f"lens file {path}: {size} bytes, larger than {MAX_LENS_BYTES}")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"lens file {path}: cannot be read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"lens file {path}: not UTF-8 text") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"lens file {path}: not valid YAML ({_first_line(exc)})") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"lens file {path}: expected a mapping at the top level")
    return data


def _first_line(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or type(exc).__name__
    return f"{problem} at line {mark.line + 1}" if mark is not None else str(problem)


def _describe(path: Path, exc: ValidationError) -> str:
    error = exc.errors(include_url=False)[0]
    field = ".".join(str(part) for part in error["loc"]) or "(top level)"
    return f"lens file {path}: field {field}: {error['msg']}"


def _to_lens(parsed: _LensFile) -> Lens:
    return Lens(
        id=parsed.id,
        version=parsed.version,
        subject=parsed.subject.name,
        aliases=tuple(parsed.subject.aliases),
        question=parsed.question,
        claim_cues=tuple(parsed.claim_cues),
        indicators=tuple(_to_indicator(name, spec) for name, spec in parsed.indicators.items()),
        premature_cues=tuple(parsed.stance.premature_cues),
        victory_cues=tuple(parsed.stance.victory_cues),
        scopes=tuple(ScopeSpec(scope, tuple(s.cues)) for scope, s in parsed.claim_scopes.items()),
        context_terms=tuple(parsed.context_terms),
        digest_sections=tuple(parsed.digest_sections),
    )


def _to_indicator(name: str, spec: _Indicator) -> IndicatorSpec:
    return IndicatorSpec(
        name=name,
        label=spec.label,
        unit=spec.unit,
        terms=tuple(spec.terms),
        direction=spec.direction,
        definition=spec.definition,
        cues=tuple(spec.cues),
        min_count=spec.min_count,
    )
