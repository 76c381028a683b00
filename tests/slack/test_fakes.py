"""The Slack fakes under real clients: slack_sdk's WebClient against FakeSlack, its builtin
SocketModeClient and bolt's SocketModeHandler against FakeSocketMode."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import App, Assistant, Say, SetStatus, SetSuggestedPrompts
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.webhook import WebhookClient

from tests.support.fake_slack import FakeSlack
from tests.support.fake_socket_mode import FakeSocketMode, close_client

BOT_TOKEN = "xoxb-test-bot-token"
APP_TOKEN = "xapp-test-app-token"
CHANNEL = "C0POLICY"
DM = "D0USER"
USER = "U0ASKER"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(token=BOT_TOKEN, app_token=APP_TOKEN) as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=slack.base_url)


@pytest.fixture
def socket_mode(slack: FakeSlack) -> Iterator[FakeSocketMode]:
    with FakeSocketMode() as fake:
        slack.attach(fake)
        yield fake


def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return str(caught.value.response["error"])


# -- the Web API ------------------------------------------------------------------------


def test_auth_test_describes_the_bot(client: WebClient) -> None:
    answer = client.auth_test()
    assert answer["user_id"] == FakeSlack.bot_user_id
    assert answer["bot_id"] == FakeSlack.bot_id
    assert answer["team_id"] == FakeSlack.team_id
    assert answer["team"]
    assert answer["url"].startswith("https://")


def test_posted_messages_look_like_slacks(client: WebClient, slack: FakeSlack) -> None:
    ts = client.chat_postMessage(channel=CHANNEL, text="Hello")["ts"]
    message = slack.message(CHANNEL, ts)
    assert message["user"] == slack.bot_user_id
    assert message["bot_id"] == slack.bot_id
    assert message["blocks"][0]["type"] == "rich_text"  # Slack adds one to text-only posts


def test_ephemeral_messages_are_recorded_apart(client: WebClient, slack: FakeSlack) -> None:
    answer = client.chat_postEphemeral(channel=CHANNEL, user=USER, text="Only you", thread_ts="1.2")
    assert answer["message_ts"]
    assert slack.ephemerals() == [
        {
            "channel": CHANNEL,
            "user": USER,
            "text": "Only you",
            "blocks": None,
            "thread_ts": "1.2",
            "message_ts": answer["message_ts"],
        }
    ]
    assert slack.messages(CHANNEL) == []


def test_update_replaces_text_and_blocks(client: WebClient, slack: FakeSlack) -> None:
    ts = client.chat_postMessage(channel=CHANNEL, text="Working…")["ts"]
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Done*"}}]
    answer = client.chat_update(channel=CHANNEL, ts=ts, text="Done", blocks=blocks)
    assert answer["ts"] == ts
    [message] = slack.messages(CHANNEL)
    assert (message["text"], message["blocks"]) == ("Done", blocks)
    assert error_of(lambda: client.chat_update(channel=CHANNEL, ts="9.9", text="x")) == (
        "message_not_found"
    )
    theirs = slack.add_user_message(CHANNEL, "mine")
    assert error_of(lambda: client.chat_update(channel=CHANNEL, ts=theirs, text="x")) == (
        "cant_update_message"
    )


def test_delete_removes_the_message(client: WebClient, slack: FakeSlack) -> None:
    ts = client.chat_postMessage(channel=CHANNEL, text="Oops")["ts"]
    client.chat_delete(channel=CHANNEL, ts=ts)
    assert slack.messages(CHANNEL) == []
    assert error_of(lambda: client.chat_delete(channel=CHANNEL, ts=ts)) == "message_not_found"


def test_reactions_are_a_set_per_message(client: WebClient, slack: FakeSlack) -> None:
    ts = slack.add_user_message(CHANNEL, "Is this true?", USER)
    client.reactions_add(channel=CHANNEL, timestamp=ts, name="eyes")
    client.reactions_add(channel=CHANNEL, timestamp=ts, name="white_check_mark")
    assert slack.reactions(CHANNEL, ts) == {"eyes", "white_check_mark"}
    add = lambda: client.reactions_add(channel=CHANNEL, timestamp=ts, name="eyes")  # noqa: E731
    assert error_of(add) == "already_reacted"
    client.reactions_remove(channel=CHANNEL, timestamp=ts, name="eyes")
    remove = lambda: client.reactions_remove(channel=CHANNEL, timestamp=ts, name="eyes")  # noqa: E731
    assert error_of(remove) == "no_reaction"
    assert slack.reactions(CHANNEL, ts) == {"white_check_mark"}
    [listed] = client.conversations_history(channel=CHANNEL)["messages"]
    assert [r["name"] for r in listed["reactions"]] == ["white_check_mark"]


def test_replies_are_the_root_then_its_thread_oldest_first(
    client: WebClient, slack: FakeSlack
) -> None:
    root = slack.add_user_message(CHANNEL, "What did the minister say?", USER)
    slack.add_user_message(CHANNEL, "Elsewhere", USER)
    first = client.chat_postMessage(channel=CHANNEL, thread_ts=root, text="This.")["ts"]
    second = slack.add_user_message(CHANNEL, "Thanks", USER, thread_ts=root)
    answer = client.conversations_replies(channel=CHANNEL, ts=root)
    assert [m["ts"] for m in answer["messages"]] == [root, first, second]
    head = answer["messages"][0]
    assert (head["thread_ts"], head["reply_count"], head["latest_reply"]) == (root, 2, second)
    assert head["reply_users"] == [slack.bot_user_id, USER]
    assert [m["ts"] for m in slack.replies(CHANNEL, root)] == [first, second]
    assert error_of(lambda: client.conversations_replies(channel=CHANNEL, ts="9.9")) == (
        "thread_not_found"
    )


def test_replies_as_bolts_thread_context_store_reads_them(
    client: WebClient, slack: FakeSlack
) -> None:
    root = slack.add_user_message(DM, "Hi", USER)
    metadata = {"event_type": "assistant_thread_context", "event_payload": {"channel_id": "C1"}}
    client.chat_postMessage(channel=DM, thread_ts=root, text="Hello", metadata=metadata)
    without = client.conversations_replies(channel=DM, ts=root, oldest=root, limit=4)
    assert "metadata" not in without["messages"][1]
    found = client.conversations_replies(
        channel=DM, ts=root, oldest=root, include_all_metadata=True, limit=4
    )["messages"]
    [bot_reply] = [m for m in found if m.get("user") == slack.bot_user_id]
    assert bot_reply["metadata"] == metadata
    assert bot_reply["blocks"]  # bolt's store re-sends them in chat.update


def test_conversations_info_knows_dms_and_membership(client: WebClient, slack: FakeSlack) -> None:
    assert client.conversations_info(channel=DM)["channel"]["is_im"] is True
    channel = client.conversations_info(channel=CHANNEL)["channel"]
    assert (channel["is_im"], channel["is_member"], channel["is_channel"]) == (False, True, True)
    slack.set_channel(CHANNEL, is_member=False)
    assert client.conversations_info(channel=CHANNEL)["channel"]["is_member"] is False
    assert error_of(lambda: client.conversations_info(channel="X1")) == "channel_not_found"


def test_assistant_thread_calls_are_recorded(client: WebClient, slack: FakeSlack) -> None:
    client.assistant_threads_setStatus(channel_id=DM, thread_ts="1.1", status="is reading…")
    client.assistant_threads_setStatus(channel_id=DM, thread_ts="1.1", status="")
    client.assistant_threads_setTitle(channel_id=DM, thread_ts="1.1", title="Sanctions")
    prompts = [{"title": "Latest", "message": "What changed today?"}]
    client.assistant_threads_setSuggestedPrompts(channel_id=DM, thread_ts="1.1", prompts=prompts)
    assert slack.statuses(DM, "1.1") == ["is reading…", ""]
    assert slack.titles(DM, "1.1") == ["Sanctions"]
    assert slack.suggested_prompts(DM, "1.1") == [prompts]


def test_a_chat_stream_builds_one_message(client: WebClient, slack: FakeSlack) -> None:
    root = slack.add_user_message(DM, "Summarise", USER)
    stream = client.chat_stream(channel=DM, thread_ts=root, buffer_size=4)
    stream.append(markdown_text="The **minister** ")
    stream.append(markdown_text="said no.")
    stream.stop()
    [answer] = slack.replies(DM, root)
    assert answer["text"] == "The **minister** said no."
    streamed = [c.method for c in slack.calls if c.method.endswith("Stream")]
    assert streamed == ["chat.startStream", "chat.appendStream", "chat.stopStream"]


def test_response_urls_record_what_is_posted(slack: FakeSlack) -> None:
    url = slack.new_response_url()
    assert WebhookClient(url).send_dict({"text": "Working on it"}).status_code == 200
    assert slack.responses(url) == [{"text": "Working on it"}]


def test_connections_open_takes_only_the_app_token(slack: FakeSlack) -> None:
    slack.socket_url = "ws://127.0.0.1:9/link"
    app = WebClient(token=APP_TOKEN, base_url=slack.base_url)
    assert app.apps_connections_open(app_token=APP_TOKEN)["url"] == "ws://127.0.0.1:9/link"
    bot = WebClient(token=BOT_TOKEN, base_url=slack.base_url)
    # slack_sdk sends app_token as the bearer token whatever token the client holds
    assert bot.apps_connections_open(app_token=APP_TOKEN)["ok"]
    assert slack.calls_to("apps.connections.open")[-1].headers["authorization"] == (
        f"Bearer {APP_TOKEN}"
    )
    wrong = lambda: bot.apps_connections_open(app_token=BOT_TOKEN)  # noqa: E731
    assert error_of(wrong) == "not_allowed_token_type"
    assert error_of(lambda: bot.apps_connections_open(app_token="xapp-other")) == "invalid_auth"
    assert error_of(app.auth_test) == "not_allowed_token_type"


def test_connections_open_without_a_socket_server_fails(slack: FakeSlack) -> None:
    app = WebClient(token=APP_TOKEN, base_url=slack.base_url)
    opened = lambda: app.apps_connections_open(app_token=APP_TOKEN)  # noqa: E731
    assert error_of(opened) == "socket_mode_not_attached"


def test_wait_for_calls_sees_work_done_on_another_thread(
    client: WebClient, slack: FakeSlack
) -> None:
    worker = threading.Timer(0.05, lambda: client.chat_postMessage(channel=CHANNEL, text="Late"))
    worker.start()
    try:
        [call] = slack.wait_for_calls("chat.postMessage", 1, timeout=2)
        assert call.params["text"] == "Late"
        assert slack.wait_for(lambda: slack.messages(CHANNEL), timeout=2)[0]["text"] == "Late"
    finally:
        worker.join()
    with pytest.raises(TimeoutError, match=r"chat\.update"):
        slack.wait_for_calls("chat.update", timeout=0.05)


def test_message_event_is_what_slack_sends(slack: FakeSlack) -> None:
    root = slack.add_user_message(DM, "Hi", USER)
    ts = slack.add_user_message(DM, "And sanctions?", USER, thread_ts=root)
    event = slack.message_event(DM, ts)
    assert event["type"] == "message"
    assert (event["channel"], event["channel_type"], event["user"]) == (DM, "im", USER)
    assert (event["ts"], event["thread_ts"], event["event_ts"]) == (ts, root, ts)
    assert event["parent_user_id"] == USER


# -- Socket Mode ------------------------------------------------------------------------


@pytest.fixture
def socket_client(slack: FakeSlack, socket_mode: FakeSocketMode) -> Iterator[SocketModeClient]:
    web = WebClient(token=APP_TOKEN, base_url=slack.base_url)
    client = SocketModeClient(app_token=APP_TOKEN, web_client=web)
    try:
        yield client
    finally:
        close_client(client)


def acking(requests: list[SocketModeRequest], payload: dict[str, Any] | None = None) -> Any:
    def listener(client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        requests.append(request)
        response = SocketModeResponse(envelope_id=request.envelope_id, payload=payload)
        client.send_socket_mode_response(response)

    return listener


def test_the_client_connects_through_apps_connections_open(
    slack: FakeSlack, socket_mode: FakeSocketMode, socket_client: SocketModeClient
) -> None:
    hello: list[dict[str, Any]] = []
    socket_client.message_listeners.append(lambda _c, message, _raw: hello.append(message))
    socket_client.connect()
    socket_mode.wait_connected(timeout=2)
    [opened] = slack.calls_to("apps.connections.open")
    assert opened.headers["authorization"] == f"Bearer {APP_TOKEN}"
    assert socket_client.is_connected()
    assert slack.wait_for(lambda: hello, timeout=2)[0]["type"] == "hello"


def test_an_event_envelope_is_received_and_acked(
    socket_mode: FakeSocketMode, socket_client: SocketModeClient
) -> None:
    requests: list[SocketModeRequest] = []
    socket_client.socket_mode_request_listeners.append(acking(requests))
    socket_client.connect()
    event = {"type": "app_mention", "user": USER, "channel": CHANNEL, "text": "<@U0BRIEFBOT> hi"}
    envelope_id = socket_mode.send_event(event, retry_attempt=1, retry_reason="timeout")
    assert socket_mode.wait_ack(envelope_id, timeout=2) == {"envelope_id": envelope_id}
    [request] = requests
    assert (request.type, request.retry_attempt, request.retry_reason) == (
        "events_api",
        1,
        "timeout",
    )
    assert request.payload["type"] == "event_callback"
    assert request.payload["event"]["text"] == event["text"]
    assert request.payload["authorizations"][0]["user_id"] == "U0BRIEFBOT"


def test_an_ack_can_carry_a_payload(
    slack: FakeSlack, socket_mode: FakeSocketMode, socket_client: SocketModeClient
) -> None:
    requests: list[SocketModeRequest] = []
    socket_client.socket_mode_request_listeners.append(acking(requests, {"text": "On it"}))
    socket_client.connect()
    envelope_id = socket_mode.send_slash_command("/brief", "sanctions", channel_id=CHANNEL)
    ack = socket_mode.wait_ack(envelope_id, timeout=2)
    assert ack == {"envelope_id": envelope_id, "payload": {"text": "On it"}}
    [request] = requests
    assert request.accepts_response_payload
    assert request.payload["command"] == "/brief"
    assert request.payload["response_url"].startswith(slack.origin)  # attached: respond() works


def test_interactive_envelopes_keep_their_payload(
    socket_mode: FakeSocketMode, socket_client: SocketModeClient
) -> None:
    requests: list[SocketModeRequest] = []
    socket_client.socket_mode_request_listeners.append(acking(requests))
    socket_client.connect()
    action = {"type": "block_actions", "user": {"id": USER}, "actions": [{"action_id": "more"}]}
    socket_mode.wait_ack(socket_mode.send_interactive(action), timeout=2)
    [request] = requests
    assert request.type == "interactive"
    assert request.payload["actions"] == [{"action_id": "more"}]
    assert request.payload["team"]["id"] == socket_mode.team_id


def test_disconnect_makes_the_client_reconnect(
    slack: FakeSlack, socket_mode: FakeSocketMode, socket_client: SocketModeClient
) -> None:
    requests: list[SocketModeRequest] = []
    socket_client.socket_mode_request_listeners.append(acking(requests))
    socket_client.connect()
    socket_mode.wait_connected(timeout=2)
    socket_mode.send_disconnect()
    socket_mode.wait_connected(timeout=2, total=2)
    assert len(slack.calls_to("apps.connections.open")) == 2
    socket_mode.wait_ack(socket_mode.send_event({"type": "app_mention"}), timeout=2)
    deadline = time.monotonic() + 5  # the client answers the server's pings (when scheduled)
    while socket_mode.pongs == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert socket_mode.pongs > 0


def test_closing_the_client_disconnects_it(
    socket_mode: FakeSocketMode, socket_client: SocketModeClient
) -> None:
    socket_client.connect()
    socket_mode.wait_connected(timeout=2)
    close_client(socket_client)
    socket_mode.wait_disconnected(timeout=2)
    with pytest.raises(TimeoutError, match="no client connected"):
        socket_mode.send_event({"type": "app_mention"}, timeout=0.05)


def test_a_plain_http_request_is_refused(socket_mode: FakeSocketMode) -> None:
    http_url = socket_mode.url.replace("ws://", "http://")
    for url, status in [(http_url, 400), (http_url.replace("/link", "/other"), 404)]:
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(url, timeout=2)
        with caught.value:
            assert caught.value.code == status


def test_a_bolt_assistant_over_socket_mode(slack: FakeSlack, socket_mode: FakeSocketMode) -> None:
    app = App(client=WebClient(token=BOT_TOKEN, base_url=slack.base_url))
    assistant = Assistant()

    @assistant.thread_started
    def start(say: Say, set_suggested_prompts: SetSuggestedPrompts) -> None:
        say("Ask me about a policy.")
        set_suggested_prompts(prompts=["What changed today?"])

    @assistant.user_message
    def answer(payload: dict[str, Any], set_status: SetStatus, say: Say) -> None:
        set_status("is reading the sources…")
        say(f"You asked: {payload['text']}")

    app.use(assistant)

    handler = SocketModeHandler(app, APP_TOKEN)
    try:
        handler.connect()
        root = slack.add_user_message(DM, "", USER)  # the thread Slack opens for the assistant
        started = {
            "type": "assistant_thread_started",
            "assistant_thread": {
                "user_id": USER,
                "channel_id": DM,
                "thread_ts": root,
                "context": {"channel_id": CHANNEL, "team_id": slack.team_id},
            },
        }
        socket_mode.wait_ack(socket_mode.send_event(started), timeout=2)
        slack.wait_for(lambda: slack.suggested_prompts(DM, root), timeout=2)
        [greeting] = slack.replies(DM, root)
        assert greeting["metadata"]["event_payload"]["channel_id"] == CHANNEL

        asked = slack.add_user_message(DM, "Any new sanctions?", USER, thread_ts=root)
        socket_mode.wait_ack(socket_mode.send_event(slack.message_event(DM, asked)), timeout=2)
        slack.wait_for(lambda: len(slack.replies(DM, root)) == 3, timeout=2)
        reply = slack.replies(DM, root)[-1]
        assert reply["text"] == "You asked: Any new sanctions?"
        # bolt found the thread context in its first reply's metadata (conversations.replies)
        assert reply["metadata"] == greeting["metadata"]
        assert slack.statuses(DM, root) == ["is reading the sources…"]
        assert slack.calls_to("conversations.replies")
    finally:
        close_client(handler.client)
