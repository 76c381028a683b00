"""The OpenAI-compatible client against the loopback fake: modes, parsing, retries, the log."""

from __future__ import annotations

import socket
import threading
from email.utils import format_datetime

import httpx
import pytest

from bot.analysis.llm import ChatReply, LLMConfig, OpenAICompatibleClient
from bot.domain.errors import ConfigError, LLMError
from bot.domain.models import PromptRef
from tests.analysis.conftest import FIXED_NOW, RecordingLog, RecordingSleep, build_client
from tests.support.fake_llm import FakeLLMServer, FakeReply

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["answer"],
    "properties": {"answer": {"type": "string"}},
}
PROMPT = PromptRef("extract", 1, "ab" * 32)
MESSAGES = [{"role": "system", "content": "Reply in JSON."}, {"role": "user", "content": "Hi"}]
SECRET = "sk-test-do-not-log-0123456789"


def ask(client: OpenAICompatibleClient, **kwargs: object) -> ChatReply:
    return client.chat_json(
        MESSAGES,
        schema=SCHEMA,
        schema_name="reply",
        prompt=PROMPT,
        **kwargs,  # type: ignore[arg-type]
    )


def test_json_schema_mode_sends_the_schema(llm: FakeLLMServer, http: httpx.Client) -> None:
    llm.enqueue({"answer": "yes"})
    reply = ask(build_client(http, llm.base_url), max_tokens=50)
    assert reply.data == {"answer": "yes"}
    assert reply.mode == "json_schema"
    body = llm.chat_requests[0].json
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "reply", "schema": SCHEMA, "strict": True},
    }
    assert body["model"] == "fake-model"
    assert body["messages"] == MESSAGES
    assert body["max_tokens"] == 50
    assert body["temperature"] == 0.0


def test_auto_falls_back_to_json_object_then_none_and_remembers(http: httpx.Client) -> None:
    with FakeLLMServer(reject_json_schema=True, reject_json_object=True) as llm:
        llm.enqueue({"answer": "first"}, {"answer": "second"})
        client = build_client(http, llm.base_url)
        first = ask(client)
        second = ask(client)
    assert (first.data["answer"], first.mode) == ("first", "none")
    assert second.mode == "none"
    kinds = [request.response_format_type for request in llm.chat_requests]
    assert kinds == ["json_schema", "json_object", None, None]


def test_auto_stops_at_json_object_when_the_server_takes_it(http: httpx.Client) -> None:
    with FakeLLMServer(reject_json_schema=True) as llm:
        llm.enqueue({"answer": "ok"})
        reply = ask(build_client(http, llm.base_url))
    assert reply.mode == "json_object"
    assert [r.response_format_type for r in llm.chat_requests] == ["json_schema", "json_object"]


def test_a_configured_mode_is_not_stepped_down(http: httpx.Client) -> None:
    with FakeLLMServer(reject_json_schema=True) as llm:
        client = build_client(http, llm.base_url, structured_output="json_schema")
        with pytest.raises(LLMError, match="HTTP 400"):
            ask(client)
    assert len(llm.chat_requests) == 1


@pytest.mark.parametrize(
    "content",
    [
        'Here you go:\n```json\n{"answer": "fenced"}\n```\nAnything else?',
        '```\n{"answer": "fenced"}\n```',
        '{"answer": "fenced"}\n\nI extracted the answer above. {not json',
        'Sure! {"answer": "fenced", "note": "a } in a string \\" and a quote"} Done.',
    ],
)
def test_fenced_and_trailing_text_json_is_read(
    llm: FakeLLMServer, http: httpx.Client, content: str
) -> None:
    llm.enqueue(content)
    assert ask(build_client(http, llm.base_url)).data["answer"] == "fenced"


def test_garbage_is_asked_again_once_then_fails(
    llm: FakeLLMServer, http: httpx.Client, call_log: RecordingLog
) -> None:
    llm.enqueue("I cannot produce JSON today.", "Still no JSON, sorry [1, 2]")
    client = build_client(http, llm.base_url, call_log=call_log)
    with pytest.raises(LLMError, match=r"no JSON object.*\(2 replies\)") as caught:
        ask(client)
    assert llm.base_url in str(caught.value)
    assert len(llm.chat_requests) == 2
    (call,) = call_log.calls
    assert call.error is not None
    assert call.response is not None
    assert "Still no JSON" in call.response


def test_one_garbage_reply_then_json_succeeds_and_counts_both(
    llm: FakeLLMServer, http: httpx.Client
) -> None:
    llm.enqueue(FakeReply(content="oops", prompt_tokens=7), FakeReply(content='{"answer": "a"}'))
    reply = ask(build_client(http, llm.base_url))
    assert reply.data == {"answer": "a"}
    assert reply.tokens_in == 107


def test_429_honours_retry_after_seconds(
    llm: FakeLLMServer, http: httpx.Client, sleep: RecordingSleep
) -> None:
    llm.enqueue_error(429, "slow down", retry_after="2")
    llm.enqueue({"answer": "ok"})
    assert ask(build_client(http, llm.base_url, sleep=sleep)).data == {"answer": "ok"}
    assert sleep.delays == [2.0]


def test_429_honours_an_http_date_and_caps_long_waits(
    llm: FakeLLMServer, http: httpx.Client, sleep: RecordingSleep
) -> None:
    in_five_seconds = format_datetime(FIXED_NOW.replace(second=5), usegmt=True)
    llm.enqueue_error(429, retry_after=in_five_seconds)
    llm.enqueue_error(429, retry_after="86400")
    llm.enqueue({"answer": "ok"})
    ask(build_client(http, llm.base_url, sleep=sleep))
    assert sleep.delays == [5.0, 60.0]


def test_500_then_success_is_retried_with_jittered_backoff(
    llm: FakeLLMServer, http: httpx.Client, sleep: RecordingSleep
) -> None:
    llm.enqueue_error(500, "overloaded")
    llm.enqueue_error(503)
    llm.enqueue({"answer": "ok"})
    assert ask(build_client(http, llm.base_url, sleep=sleep)).data == {"answer": "ok"}
    assert len(llm.chat_requests) == 3
    first, second = sleep.delays
    assert 0.25 <= first <= 0.5
    assert 0.5 <= second <= 1.0


def test_500_forever_gives_up_after_the_retries(
    llm: FakeLLMServer, http: httpx.Client, sleep: RecordingSleep
) -> None:
    client = build_client(http, llm.base_url, sleep=sleep, max_retries=3)
    with pytest.raises(LLMError, match=r"HTTP 500.*\(4 attempts\)"):
        ask(client)
    assert len(llm.chat_requests) == 4
    assert len(sleep.delays) == 3


def test_a_stalled_server_times_out_is_retried_then_fails(
    llm: FakeLLMServer, http: httpx.Client, sleep: RecordingSleep
) -> None:
    llm.enqueue(FakeReply(stall=5.0), FakeReply(stall=5.0))
    client = build_client(http, llm.base_url, sleep=sleep, timeout=0.2, max_retries=1)
    with pytest.raises(LLMError, match=r"ReadTimeout.*\(2 attempts\)"):
        ask(client)
    assert len(llm.chat_requests) == 2
    assert len(sleep.delays) == 1


def test_connection_refused_is_retried_then_fails(
    http: httpx.Client, sleep: RecordingSleep
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = build_client(http, f"http://127.0.0.1:{port}/v1", sleep=sleep, max_retries=2)
    with pytest.raises(LLMError, match=r"ConnectError.*\(3 attempts\)"):
        ask(client)
    assert len(sleep.delays) == 2


def test_401_is_not_retried_and_the_key_is_never_shown(
    llm: FakeLLMServer, http: httpx.Client, sleep: RecordingSleep, call_log: RecordingLog
) -> None:
    llm.enqueue_error(401, f"Incorrect API key provided: {SECRET}")
    client = build_client(http, llm.base_url, sleep=sleep, call_log=call_log, api_key=SECRET)
    with pytest.raises(LLMError, match="HTTP 401") as caught:
        ask(client)
    assert SECRET not in str(caught.value)
    assert len(llm.chat_requests) == 1
    assert sleep.delays == []
    (call,) = call_log.calls
    assert SECRET not in f"{call.request}{call.response}{call.error}"


def test_usage_and_prompt_are_recorded_without_the_key(
    llm: FakeLLMServer, http: httpx.Client, call_log: RecordingLog
) -> None:
    llm.enqueue(FakeReply(content='{"answer": "ok"}', prompt_tokens=321, completion_tokens=12))
    client = build_client(http, llm.base_url, call_log=call_log, api_key=SECRET)
    reply = ask(client)
    assert (reply.tokens_in, reply.tokens_out) == (321, 12)
    (call,) = call_log.calls
    assert (call.prompt, call.model, call.error) == (PROMPT, "fake-model", None)
    assert (call.tokens_in, call.tokens_out) == (321, 12)
    assert call.latency_ms is not None
    assert call.latency_ms >= 0
    assert call.created_at == FIXED_NOW
    assert '"messages"' in call.request
    assert call.response is not None
    assert "chat.completion" in call.response
    assert SECRET not in call.request + call.response
    assert llm.chat_requests[0].headers["authorization"] == f"Bearer {SECRET}"


def test_azure_puts_api_version_in_the_url_and_the_key_in_api_key(http: httpx.Client) -> None:
    with FakeLLMServer() as llm:
        llm.enqueue({"answer": "ok"})
        base_url = f"{llm.origin}/openai/deployments/gpt-4o-briefbot"
        ask(build_client(http, base_url, api_key=SECRET, api_version="2024-10-21"))
    (request,) = llm.chat_requests
    assert request.path == "/openai/deployments/gpt-4o-briefbot/chat/completions"
    assert request.query == {"api-version": ["2024-10-21"]}
    assert request.headers["api-key"] == SECRET
    assert "authorization" not in request.headers


def test_a_trailing_slash_on_the_base_url_is_fine(llm: FakeLLMServer, http: httpx.Client) -> None:
    llm.enqueue({"answer": "ok"})
    ask(build_client(http, llm.base_url + "/"))
    assert llm.chat_requests[0].path == "/v1/chat/completions"


def test_concurrency_is_limited(llm: FakeLLMServer, http: httpx.Client) -> None:
    llm.enqueue(*[FakeReply(content='{"answer": "ok"}', hold=0.1) for _ in range(6)])
    client = build_client(http, llm.base_url, max_concurrency=2)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            ask(client)
        except LLMError as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == []
    assert len(llm.chat_requests) == 6
    assert llm.max_in_flight == 2


def test_an_oversized_reply_is_refused(llm: FakeLLMServer, http: httpx.Client) -> None:
    llm.enqueue("x" * 1_100_000)
    with pytest.raises(LLMError, match="over 1000000 bytes"):
        ask(build_client(http, llm.base_url))


def test_a_refusal_is_an_error(llm: FakeLLMServer, http: httpx.Client) -> None:
    body = b'{"choices": [{"message": {"role": "assistant", "content": null, "refusal": "no"}}]}'
    llm.enqueue(FakeReply(body=body))
    with pytest.raises(LLMError, match="refused"):
        ask(build_client(http, llm.base_url))


def test_embeddings_come_back_in_order(llm: FakeLLMServer, http: httpx.Client) -> None:
    vectors = build_client(http, llm.base_url).embed(["al-Hol camp", "fighters", "al-Hol camp"])
    assert len(vectors) == 3
    assert vectors[0] == vectors[2] != vectors[1]
    assert llm.requests[0].path == "/v1/embeddings"
    assert build_client(http, llm.base_url).embed([]) == []


def test_a_bad_structured_output_setting_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="structured_output"):
        LLMConfig("http://127.0.0.1:1/v1", "m", structured_output="xml")
