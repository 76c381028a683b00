"""``briefbot serve``: the Slack app, the Teams bot and the scheduler in one process.

Boot order: the scheduler starts paused, its job context is installed, its jobs are synced
with the subscription table (added only if missing, so a digest missed while the process was
down still runs), then it resumes; then the Slack app serves (Socket Mode when
``SLACK_APP_TOKEN`` is set, HTTP mode with ``--http``) and, with ``--teams-port``, the Teams
bot on ``/api/messages`` beside it, until SIGTERM or Ctrl-C. A sync job
re-reads the subscription table every minute, so ``briefbot subscribe`` from another shell
takes effect without a restart.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from types import FrameType
from typing import Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from slack_bolt import App

from bot.chat.slack.app import build_slack_app
from bot.chat.slack.client import build_web_client
from bot.chat.slack.intake import EventQueue
from bot.chat.slack.server import HttpServer, SocketModeRunner, build_wsgi_app
from bot.chat.slack.services import SlackServices
from bot.chat.teams.server import TeamsServer, build_teams_server
from bot.domain.errors import BriefbotError, ConfigError
from bot.main import Briefbot
from bot.scheduling.jobs import (
    JobContext,
    install_job_context,
    run_collect_job,
    run_digest_job,
    run_sync_job,
)
from bot.scheduling.scheduler import SyncReport, build_scheduler, sync_jobs
from bot.services.conversation import ChatAccess

logger = logging.getLogger(__name__)

SYNC_JOB_ID = "sync"
SYNC_SECONDS = 60
HTTP_THREADS = 8


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """How to serve: Slack over HTTP (``http``) on ``host:port``, else Socket Mode."""

    http: bool = False
    host: str = "0.0.0.0"  # noqa: S104 - a server listens on every interface by default
    port: int = 3000
    teams_port: int | None = None  # the Teams bot's port; None: no Teams bot


class Server(Protocol):
    def serve_forever(self) -> None: ...

    def close(self) -> None: ...


def serve(briefbot: Briefbot, options: ServeOptions, *, announce: Callable[[str], None]) -> None:
    """Run the scheduler and the chat servers until stopped; raises ConfigError when Slack
    (or Teams, with ``teams_port``) is not configured for the chosen mode."""
    pool = ThreadPoolExecutor(
        max_workers=briefbot.settings.serve().chat_workers, thread_name_prefix="briefbot-chat"
    )
    try:
        _serve(briefbot, build_servers(briefbot, options, pool), announce)
    finally:
        finish_answers(pool)


def _serve(briefbot: Briefbot, servers: list[Server], announce: Callable[[str], None]) -> None:
    main, *others = servers
    threads = [
        threading.Thread(target=server.serve_forever, name="briefbot-server", daemon=True)
        for server in others
    ]
    with running_scheduler(briefbot), stopping_on_signals(servers):
        threading.Thread(  # the first question shouldn't wait for the search index
            target=briefbot.store.refresh_search_index, name="briefbot-search-index", daemon=True
        ).start()
        for server, thread in zip(others, threads, strict=True):
            thread.start()
            announce(describe_server(server))
        announce(describe_server(main))
        main.serve_forever()
    for thread in threads:
        thread.join(timeout=15)


def finish_answers(pool: ThreadPoolExecutor) -> None:
    """On the way out: answers being written are finished (the LLM client is still open);
    questions not yet started are dropped, and the log says so."""
    logger.info("briefbot serve: finishing answers in progress; queued questions are dropped")
    pool.shutdown(wait=True, cancel_futures=True)


def build_servers(
    briefbot: Briefbot, options: ServeOptions, pool: ThreadPoolExecutor | None = None
) -> list[Server]:
    """Slack's server (unless only Teams is asked for and Slack has no token), then Teams'.
    Slack's answers run on ``pool``."""
    servers: list[Server] = []
    slack_wanted = options.teams_port is None or options.http
    if slack_wanted or briefbot.settings.slack().bot_token is not None:
        servers.append(build_slack_server(briefbot, options, pool))
    if options.teams_port is not None:
        servers.append(build_teams(briefbot, host=options.host, port=options.teams_port))
    return servers


def build_teams(briefbot: Briefbot, *, host: str, port: int) -> Server:
    """The Teams bot on ``/api/messages``: the same conversation service, Teams' own
    allow-list of users."""
    teams = briefbot.settings.teams()
    access = ChatAccess.of(users=teams.allowed_users)
    return build_teams_server(
        replace(briefbot.conversation, access=access),
        app_id=teams.app_id,
        app_password=teams.app_password.get_secret_value() if teams.app_password else None,
        tenant_id=teams.tenant_id,
        allow_anonymous=teams.allow_anonymous,
        host=host,
        port=port,
        workers=briefbot.settings.serve().chat_workers,
        health=lambda: check_health(briefbot),
    )


def build_slack_server(
    briefbot: Briefbot, options: ServeOptions, pool: ThreadPoolExecutor | None = None
) -> Server:
    """The HTTP server or the Socket Mode connection for the Slack app."""
    slack = briefbot.settings.slack()
    if slack.bot_token is None:
        raise ConfigError("briefbot serve needs SLACK_BOT_TOKEN (see README: Connect Slack)")
    if options.http and slack.signing_secret is None:
        raise ConfigError("HTTP mode needs SLACK_SIGNING_SECRET to verify Slack's requests")
    if not options.http and slack.app_token is None:
        raise ConfigError("Socket Mode needs SLACK_APP_TOKEN (xapp-…); or serve with --http")
    app = build_slack(briefbot, signed=options.http, executor=pool)
    if options.http:
        assert slack.signing_secret is not None
        events = EventQueue(app, signing_secret=slack.signing_secret.get_secret_value())
        wsgi = build_wsgi_app(app, health=lambda: check_health(briefbot), events=events)
        return HttpServer(
            wsgi, host=options.host, port=options.port, threads=HTTP_THREADS, events=events
        )
    assert slack.app_token is not None
    return SocketModeRunner(app, app_token=slack.app_token.get_secret_value())


def build_slack(
    briefbot: Briefbot, *, signed: bool, executor: ThreadPoolExecutor | None = None
) -> App:
    """The bolt app over Briefbot's services; ``signed`` turns request verification on.
    Answers run on ``executor`` (a pool of BRIEFBOT_CHAT_WORKERS threads when None)."""
    slack = briefbot.settings.slack()
    assert slack.bot_token is not None
    client = build_web_client(slack.bot_token.get_secret_value(), base_url=slack.api_url)
    workers = briefbot.settings.serve().chat_workers
    services = SlackServices(
        conversation=briefbot.conversation,
        subscriptions=briefbot.subscriptions,
        poster=briefbot.poster,
        ledger=briefbot.ledger,
        sources=briefbot.store,
        clock=briefbot.clock,
        on_subscriptions_changed=run_sync_job,
    )
    secret = slack.signing_secret.get_secret_value() if signed and slack.signing_secret else None
    return build_slack_app(
        services,
        client=client,
        signing_secret=secret,
        executor=executor
        or ThreadPoolExecutor(max_workers=workers, thread_name_prefix="briefbot-chat"),
    )


def describe_server(server: Server) -> str:
    """The line printed once the server is up (tests read the port from it)."""
    if isinstance(server, HttpServer):
        return f"Briefbot is listening on http://{server.host}:{server.port}/slack/events"
    if isinstance(server, TeamsServer):
        return f"Briefbot (Teams) is listening on http://{server.host}:{server.port}/api/messages"
    return "Briefbot is connected to Slack over Socket Mode"


def check_health(briefbot: Briefbot) -> str | None:
    """None when the database answers, else why not."""
    try:
        briefbot.store.list_subscriptions(enabled_only=True)
    except BriefbotError as exc:
        return str(exc)
    return None


@contextmanager
def running_scheduler(briefbot: Briefbot) -> Iterator[BackgroundScheduler]:
    """Start the scheduler (paused, synced, resumed) and shut it down on exit."""
    scheduler = build_scheduler(briefbot.settings.serve().jobstore_url)
    scheduler.start(paused=True)
    install_job_context(
        JobContext(
            poster=briefbot.poster,
            subscriptions=briefbot.store,
            collect=lambda: collect_and_analyze(briefbot),
            now=briefbot.clock.now,
            sync=lambda: sync_schedule(scheduler, briefbot),
        )
    )
    try:
        report = sync_schedule(scheduler, briefbot)
        logger.info(
            "scheduler: %d jobs added, %d rescheduled, %d kept, %d removed",
            len(report.added),
            len(report.rescheduled),
            len(report.kept),
            len(report.removed),
        )
        scheduler.add_job(
            run_sync_job,
            IntervalTrigger(seconds=SYNC_SECONDS),
            id=SYNC_JOB_ID,
            name="sync subscriptions",
            replace_existing=True,  # a missed sync is not worth keeping
        )
        scheduler.resume()
        yield scheduler
    finally:
        scheduler.shutdown(wait=False)
        install_job_context(None)


def sync_schedule(scheduler: BackgroundScheduler, briefbot: Briefbot) -> SyncReport:
    """Make the scheduler's jobs match the subscription table."""
    return sync_jobs(
        scheduler,
        briefbot.store.list_subscriptions(enabled_only=True),
        digest_job=run_digest_job,
        collect_minutes=briefbot.settings.serve().collect_every_minutes,
        collect_job=run_collect_job,
    )


def collect_and_analyze(briefbot: Briefbot) -> None:
    """One scheduled round: poll due sources, analyze what is new, forget old chat events."""
    sources = briefbot.collector.due_sources(include_not_due=False)
    report = briefbot.collector.collect(sources)
    briefbot.store.refresh_search_index()
    analyzed = briefbot.analyzer.analyze_pending()
    forgotten = briefbot.conversation.forget_old_events()
    logger.info(
        "collect: %d sources, %d failed; analyzed %d documents; %d old chat events dropped",
        len(report.outcomes),
        len(report.failed),
        analyzed.analyzed,
        forgotten,
    )


@contextmanager
def stopping_on_signals(servers: list[Server]) -> Iterator[None]:
    """SIGTERM and SIGINT stop serving; every server is closed on the way out."""
    if threading.current_thread() is not threading.main_thread():
        try:
            yield
        finally:
            close_all(servers)
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        logger.info("briefbot serve: signal %d, stopping", signum)
        raise SystemExit(0)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        close_all(servers)


def close_all(servers: list[Server]) -> None:
    """Close every server; one that fails to close does not keep the others open."""
    for server in servers:
        try:
            server.close()
        except Exception:
            logger.exception("closing %s failed", type(server).__name__)
