"""An OpenAI-compatible chat and embeddings client over httpx (OpenAI, Azure, vLLM, llama.cpp).

Structured output is tried as ``json_schema``, then ``json_object``, then plain text, as far as
the server accepts; replies are read by a tolerant JSON parser. Connect errors, timeouts, 429
and 5xx are retried with backoff; every chat call is recorded through ``LLMCallLog``. Failures
raise ``LLMError`` naming the endpoint, never the key.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from bot.analysis.json_reply import ReplyNotJSONError, parse_json_object
from bot.analysis.llm_config import NEXT_MODE, ChatReply, LLMConfig, OutputMode
from bot.analysis.llm_retry import (
    TRANSIENT_ERRORS,
    compute_backoff,
    is_retryable_status,
    parse_retry_after,
)
from bot.analysis.llm_wire import (
    ChatRequest,
    Completion,
    build_chat_body,
    describe_error_body,
    mentions_response_format,
    read_completion,
    read_embeddings,
)
from bot.domain.errors import LLMError
from bot.domain.models import LLMCall, PromptRef
from bot.ports import LLMCallLog

MAX_RESPONSE_BYTES = 1_000_000
PARSE_ATTEMPTS = 2  # a reply that is not JSON is asked for once more before giving up
BAD_REQUEST = 400

__all__ = ["ChatReply", "LLMConfig", "OpenAICompatibleClient", "OutputMode"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Exchange:
    """What one chat_json call sent and got back so far, for the call log."""

    started: float
    request: str = ""
    response: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0


class _ResponseFormatRejectedError(Exception):
    """The server answered 400 to the response_format it was sent."""


class OpenAICompatibleClient:
    """Chat completions with JSON replies, and embeddings, against one endpoint and model."""

    def __init__(
        self,
        http: httpx.Client,
        config: LLMConfig,
        *,
        call_log: LLMCallLog | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._http = http
        self._config = config
        self._call_log = call_log
        self._sleep = sleep
        self._clock = clock
        self._now = now
        self._slots = threading.BoundedSemaphore(config.max_concurrency)
        self._mode_lock = threading.Lock()
        self._working_mode: OutputMode | None = None
        self._rng = random.Random()  # jitter, not secrecy
        self._headers = config.build_headers()

    @property
    def model(self) -> str:
        return self._config.model

    @property
    def mode(self) -> OutputMode:
        """The structured-output mode the next call starts with."""
        configured = OutputMode(self._config.structured_output)
        if configured is not OutputMode.AUTO:
            return configured
        with self._mode_lock:
            return self._working_mode or OutputMode.JSON_SCHEMA

    def chat_json(
        self,
        messages: Sequence[dict[str, str]],
        *,
        schema: dict[str, Any],
        schema_name: str,
        prompt: PromptRef,
        max_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> ChatReply:
        """Send ``messages`` and return the JSON object the model answers.

        Retries transient failures; falls back to weaker structured-output modes in ``auto``.
        Records the call (request without the key, reply, usage, latency, error) in the log.
        Raises ``LLMError`` when the endpoint fails or the reply holds no JSON object twice.
        """
        exchange = _Exchange(started=self._clock())
        request = ChatRequest(messages, schema, schema_name, max_tokens, temperature)
        try:
            reply = self._ask_for_json(exchange, request)
        except LLMError as exc:
            self._record(prompt, exchange, error=str(exc))
            raise
        self._record(prompt, exchange, error=None)
        return reply

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One embedding vector per text, in order (``/embeddings``); raises ``LLMError``."""
        if not texts:
            return []
        body = json.dumps({"model": self._config.model, "input": list(texts)})
        exchange = _Exchange(started=self._clock(), request=body)
        try:
            return read_embeddings(self._post("embeddings", exchange), len(texts))
        except ValueError as exc:
            raise LLMError(f"LLM endpoint {self._describe('embeddings')}: {exc}") from exc

    def _ask_for_json(self, exchange: _Exchange, request: ChatRequest) -> ChatReply:
        problem = ""
        for _ in range(PARSE_ATTEMPTS):
            completion, mode = self._complete(exchange, request)
            exchange.tokens_in += completion.tokens_in
            exchange.tokens_out += completion.tokens_out
            try:
                data = parse_json_object(completion.text)
            except ReplyNotJSONError as exc:
                problem = f"{exc}{completion.truncation_note}"
                continue
            latency = self._elapsed_ms(exchange)
            return ChatReply(
                data, completion.text, exchange.tokens_in, exchange.tokens_out, latency, mode
            )
        raise LLMError(
            f"LLM endpoint {self._describe('chat/completions')}: {problem} "
            f"({PARSE_ATTEMPTS} replies)"
        )

    def _complete(self, exchange: _Exchange, request: ChatRequest) -> tuple[Completion, OutputMode]:
        """One completion, stepping down the structured-output modes on a 400 about them."""
        mode = self.mode
        while True:
            body = build_chat_body(self._config.model, request, mode=mode)
            exchange.request = json.dumps(body, ensure_ascii=False)
            try:
                data = self._post("chat/completions", exchange)
            except _ResponseFormatRejectedError as exc:
                mode = self._step_down(mode, exc)
                continue
            try:
                completion = read_completion(data)
            except ValueError as exc:
                where = self._describe("chat/completions")
                raise LLMError(f"LLM endpoint {where}: {exc}") from exc
            self._remember(mode)
            return completion, mode

    def _step_down(self, mode: OutputMode, rejection: _ResponseFormatRejectedError) -> OutputMode:
        next_mode = NEXT_MODE.get(mode)
        if self._config.structured_output != OutputMode.AUTO or next_mode is None:
            where = self._describe("chat/completions")
            raise LLMError(f"LLM endpoint {where}: HTTP 400: {rejection}")
        return next_mode

    def _remember(self, mode: OutputMode) -> None:
        if self._config.structured_output == OutputMode.AUTO:
            with self._mode_lock:
                self._working_mode = mode

    def _post(self, operation: str, exchange: _Exchange) -> dict[str, Any]:
        """POST the exchange's request, retrying transient failures; the decoded JSON body."""
        url = self._config.endpoint_url(operation)
        attempt = 0
        while True:
            wait: float | None = None
            try:
                status, text, headers = self._send(operation, url, exchange.request)
            except TRANSIENT_ERRORS as exc:
                failure = f"{type(exc).__name__} after {self._config.timeout:g}s timeout"
            else:
                exchange.response = text
                if status < 300:
                    return self._decode(operation, text)
                self._raise_unless_retryable(operation, status, text)
                failure = f"HTTP {status}: {describe_error_body(text)}"
                wait = parse_retry_after(headers.get("retry-after"), now=self._now())
            attempt += 1
            if attempt > self._config.max_retries:
                raise LLMError(
                    f"LLM endpoint {self._describe(operation)}: {self._redact(failure)} "
                    f"({attempt} attempts)"
                )
            self._sleep(wait if wait is not None else compute_backoff(attempt - 1, self._rng))

    def _send(self, operation: str, url: str, request: str) -> tuple[int, str, httpx.Headers]:
        with (
            self._slots,
            self._http.stream(
                "POST",
                url,
                content=request.encode("utf-8"),
                headers=self._headers,
                timeout=self._config.timeout,
            ) as response,
        ):
            raw = _read_capped(response)
            if raw is None:
                where = self._describe(operation)
                raise LLMError(f"LLM endpoint {where}: reply over {MAX_RESPONSE_BYTES} bytes")
            return response.status_code, raw.decode("utf-8", errors="replace"), response.headers

    def _raise_unless_retryable(self, operation: str, status: int, text: str) -> None:
        if is_retryable_status(status):
            return
        detail = self._redact(describe_error_body(text))
        if status == BAD_REQUEST and mentions_response_format(text):
            raise _ResponseFormatRejectedError(detail)
        raise LLMError(f"LLM endpoint {self._describe(operation)}: HTTP {status}: {detail}")

    def _decode(self, operation: str, text: str) -> dict[str, Any]:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            where = self._describe(operation)
            raise LLMError(f"LLM endpoint {where}: response body is not JSON") from exc
        if not isinstance(data, dict):
            raise LLMError(f"LLM endpoint {self._describe(operation)}: response is not an object")
        return data

    def _record(self, prompt: PromptRef, exchange: _Exchange, *, error: str | None) -> None:
        if self._call_log is None:
            return
        self._call_log.record_llm_call(
            LLMCall(
                prompt=prompt,
                model=self._config.model,
                request=self._redact(exchange.request),
                created_at=self._now(),
                response=None if exchange.response is None else self._redact(exchange.response),
                tokens_in=exchange.tokens_in,
                tokens_out=exchange.tokens_out,
                latency_ms=self._elapsed_ms(exchange),
                error=error,
            )
        )

    def _elapsed_ms(self, exchange: _Exchange) -> int:
        return max(0, round((self._clock() - exchange.started) * 1000))

    def _describe(self, operation: str) -> str:
        """The endpoint for messages: the URL without its query, never a key."""
        return self._redact(f"{self._config.base_url.rstrip('/')}/{operation.lstrip('/')}")

    def _redact(self, text: str) -> str:
        key = self._config.api_key
        return text.replace(key, "[key]") if key else text


def _read_capped(response: httpx.Response) -> bytes | None:
    """The body, or None once it grows past ``MAX_RESPONSE_BYTES``."""
    received = bytearray()
    for piece in response.iter_bytes():
        received.extend(piece)
        if len(received) > MAX_RESPONSE_BYTES:
            return None
    return bytes(received)
