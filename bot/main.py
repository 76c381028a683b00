"""Composition root: the only place that builds engines, clients, adapters and services."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from bot.analysis.extractive import ExtractiveAnswerer
from bot.analysis.lens import load_lens
from bot.analysis.llm import LLMConfig, OpenAICompatibleClient
from bot.analysis.llm_analyzer import LLMAnalyzer
from bot.analysis.llm_answerer import LLMAnswerer
from bot.analysis.offline import OfflineAnalyzer
from bot.analysis.prompts import PromptLibrary
from bot.chat.console.sink import ConsoleDigestSink
from bot.chat.digest_chart import build_digest_chart
from bot.chat.slack.client import build_web_client
from bot.chat.slack.digest_sink import SlackDigestSink
from bot.chat.teams.workflows import WorkflowsDigestSink
from bot.domain.errors import ConfigError
from bot.domain.models import Lens
from bot.domain.subscriptions import Platform
from bot.ports import Answerer, Clock, DigestSink, LLMCallLog
from bot.services.analyze import AnalyzeService
from bot.services.ask import AskService
from bot.services.collect import CollectService
from bot.services.conversation import ChatAccess, ConversationService
from bot.services.digest import DigestService
from bot.services.digest_posting import DigestPoster
from bot.services.ledger import LedgerService
from bot.services.subscriptions import SubscriptionService
from bot.settings import FetchSettings, Settings
from bot.sources.fetch import FetchPolicy, HttpFetcher
from bot.sources.neardup import MinHashSigner
from bot.sources.reader import HttpSourceReader
from bot.sources.robots import RobotsPolicy
from storage.db import create_engine_for
from storage.migrate import upgrade_engine_to_head
from storage.repository import SqlStore

EXTRACT_PROMPT = "extract"
EXTRACT_VERSION = 1
ANSWER_PROMPT = "answer"
ANSWER_VERSION = 2


def write_stdout(text: str) -> None:
    """Where the console sink prints digests."""
    sys.stdout.write(text)
    sys.stdout.flush()


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Briefbot:
    """The assembled application: services over one store, one lens and one HTTP client."""

    settings: Settings
    lens: Lens
    store: SqlStore
    clock: SystemClock
    collector: CollectService
    analyzer: AnalyzeService
    digests: DigestService
    asker: AskService
    ledger: LedgerService
    subscriptions: SubscriptionService
    poster: DigestPoster
    conversation: ConversationService


def build_fetch_policy(fetch: FetchSettings) -> FetchPolicy:
    """The collector's limits from settings."""
    contact = f" (+{fetch.contact})" if fetch.contact else ""
    return FetchPolicy(
        connect_timeout=fetch.connect_timeout,
        read_timeout=fetch.read_timeout,
        total_timeout=fetch.total_timeout,
        max_bytes=fetch.max_bytes,
        max_redirects=fetch.max_redirects,
        user_agent=f"{fetch.user_agent}{contact}",
        allow_hosts=fetch.allow_hosts,
        max_per_host=fetch.max_per_host,
        polite_delay=fetch.polite_delay,
    )


def build_http_client(policy: FetchPolicy) -> httpx.Client:
    """One pooled client; redirects are followed by HttpFetcher, hop by hop, not by httpx."""
    timeout = httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout)
    return httpx.Client(
        timeout=timeout,
        follow_redirects=False,
        headers={"User-Agent": policy.user_agent},
        trust_env=False,
    )


@contextmanager
def build_briefbot(settings: Settings) -> Iterator[Briefbot]:
    """Migrate the database, build every adapter and service; close them on exit."""
    lens = load_lens(settings.lens_path)
    engine = create_engine_for(settings.database_url)
    upgrade_engine_to_head(engine)
    policy = build_fetch_policy(settings.fetch())
    client = build_http_client(policy)
    llm_http = httpx.Client(trust_env=False)
    try:
        store = SqlStore(engine)
        clock = SystemClock()
        fetcher = HttpFetcher(client, policy)  # one per process: it holds the per-host throttle
        reader = HttpSourceReader(fetcher, robots=RobotsPolicy(fetcher), now=clock.now)
        digests = DigestService(store=store, lens=lens)
        ledger = LedgerService(store=store, lens=lens)
        asker = AskService(
            store=store, answerer=build_answerer(settings, http=llm_http, call_log=store)
        )
        yield Briefbot(
            settings=settings,
            lens=lens,
            store=store,
            clock=clock,
            collector=CollectService(
                reader=reader,
                store=store,
                signer=MinHashSigner(),
                clock=clock,
                chunk_chars=settings.chunk_chars,
                workers=settings.collect_workers,
            ),
            analyzer=build_analyze_service(
                settings, store=store, lens=lens, clock=clock, http=llm_http
            ),
            digests=digests,
            asker=asker,
            ledger=ledger,
            subscriptions=SubscriptionService(store=store, lens_ids=(lens.id,)),
            poster=DigestPoster(
                store=store,
                sinks=build_digest_sinks(settings, ledger=ledger, lens=lens),
                builders={lens.id: digests},
            ),
            conversation=ConversationService(
                store=store, asker=asker, clock=clock, access=build_chat_access(settings)
            ),
        )
    finally:
        client.close()
        llm_http.close()
        engine.dispose()


def build_digest_sinks(
    settings: Settings,
    *,
    ledger: LedgerService,
    lens: Lens,
    teams_http: httpx.Client | None = None,
) -> dict[Platform, DigestSink]:
    """The terminal and Teams always (a Teams subscription carries its own webhook URL);
    Slack when a bot token is set. Teams posts through ``teams_http`` when given, else
    through a short-lived client of its own per post."""
    chart = build_digest_chart(ledger, lens)
    sinks: dict[Platform, DigestSink] = {
        Platform.CONSOLE: ConsoleDigestSink(write_stdout),
        Platform.TEAMS: WorkflowsDigestSink(teams_http, chart=chart),
    }
    slack = settings.slack()
    if slack.bot_token is not None:
        client = build_web_client(slack.bot_token.get_secret_value(), base_url=slack.api_url)
        sinks[Platform.SLACK] = SlackDigestSink(client, chart=chart)
    return sinks


def build_chat_access(settings: Settings) -> ChatAccess:
    """Who may ask in chat, from the Slack settings."""
    slack = settings.slack()
    return ChatAccess.of(channels=slack.allowed_channels, users=slack.allowed_users, dms=slack.dms)


def build_answerer(
    settings: Settings, *, http: httpx.Client, call_log: LLMCallLog | None = None
) -> Answerer:
    """The LLM answerer (answer@v2, the extractive one standing in when a call fails) when an
    endpoint is configured; the extractive answerer otherwise."""
    if not settings.llm_base_url:
        return ExtractiveAnswerer()
    return LLMAnswerer(
        OpenAICompatibleClient(http, build_llm_config(settings), call_log=call_log),
        PromptLibrary(settings.prompts_dir).get(ANSWER_PROMPT, ANSWER_VERSION),
        fallback=ExtractiveAnswerer(),
    )


def build_llm_config(settings: Settings) -> LLMConfig:
    """The LLM client's configuration; raises ConfigError naming BRIEFBOT_LLM_BASE_URL when no
    endpoint is configured."""
    llm = settings.llm()
    if llm.base_url is None or llm.model is None:
        raise ConfigError("no LLM endpoint is configured: set BRIEFBOT_LLM_BASE_URL")
    return LLMConfig(
        base_url=llm.base_url,
        model=llm.model,
        api_key=llm.api_key.get_secret_value() if llm.api_key else None,
        api_version=llm.api_version,
        timeout=llm.timeout,
        max_retries=llm.max_retries,
        max_concurrency=llm.concurrency,
        structured_output=llm.structured_output,
    )


def build_analyze_service(
    settings: Settings, *, store: SqlStore, lens: Lens, clock: SystemClock, http: httpx.Client
) -> AnalyzeService:
    """The LLM analyzer when an endpoint is configured (the offline one stands in when it
    fails or the run's token budget is spent); the offline analyzer otherwise."""
    offline = OfflineAnalyzer()
    if not settings.llm_base_url:
        return AnalyzeService(analyzer=offline, store=store, lens=lens, clock=clock)
    return AnalyzeService(
        analyzer=build_llm_analyzer(settings, http=http, call_log=store, clock=clock),
        store=store,
        lens=lens,
        clock=clock,
        fallback=offline,
        token_budget=settings.llm().run_token_budget,
    )


def build_llm_analyzer(
    settings: Settings,
    *,
    http: httpx.Client,
    call_log: LLMCallLog | None = None,
    clock: Clock | None = None,
) -> LLMAnalyzer:
    """The LLM analyzer over ``http``: the extract prompt, the offline analyzer as fallback.

    Raises ConfigError naming BRIEFBOT_LLM_BASE_URL when no endpoint is configured.
    """
    llm = settings.llm()
    config = build_llm_config(settings)
    now = (clock or SystemClock()).now
    return LLMAnalyzer(
        OpenAICompatibleClient(http, config, call_log=call_log, now=now),
        PromptLibrary(settings.prompts_dir).get(EXTRACT_PROMPT, EXTRACT_VERSION),
        fallback=OfflineAnalyzer(),
        chunk_tokens=llm.chunk_tokens,
        document_token_budget=llm.document_token_budget,
    )
