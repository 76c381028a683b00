"""The Teams endpoint over real HTTP: activities posted to ``/api/messages`` as Teams posts them,
replies taken by a loopback Bot Connector, answers from the demo documents in real SQLite.

JWT validation is on in every test but the two that say they turn it off: requests carry a
token signed with a stand-in for Bot Framework's key (``BotFrameworkKeys``), and the bot's
replies carry the token its connection hands out (``fixed_token_connections``).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from bot.chat.teams.bot import APOLOGY, REFUSALS, WORKING
from bot.chat.teams.server import (
    ANONYMOUS_WARNING,
    LoopbackServiceUrls,
    TeamsServer,
    build_teams_server,
)
from bot.domain.conversation import ThreadRef
from bot.domain.errors import ConfigError
from bot.domain.subscriptions import Platform
from bot.main import Briefbot
from bot.services.conversation import ChatAccess, ConversationService, Refusal
from tests.support.fake_bot_connector import (
    OUTBOUND_TOKEN,
    BotFrameworkKeys,
    FakeBotConnector,
    Sent,
    fixed_token_connections,
    other_key,
)

APP_ID = "9f1c2b7e-0d4a-4c1e-b7f3-2a5d6e8c0b11"
BOT_ID = f"28:{APP_ID}"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CHANNEL = "19:4a95f7d8db4c4e7fae857bcebe0623e6@thread.tacv2"
ASK = "How many fighters does ISIS still have according to the inspector general?"
ROOT = "1700000000001"

# The SDK's JWT check stores the identity under a string request key; aiohttp warns (the
# server silences that warning at start-up, pytest's filters put it back for each test).
pytestmark = pytest.mark.filterwarnings(
    r"ignore::aiohttp.web_exceptions.NotAppKeyWarning:microsoft_agents\."
)


@pytest.fixture(scope="session")
def keys() -> BotFrameworkKeys:
    return BotFrameworkKeys()


@pytest.fixture
def connector() -> Iterator[FakeBotConnector]:
    with FakeBotConnector(token=OUTBOUND_TOKEN) as fake:
        yield fake


@dataclasses.dataclass
class Teams:
    """A running Teams endpoint and how to post to it as Teams does."""

    server: TeamsServer
    connector: FakeBotConnector
    keys: BotFrameworkKeys

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/api/messages"

    def token(self, **overrides: Any) -> str:
        claims: dict[str, Any] = {"audience": APP_ID, "service_url": self.connector.service_url}
        return self.keys.token(**{**claims, **overrides})

    def post(
        self,
        activity: dict[str, Any] | None = None,
        *,
        authorization: str | None = "valid",
        content: bytes | None = None,
    ) -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if authorization == "valid":
            headers["Authorization"] = f"Bearer {self.token()}"
        elif authorization is not None:
            headers["Authorization"] = authorization
        body = content if content is not None else json.dumps(activity).encode()
        return httpx.post(self.url, content=body, headers=headers, timeout=10)


@contextmanager
def running(server: TeamsServer) -> Iterator[TeamsServer]:
    """``serve_forever`` in a thread, as ``briefbot serve`` runs it beside Slack."""
    thread = threading.Thread(target=server.serve_forever, name="teams-server")
    thread.start()
    try:
        yield server
    finally:
        server.close()
        thread.join(timeout=15)
        assert not thread.is_alive()


@contextmanager
def serving(
    conversation: ConversationService,
    connector: FakeBotConnector,
    keys: BotFrameworkKeys,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Teams]:
    """The endpoint with JWT validation on, replies to the loopback connector with a token."""
    keys.install(monkeypatch)
    server = build_teams_server(
        conversation,
        app_id=APP_ID,
        app_password="a-secret",
        tenant_id=TENANT,
        allow_anonymous=False,
        host="127.0.0.1",
        port=0,
        connections=fixed_token_connections(APP_ID),
        host_validator=LoopbackServiceUrls(),  # the fake connector is on loopback
    )
    with running(server):
        yield Teams(server, connector, keys)


@pytest.fixture
def teams(
    briefbot: Briefbot,
    connector: FakeBotConnector,
    keys: BotFrameworkKeys,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Teams]:
    with serving(briefbot.conversation, connector, keys, monkeypatch) as running_teams:
        yield running_teams


# Activities as Teams sends them ------------------------------------------------------------


def message(
    connector: FakeBotConnector,
    *,
    activity_id: str,
    conversation: dict[str, Any],
    text: str,
    mention: bool,
    channel_data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    entities: list[dict[str, Any]] = [
        {"type": "clientInfo", "locale": "en-US", "country": "US", "platform": "Web"}
    ]
    if mention:
        entities.insert(
            0,
            {
                "type": "mention",
                "text": "<at>Briefbot</at>",
                "mentioned": {"id": BOT_ID, "name": "Briefbot"},
            },
        )
    return {
        "type": "message",
        "id": activity_id,
        "timestamp": "2026-11-25T07:31:00.000Z",
        "serviceUrl": connector.service_url,
        "channelId": "msteams",
        "from": {
            "id": "29:1alice",
            "name": "Alice",
            "aadObjectId": "a1a1a1a1-0000-4000-8000-00000000a11c",
        },
        "conversation": {"tenantId": TENANT, **conversation},
        "recipient": {"id": BOT_ID, "name": "Briefbot"},
        "textFormat": "plain",
        "text": f"<at>Briefbot</at> {text}" if mention else text,
        "entities": entities,
        "channelData": channel_data or {"tenant": {"id": TENANT}},
        "locale": "en-US",
    }


def channel_message(
    connector: FakeBotConnector,
    *,
    activity_id: str = ROOT,
    root: str = ROOT,
    text: str = ASK,
    mention: bool = True,
) -> dict[str, Any]:
    """A channel post (``activity_id == root``) or a reply in ``root``'s thread."""
    return message(
        connector,
        activity_id=activity_id,
        conversation={
            "isGroup": True,
            "conversationType": "channel",
            "id": f"{CHANNEL};messageid={root}",
        },
        text=text,
        mention=mention,
        channel_data={
            "teamsChannelId": CHANNEL,
            "channel": {"id": CHANNEL},
            "team": {"id": "19:team@thread.tacv2"},
            "tenant": {"id": TENANT},
        },
    )


def personal_message(
    connector: FakeBotConnector, *, activity_id: str = "1:1dm-1"
) -> dict[str, Any]:
    return message(
        connector,
        activity_id=activity_id,
        conversation={"conversationType": "personal", "id": "a:1personal-chat-with-alice"},
        text=ASK,
        mention=False,
    )


def card_of(sent: Sent) -> dict[str, Any]:
    [card] = sent.cards()
    return card


def card_text(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


def thread(root: str = ROOT) -> ThreadRef:
    return ThreadRef(Platform.TEAMS, CHANNEL, f"{CHANNEL};messageid={root}")


# Questions and answers ---------------------------------------------------------------------


def test_a_channel_mention_gets_working_then_an_answer_card_citing_the_documents(
    teams: Teams, briefbot: Briefbot
) -> None:
    response = teams.post(channel_message(teams.connector))
    assert response.status_code == 202
    working, answer = teams.connector.wait_for_messages(2)
    assert working.text == WORKING
    for sent in (working, answer):
        assert sent.conversation_id == f"{CHANNEL};messageid={ROOT}"  # in the question's thread
        assert sent.reply_to == ROOT
        assert sent.authorization == f"Bearer {OUTBOUND_TOKEN}"
    [attachment] = answer.activity["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    eventually(lambda: briefbot.store.list_turns(thread())[0].reply_id == answer.id)
    [turn] = briefbot.store.list_turns(thread())
    assert turn.spec.answered
    assert turn.spec.citations
    assert turn.spec.question == ASK  # the mention removed
    text = card_text(card)
    for citation in turn.spec.citations:
        document = briefbot.store.find_document_by_url(citation.url)
        assert document is not None
        assert citation.quote in document.text
        assert citation.url in text
    assert "Sources" in text


def test_a_personal_chat_is_answered_where_it_was_asked(teams: Teams, briefbot: Briefbot) -> None:
    assert teams.post(personal_message(teams.connector)).status_code == 202
    working, answer = teams.connector.wait_for_messages(2)
    assert working.text == WORKING
    assert answer.conversation_id == "a:1personal-chat-with-alice"
    assert card_of(answer)["type"] == "AdaptiveCard"
    assert any(sent.type == "typing" for sent in teams.connector.sent)
    [turn] = briefbot.store.list_turns(ThreadRef(Platform.TEAMS, "a:1personal-chat-with-alice"))
    assert turn.spec.user_id == "a1a1a1a1-0000-4000-8000-00000000a11c"


def test_a_reply_in_a_followed_thread_is_answered_in_that_thread(
    teams: Teams, briefbot: Briefbot
) -> None:
    teams.post(channel_message(teams.connector))
    teams.connector.wait_for_messages(2)
    follow_up = channel_message(
        teams.connector, activity_id="1700000000777", text="Who said otherwise?", mention=False
    )
    elsewhere = channel_message(
        teams.connector, activity_id="1700000000888", root="1700000000800", mention=False
    )
    assert teams.post(elsewhere).status_code == 202  # not a thread Briefbot spoke in
    assert teams.post(follow_up).status_code == 202
    messages = teams.connector.wait_for_messages(4)
    assert [sent.reply_to for sent in messages[2:]] == ["1700000000777", "1700000000777"]
    assert {sent.conversation_id for sent in messages} == {f"{CHANNEL};messageid={ROOT}"}
    turns = briefbot.store.list_turns(thread())
    assert [turn.spec.question for turn in turns][-1] == "Who said otherwise?"
    assert not briefbot.store.list_turns(thread("1700000000800"))


def test_a_mention_in_a_reply_is_answered_in_its_thread(teams: Teams, briefbot: Briefbot) -> None:
    reply = channel_message(teams.connector, activity_id="1700000000999", root="1700000000900")
    assert teams.post(reply).status_code == 202
    _, answer = teams.connector.wait_for_messages(2)
    assert answer.conversation_id == f"{CHANNEL};messageid=1700000000900"
    assert answer.reply_to == "1700000000999"
    assert briefbot.store.list_turns(thread("1700000000900"))


def test_a_redelivered_activity_is_answered_once(teams: Teams, briefbot: Briefbot) -> None:
    activity = channel_message(teams.connector)
    assert teams.post(activity).status_code == 202
    assert teams.post(activity).status_code == 202  # Teams retries after 15 s without a reply
    teams.connector.wait_for_messages(2)
    time.sleep(0.3)
    assert len(teams.connector.messages()) == 2
    assert len(briefbot.store.list_turns(thread())) == 1


def test_what_is_not_a_question_for_briefbot_gets_no_reply(teams: Teams) -> None:
    unmentioned_post = channel_message(
        teams.connector, activity_id="1700000000500", root="1700000000500", mention=False
    )
    from_a_bot = {
        **personal_message(teams.connector),
        "from": {"id": "28:another-bot", "name": "X"},
    }
    blank = {**personal_message(teams.connector, activity_id="1:blank"), "text": "  "}
    update = {
        **personal_message(teams.connector, activity_id="1:update"),
        "type": "conversationUpdate",
    }
    for activity in (unmentioned_post, from_a_bot, blank, update):
        assert teams.post(activity).status_code == 202
    time.sleep(0.3)
    assert teams.connector.sent == []


def test_a_slow_answer_is_preceded_by_a_quick_working_reply(
    briefbot: Briefbot,
    connector: FakeBotConnector,
    keys: BotFrameworkKeys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slow = dataclasses.replace(briefbot.conversation, asker=SlowAsker(briefbot.asker, seconds=2.0))
    with serving(slow, connector, keys, monkeypatch) as teams:
        started = time.monotonic()
        assert teams.post(channel_message(connector)).status_code == 202
        answered_within = time.monotonic() - started
        [working] = connector.wait_for_messages(1, timeout=2)
        working_after = time.monotonic() - started
        assert len(connector.messages()) == 1  # the answer is still being worked out
        _, answer = connector.wait_for_messages(2, timeout=10)
        answer_after = time.monotonic() - started
    assert answered_within < 1.5  # far inside Teams' 15 seconds
    assert working.text == WORKING
    assert working_after < 1.5
    assert answer_after >= 2.0
    assert card_of(answer)["type"] == "AdaptiveCard"


def test_shutdown_waits_for_an_answer_in_flight(
    briefbot: Briefbot,
    connector: FakeBotConnector,
    keys: BotFrameworkKeys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slow = dataclasses.replace(briefbot.conversation, asker=SlowAsker(briefbot.asker, seconds=1.0))
    with serving(slow, connector, keys, monkeypatch) as teams:
        teams.post(channel_message(connector))
        connector.wait_for_messages(1)
    assert len(connector.messages()) == 2  # close() returned after the answer was posted
    assert card_of(connector.messages()[1])["type"] == "AdaptiveCard"


def test_a_failure_gets_an_error_card_and_the_traceback_goes_to_the_log(
    briefbot: Briefbot,
    connector: FakeBotConnector,
    keys: BotFrameworkKeys,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = dataclasses.replace(briefbot.conversation, asker=BrokenAsker())
    with caplog.at_level(logging.ERROR), serving(broken, connector, keys, monkeypatch) as teams:
        teams.post(channel_message(connector))
        _, apology = connector.wait_for_messages(2)
    text = card_text(card_of(apology))
    assert APOLOGY in text
    assert "database password is hunter2" not in text
    [record] = [r for r in caplog.records if "answering a question failed" in r.getMessage()]
    correlation = record.getMessage().rsplit("[", 1)[1].rstrip("]")
    assert f"Reference: {correlation}" in text
    assert record.exc_info is not None


def test_a_refused_asker_is_told_why_and_not_answered(
    briefbot: Briefbot,
    connector: FakeBotConnector,
    keys: BotFrameworkKeys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    access = ChatAccess.of(channels=["19:another-channel@thread.tacv2"])
    only_elsewhere = dataclasses.replace(briefbot.conversation, access=access)
    with serving(only_elsewhere, connector, keys, monkeypatch) as teams:
        teams.post(channel_message(connector))
        [refusal] = connector.wait_for_messages(1)
        time.sleep(0.3)
    assert refusal.text == REFUSALS[Refusal.CHANNEL]
    assert len(connector.messages()) == 1
    assert not briefbot.store.list_turns(thread())


# Authentication ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer garbage",
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer a.b.c",
    ],
)
def test_a_request_without_a_valid_token_is_refused_and_not_answered(
    teams: Teams, briefbot: Briefbot, authorization: str | None
) -> None:
    response = teams.post(channel_message(teams.connector), authorization=authorization)
    assert response.status_code == 401
    time.sleep(0.2)
    assert teams.connector.sent == []
    assert not briefbot.store.list_turns(thread())


def test_a_forged_or_misaddressed_or_expired_token_is_refused(teams: Teams) -> None:
    forged = teams.token(key=other_key())
    for_another_bot = teams.token(audience="0b0b0b0b-another-bot")
    expired = teams.token(expires_in=-3600)
    for token in (forged, for_another_bot, expired):
        response = teams.post(channel_message(teams.connector), authorization=f"Bearer {token}")
        assert response.status_code == 401
    assert teams.keys.lookups  # the SDK looked the key up where Bot Framework publishes it
    time.sleep(0.2)
    assert teams.connector.sent == []


def test_a_token_for_another_service_url_is_refused(teams: Teams) -> None:
    token = teams.token(service_url="https://smba.trafficmanager.net/amer/")
    response = teams.post(channel_message(teams.connector), authorization=f"Bearer {token}")
    assert response.status_code == 401
    assert teams.connector.sent == []


def test_by_default_replies_go_only_to_microsoft_hosts(
    briefbot: Briefbot,
    connector: FakeBotConnector,
    keys: BotFrameworkKeys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys.install(monkeypatch)
    server = build_teams_server(
        briefbot.conversation,
        app_id=APP_ID,
        app_password="a-secret",
        tenant_id=TENANT,
        allow_anonymous=False,
        host="127.0.0.1",
        port=0,
        connections=fixed_token_connections(APP_ID),
    )
    with running(server):
        teams = Teams(server, connector, keys)
        response = teams.post(channel_message(connector))
    assert response.status_code == 401  # a loopback serviceUrl is not a Microsoft host
    assert connector.sent == []


def test_anonymous_access_only_when_allowed_for_local_testing(
    briefbot: Briefbot, keys: BotFrameworkKeys, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING), FakeBotConnector() as connector:
        server = build_teams_server(
            briefbot.conversation,
            app_id=None,
            app_password=None,
            tenant_id=None,
            allow_anonymous=True,
            host="127.0.0.1",
            port=0,
        )
        with running(server):
            teams = Teams(server, connector, keys)
            assert teams.post(channel_message(connector), authorization=None).status_code == 202
            working, answer = connector.wait_for_messages(2)
    assert working.authorization is None  # replies without a token
    assert card_of(answer)["type"] == "AdaptiveCard"
    assert [r.getMessage() for r in caplog.records].count(ANONYMOUS_WARNING) == 1


def test_without_credentials_anonymous_must_be_asked_for(briefbot: Briefbot) -> None:
    settings = {"app_id": APP_ID, "app_password": "s", "tenant_id": TENANT}
    for missing, variable in (
        ("app_id", "BRIEFBOT_TEAMS_APP_ID"),
        ("app_password", "BRIEFBOT_TEAMS_APP_PASSWORD"),
        ("tenant_id", "BRIEFBOT_TEAMS_TENANT_ID"),
    ):
        with pytest.raises(ConfigError, match=variable):
            build_teams_server(
                briefbot.conversation,
                **{**settings, missing: None},
                allow_anonymous=False,
                host="127.0.0.1",
                port=0,
            )


# Hostile requests --------------------------------------------------------------------------


def test_hostile_bodies_are_refused_and_the_server_keeps_serving(teams: Teams) -> None:
    valid = channel_message(teams.connector)
    no_conversation = {key: value for key, value in valid.items() if key != "conversation"}
    bodies = {
        b"not json at all": 400,
        b"[1, 2, 3]": 400,
        b'"a string"': 400,
        json.dumps(no_conversation).encode(): 400,
        json.dumps({**valid, "conversation": "not an object"}).encode(): 400,
        json.dumps({**valid, "type": ""}).encode(): 400,
        b'{"type": "message", "text": "' + b"x" * (2 * 1024 * 1024) + b'"}': 413,
    }
    for body, status in bodies.items():
        assert teams.post(content=body).status_code == status, body[:60]
    assert httpx.get(teams.url, timeout=5).status_code == 405
    assert teams.post(valid).status_code == 202
    assert len(teams.connector.wait_for_messages(2)) == 2


def test_health_needs_no_token(teams: Teams) -> None:
    response = httpx.get(f"http://127.0.0.1:{teams.server.port}/healthz", timeout=5)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_a_server_closed_before_it_serves_stops_at_once(briefbot: Briefbot) -> None:
    server = build_teams_server(
        briefbot.conversation,
        app_id=None,
        app_password=None,
        tenant_id=None,
        allow_anonymous=True,
        host="127.0.0.1",
        port=0,
    )
    server.close()
    server.serve_forever()  # returns at once


# Helpers -----------------------------------------------------------------------------------


def eventually(check: Callable[[], bool], *, timeout: float = 5.0) -> None:
    """Wait until ``check()`` holds (work after the last reply, such as recording its id)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.02)


class SlowAsker:
    """The real asker, ``seconds`` slower (an LLM taking its time)."""

    def __init__(self, asker: Any, *, seconds: float) -> None:
        self._asker = asker
        self._seconds = seconds

    def ask(self, *args: Any, **kwargs: Any) -> Any:
        time.sleep(self._seconds)
        return self._asker.ask(*args, **kwargs)


class BrokenAsker:
    """An asker whose store fails with a message that must never reach the user."""

    def ask(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database password is hunter2")
