"""The client's settings and reply types: LLMConfig, OutputMode, ChatReply."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.domain.errors import ConfigError


class OutputMode(StrEnum):
    """How the client asks for JSON (``LLMConfig.structured_output``)."""

    AUTO = "auto"
    JSON_SCHEMA = "json_schema"
    JSON_OBJECT = "json_object"
    NONE = "none"


# auto: what to try when the server refuses a mode with a 400 about response_format.
NEXT_MODE = {
    OutputMode.JSON_SCHEMA: OutputMode.JSON_OBJECT,
    OutputMode.JSON_OBJECT: OutputMode.NONE,
}


@dataclass(frozen=True)
class LLMConfig:
    """Where the endpoint is and how to talk to it.

    ``base_url`` ends in ``/v1`` (OpenAI, vLLM, llama.cpp, Ollama), or, with ``api_version``
    set, is an Azure deployment URL ``https://RESOURCE.openai.azure.com/openai/deployments/NAME``
    (the key then goes in an ``api-key`` header instead of ``Authorization: Bearer``).
    """

    base_url: str
    model: str
    api_key: str | None = None
    api_version: str | None = None
    timeout: float = 60.0
    max_retries: int = 3
    max_concurrency: int = 4
    structured_output: str = OutputMode.AUTO

    def __post_init__(self) -> None:
        if self.structured_output not in set(OutputMode):
            modes = ", ".join(OutputMode)
            raise ConfigError(f"LLM structured_output {self.structured_output!r}: use {modes}")
        if self.max_concurrency < 1 or self.max_retries < 0 or self.timeout <= 0:
            raise ConfigError("LLM limits: concurrency >= 1, retries >= 0, timeout > 0")

    def endpoint_url(self, operation: str) -> str:
        """``{base_url}/{operation}``, with ``?api-version=`` on Azure."""
        url = f"{self.base_url.rstrip('/')}/{operation}"
        return f"{url}?api-version={self.api_version}" if self.api_version else url

    def build_headers(self) -> dict[str, str]:
        """Content type and the key, in Azure's header or as a bearer token."""
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key and self.api_version:
            headers["api-key"] = self.api_key
        elif self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers


@dataclass(frozen=True)
class ChatReply:
    """A parsed JSON reply with its usage; ``mode`` is the structured-output mode that worked."""

    data: dict[str, Any]
    text: str
    tokens_in: int
    tokens_out: int
    latency_ms: int
    mode: str
