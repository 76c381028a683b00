"""The OpenAI-compatible client against a real llama-server: JSON schema, usage, retries, log."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.analysis.llm import LLMConfig, OpenAICompatibleClient
from bot.analysis.llm_config import OutputMode
from bot.domain.models import PromptRef
from storage.repository import SqlStore
from tests.llm_server.support import (
    ANSWER_503,
    DROP,
    FlakyProxy,
    LlamaServer,
    RecordingSleep,
    schema_violations,
)

pytestmark = pytest.mark.llm_server

API_KEY = "sk-llm-server-test-0123456789abcdef"  # llama-server ignores it; the log must too
FIXED_NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TIMEOUT_SECONDS = 300.0  # generous: CI machines are slow, and a timeout is not what is tested
MAX_TOKENS = 96
CITY_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["city", "country", "population", "coastal", "landmarks"],
    "properties": {
        "city": {"type": "string", "maxLength": 40},
        "country": {"type": "string", "maxLength": 40},
        "population": {"type": "integer", "minimum": 0, "maximum": 99999999},
        "coastal": {"type": "boolean"},
        "landmarks": {"type": "array", "maxItems": 2, "items": {"type": "string", "maxLength": 30}},
    },
}
PROBE = PromptRef(
    id="probe",
    version=1,
    sha256=hashlib.sha256(json.dumps(CITY_SCHEMA, sort_keys=True).encode()).hexdigest(),
)
MESSAGES = [
    {"role": "system", "content": "You answer with one JSON object describing a city."},
    {"role": "user", "content": "Describe Lisbon."},
]


def build_client(
    http: httpx.Client,
    base_url: str,
    model: str,
    *,
    store: SqlStore,
    sleep: RecordingSleep | None = None,
    max_retries: int = 0,
) -> OpenAICompatibleClient:
    config = LLMConfig(
        base_url,
        model,
        api_key=API_KEY,
        timeout=TIMEOUT_SECONDS,
        max_retries=max_retries,
        structured_output=OutputMode.JSON_SCHEMA,  # no silent step-down: the schema path or fail
    )
    return OpenAICompatibleClient(
        http, config, call_log=store, sleep=sleep or RecordingSleep(), now=lambda: FIXED_NOW
    )


def test_json_schema_reply_conforms_and_is_logged_without_the_key(
    llama_server: LlamaServer,
    http: httpx.Client,
    store: SqlStore,
    engine: Engine,
    summary_lines: list[str],
) -> None:
    client = build_client(http, llama_server.base_url, llama_server.model, store=store)

    reply = client.chat_json(
        MESSAGES, schema=CITY_SCHEMA, schema_name="city", prompt=PROBE, max_tokens=MAX_TOKENS
    )

    assert reply.mode == OutputMode.JSON_SCHEMA
    assert schema_violations(reply.data, CITY_SCHEMA) == [], reply.text
    assert reply.tokens_in > 0
    assert reply.tokens_out > 0
    assert reply.latency_ms > 0
    [call] = store.list_llm_calls()
    assert call.prompt == PROBE
    assert call.model == llama_server.model
    assert call.error is None
    assert (call.tokens_in, call.tokens_out) == (reply.tokens_in, reply.tokens_out)
    assert call.latency_ms is not None
    assert call.latency_ms >= reply.latency_ms
    sent = json.loads(call.request)
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["schema"] == CITY_SCHEMA
    assert call.response is not None
    assert json.loads(call.response)["choices"][0]["message"]["content"] == reply.text
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM llm_call")).mappings().all()
    assert len(rows) == 1
    assert (rows[0]["prompt_id"], rows[0]["prompt_version"]) == ("probe", "probe@v1")
    assert rows[0]["prompt_sha256"] == PROBE.sha256
    assert all(API_KEY not in str(value) for value in rows[0].values())
    summary_lines.append(
        f"client: json_schema reply in {reply.latency_ms} ms, "
        f"{reply.tokens_in} tokens in, {reply.tokens_out} out"
    )


def test_a_503_and_a_dropped_connection_are_retried_through_to_the_server(
    llama_server: LlamaServer, http: httpx.Client, store: SqlStore
) -> None:
    sleep = RecordingSleep()
    upstream = llama_server.base_url.removesuffix("/v1")
    with FlakyProxy(upstream, [ANSWER_503, DROP]) as proxy:
        client = build_client(
            http,
            f"{proxy.origin}/v1",
            llama_server.model,
            store=store,
            sleep=sleep,
            max_retries=2,
        )
        reply = client.chat_json(
            MESSAGES, schema=CITY_SCHEMA, schema_name="city", prompt=PROBE, max_tokens=MAX_TOKENS
        )

    assert proxy.paths == ["/v1/chat/completions"] * 3
    assert proxy.forwarded == 1
    assert len(sleep.delays) == 2
    assert sleep.delays[0] == 0.0  # the 503's Retry-After: 0
    assert schema_violations(reply.data, CITY_SCHEMA) == [], reply.text
    assert reply.tokens_in > 0
    assert reply.tokens_out > 0
    [call] = store.list_llm_calls()  # one call, however many attempts
    assert call.error is None
    assert (call.tokens_in, call.tokens_out) == (reply.tokens_in, reply.tokens_out)
