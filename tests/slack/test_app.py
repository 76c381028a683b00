"""The bolt app over Socket Mode: real slack_sdk traffic between a loopback Socket Mode server,
the loopback fake Web API, and Briefbot's services over the demo documents in SQLite."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from slack_bolt import App

from bot.chat.slack.app import BOLT_LOGGER, build_bolt_logger
from bot.chat.slack.client import build_web_client
from bot.chat.slack.constants import ActionId
from bot.chat.slack.server import SocketModeRunner
from bot.domain.conversation import Feedback, ThreadRef
from bot.domain.subscriptions import Platform
from bot.main import Briefbot, build_briefbot
from bot.serve import build_slack
from bot.settings import load_settings
from tests.support.fake_slack import FakeSlack
from tests.support.fake_socket_mode import FakeSocketMode, close_client

CHANNEL = "C0POLICY1"
ASK = "How many fighters does ISIS still have according to the inspector general?"


@dataclass
class Harness:
    slack: FakeSlack
    socket: FakeSocketMode
    briefbot: Briefbot

    def mention(self, text: str, *, channel: str = CHANNEL, **fields: Any) -> tuple[str, str]:
        """Post a mention as a user and deliver its event; (message ts, envelope id)."""
        ts = self.slack.add_user_message(channel, f"<@U0BRIEFBOT> {text}", **fields)
        event = {**self.slack.message_event(channel, ts), "type": "app_mention"}
        return ts, self.socket.send_event(event)

    def answers(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        return [m for m in self.slack.replies(channel, thread_ts) if m.get("bot_id")]


@pytest.fixture
def harness(demo_database_url: str, request: pytest.FixtureRequest) -> Iterator[Harness]:
    overrides = getattr(request, "param", {})
    with FakeSlack() as slack, FakeSocketMode() as socket:
        slack.attach(socket)
        settings = load_settings(
            database_url=demo_database_url,
            slack_bot_token=slack.token,
            slack_app_token=slack.app_token,
            slack_api_url=slack.base_url,
            **overrides,
        )
        with build_briefbot(settings) as briefbot:
            runner = SocketModeRunner(
                build_slack(briefbot, signed=False), app_token=slack.app_token
            )
            thread = threading.Thread(target=runner.serve_forever, daemon=True)
            thread.start()
            socket.wait_connected()
            try:
                yield Harness(slack, socket, briefbot)
            finally:
                close_client(runner._handler.client)
                runner.close()
                thread.join(timeout=10)


def blocks_text(message: dict[str, Any]) -> str:
    return "\n".join(
        str(block["text"]["text"]) for block in message.get("blocks", []) if "text" in block
    )


def test_a_mention_is_answered_in_its_thread_with_a_progress_reaction(harness: Harness) -> None:
    ts, envelope = harness.mention(ASK)
    assert harness.socket.wait_ack(envelope) == {"envelope_id": envelope}
    [answer] = harness.slack.wait_for(lambda: harness.answers(CHANNEL, ts))
    assert "14,000" in blocks_text(answer)
    adds = harness.slack.calls_to("reactions.add")
    assert [c.params["name"] for c in adds] == ["eyes"]
    harness.slack.wait_for_calls("reactions.remove")
    assert harness.slack.reactions(CHANNEL, ts) == set()
    [turn] = harness.briefbot.store.list_turns(ThreadRef(Platform.SLACK, CHANNEL, ts))
    assert turn.reply_id == answer["ts"]


def test_a_redelivered_envelope_is_answered_once(harness: Harness) -> None:
    ts, envelope = harness.mention(ASK)
    harness.socket.wait_ack(envelope)
    harness.socket.send_event({}, envelope_id=envelope, retry_attempt=1, retry_reason="timeout")
    harness.slack.wait_for(lambda: harness.answers(CHANNEL, ts))
    harness.slack.wait_for_calls("reactions.remove")
    assert len(harness.answers(CHANNEL, ts)) == 1


def test_a_top_level_direct_message_is_answered_at_top_level(harness: Harness) -> None:
    ts = harness.slack.add_user_message("D0DIRECT1", ASK)
    harness.socket.send_event(harness.slack.message_event("D0DIRECT1", ts))
    answer = harness.slack.wait_for(
        lambda: [m for m in harness.slack.messages("D0DIRECT1") if m.get("bot_id")]
    )
    assert "thread_ts" not in answer[0]
    assert harness.slack.calls_to("reactions.add") == []  # no reaction noise in a DM


def test_other_bots_and_edits_are_ignored(harness: Harness) -> None:
    ts = harness.slack.add_user_message("D0DIRECT1", ASK)
    event = harness.slack.message_event("D0DIRECT1", ts)
    harness.socket.wait_ack(harness.socket.send_event({**event, "bot_id": "B0OTHER"}))
    edited = {**event, "subtype": "message_changed"}
    harness.socket.wait_ack(harness.socket.send_event(edited))
    ts2 = harness.slack.add_user_message("D0DIRECT1", "ping")  # a real one, to know we waited
    harness.socket.send_event(harness.slack.message_event("D0DIRECT1", ts2))
    harness.slack.wait_for_calls("chat.postMessage")
    assert len(harness.slack.calls_to("chat.postMessage")) == 1


def test_slash_ask_posts_a_placeholder_then_replaces_it_with_the_answer(harness: Harness) -> None:
    envelope = harness.socket.send_slash_command("/briefbot", f"ask {ASK}", channel_id=CHANNEL)
    assert harness.socket.wait_ack(envelope)["envelope_id"] == envelope
    [update] = harness.slack.wait_for_calls("chat.update")
    [placeholder] = harness.slack.calls_to("chat.postMessage")
    assert "asked" in str(placeholder.params["text"])
    message = harness.slack.message(CHANNEL, str(update.params["ts"]))
    assert "14,000" in blocks_text(message)
    # the answer's thread is followed: a reply there is answered without a mention
    reply = harness.slack.add_user_message(
        CHANNEL, "Who said otherwise?", thread_ts=str(update.params["ts"])
    )
    harness.socket.send_event(harness.slack.message_event(CHANNEL, reply))
    harness.slack.wait_for(lambda: harness.answers(CHANNEL, str(update.params["ts"])))


def test_slash_help_is_in_the_ack(harness: Harness) -> None:
    envelope = harness.socket.send_slash_command("/briefbot", "help", channel_id=CHANNEL)
    ack = harness.socket.wait_ack(envelope)
    assert "/briefbot ask" in str(ack["payload"]["text"])


def test_slash_claims_and_sources_answer_privately(harness: Harness) -> None:
    for text, expected in (("claims", "Claim ledger"), ("sources", "demo-feed")):
        url = harness.slack.new_response_url()
        harness.socket.send_slash_command("/briefbot", text, response_url=url)
        [response] = harness.slack.wait_for(lambda url=url: harness.slack.responses(url))
        assert expected in str(response["blocks"])


def test_slash_subscribe_digest_now_and_unsubscribe(harness: Harness) -> None:
    def run(text: str) -> str:
        url = harness.slack.new_response_url()
        harness.socket.send_slash_command("/briefbot", text, channel_id=CHANNEL, response_url=url)
        [response] = harness.slack.wait_for(lambda: harness.slack.responses(url))
        return str(response["text"])

    assert "no digest subscription" in run("digest now")
    assert "Subscribed <#C0DIGEST1>" in run("subscribe <#C0DIGEST1|news> 07:30 Europe/London")
    assert "Subscribed <#C0POLICY1>" in run("subscribe 07:30 America/New_York mon-fri")
    [here] = harness.briefbot.subscriptions.list(platform=Platform.SLACK, channel=CHANNEL)
    assert here.spec.created_by == "U0USER"
    assert here.days == (0, 1, 2, 3, 4)
    assert run("digest now") == "Posted the digest."
    digest = [m for m in harness.slack.messages(CHANNEL) if m.get("metadata")]
    assert len(digest) == 1
    assert "will get no more digests" in run("unsubscribe")
    assert harness.briefbot.subscriptions.list(platform=Platform.SLACK, channel=CHANNEL) == []
    assert ":warning:" in run("subscribe 25:00 Mars/Olympus")
    assert ":warning:" in run("subscribe #policy 07:30 UTC")


def test_feedback_buttons_store_the_verdict(harness: Harness) -> None:
    ts, _ = harness.mention(ASK)
    [answer] = harness.slack.wait_for(lambda: harness.answers(CHANNEL, ts))
    actions = next(b for b in answer["blocks"] if b["type"] == "actions")
    down = next(e for e in actions["elements"] if e["action_id"] == ActionId.FEEDBACK_DOWN)
    url = harness.slack.new_response_url()
    harness.socket.send_interactive(
        {
            "type": "block_actions",
            "user": {"id": "U0USER"},
            "channel": {"id": CHANNEL},
            "message": answer,
            "response_url": url,
            "actions": [{**down, "type": "button", "block_id": actions["block_id"]}],
        }
    )
    [response] = harness.slack.wait_for(lambda: harness.slack.responses(url))
    assert "Thanks" in str(response["text"])
    turn = harness.briefbot.store.get_turn(int(down["value"]))
    assert turn is not None
    assert turn.feedback is Feedback.DOWN
    assert turn.feedback_by == "U0USER"


def test_the_assistant_view_suggests_prompts_and_answers_with_a_status(harness: Harness) -> None:
    root = harness.slack.add_user_message("D0ASSIST1", "")
    started = {
        "type": "assistant_thread_started",
        "assistant_thread": {"user_id": "U0USER", "channel_id": "D0ASSIST1", "thread_ts": root},
    }
    harness.socket.send_event(started)
    prompts = harness.slack.wait_for(lambda: harness.slack.suggested_prompts("D0ASSIST1", root))
    assert "What changed since yesterday's digest?" in str(prompts)
    question = harness.slack.add_user_message("D0ASSIST1", ASK, thread_ts=root)
    harness.socket.send_event(harness.slack.message_event("D0ASSIST1", question))
    answers = harness.slack.wait_for(
        lambda: [m for m in harness.answers("D0ASSIST1", root) if "14,000" in blocks_text(m)]
    )
    assert answers
    assert harness.slack.statuses("D0ASSIST1", root)[0].startswith("is reading")


@pytest.mark.parametrize(
    "harness", [{"slack_allowed_channels": "C0OTHER99", "slack_dms": False}], indirect=True
)
def test_outside_the_allowed_channels_the_asker_gets_a_polite_private_note(
    harness: Harness,
) -> None:
    ts, _ = harness.mention(ASK)
    [note] = harness.slack.wait_for(harness.slack.ephemerals)
    assert "isn't enabled in this channel" in str(note["text"])
    assert harness.answers(CHANNEL, ts) == []
    dm = harness.slack.add_user_message("D0DIRECT1", ASK)
    harness.socket.send_event(harness.slack.message_event("D0DIRECT1", dm))
    harness.slack.wait_for(lambda: len(harness.slack.ephemerals()) == 2)
    assert "direct messages" in str(harness.slack.ephemerals()[1]["text"])


def test_a_failure_reaches_the_user_as_a_reference_not_a_traceback(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.slack.fail_next("chat.postMessage", status=200, error="fatal_error", times=5)
    with caplog.at_level(logging.ERROR, logger="bot.chat.slack.replies"):
        harness.mention(ASK)
        [note] = harness.slack.wait_for(harness.slack.ephemerals)
    text = str(note["text"])
    assert "Traceback" not in text
    assert "reference" in text
    reference = text.rsplit("reference ", 1)[1].rstrip(")")
    assert any(reference in record.getMessage() for record in caplog.records)


def test_bolt_does_not_warn_that_the_token_is_unused_but_other_warnings_pass(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with FakeSlack() as slack, caplog.at_level(logging.WARNING, logger=BOLT_LOGGER):
        App(  # as when SLACK_BOT_TOKEN is set: bolt reads it even though a client is given
            client=build_web_client(slack.token, base_url=slack.base_url),
            token=slack.token,
            signing_secret="secret",
            logger=build_bolt_logger(),
        )
        build_bolt_logger().warning("slack: another warning")

    assert [r.getMessage() for r in caplog.records] == ["slack: another warning"]
