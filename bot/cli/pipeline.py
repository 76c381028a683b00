"""Pipeline commands: init, collect, analyze, digest, ask, demo, serve."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from bot.chat.console.render import render_answer, render_digest
from bot.cli.common import err, fail, one_line_errors, open_briefbot, out
from bot.cli.subscriptions import post_subscription_digest
from bot.demo.server import serve_directory
from bot.main import Briefbot
from bot.services.collect import CollectReport, SourceOutcome
from bot.settings import load_settings
from bot.sources.catalog import load_sources_file
from storage.db import mask_url

DEMO_QUESTION = "How many fighters does ISIS still have according to the inspector general?"


def init() -> None:
    """Create or upgrade the database schema."""
    with open_briefbot() as briefbot:
        out.print(f"Database ready: {mask_url(briefbot.settings.database_url)}", markup=False)


def collect(
    all_sources: Annotated[
        bool, typer.Option("--all", help="Poll every enabled source, due or not.")
    ] = False,
) -> None:
    """Poll due sources (conditional GET) and store new and updated documents."""
    with open_briefbot() as briefbot:
        report = run_collect(briefbot, include_not_due=all_sources)
    if report.outcomes and len(report.failed) == len(report.outcomes):
        fail("every source failed; see the table above")


def analyze(
    redo_degraded: Annotated[
        bool,
        typer.Option(
            "--redo-degraded",
            help="Read again with the LLM what the offline analyzer read in its place.",
        ),
    ] = False,
) -> None:
    """Analyze new documents under the lens."""
    with open_briefbot() as briefbot:
        if redo_degraded:
            report = briefbot.analyzer.redo_degraded()
            out.print(f"Read again {report.analyzed} documents.", markup=False)
        run_analyze(briefbot)


def digest(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the digest here.")] = False,
    since_hours: Annotated[
        float, typer.Option("--since-hours", min=0.0, max=24 * 365, help="Period covered.")
    ] = 24.0,
    post: Annotated[
        bool, typer.Option("--post", help="Post a subscription's digest now (once a day).")
    ] = False,
    subscription: Annotated[
        int | None, typer.Option("--subscription", help="The subscription to post for.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="With --post: post another edition today.")
    ] = False,
) -> None:
    """Print the digest for the period (--dry-run), or post a subscription's digest (--post)."""
    if post == dry_run or (post and subscription is None):
        usage = "use --dry-run, or --post --subscription ID [--force]"
        err.print(f"briefbot: error: {usage}", markup=False)
        raise typer.Exit(2)
    with open_briefbot() as briefbot:
        if subscription is not None and post:
            post_subscription_digest(briefbot, subscription, force=force)
        else:
            print_digest(briefbot, since_hours=since_hours)


def ask(question: Annotated[str, typer.Argument(help="The question, in quotes.")]) -> None:
    """Answer a question from the collected documents, with verified citations."""
    with open_briefbot() as briefbot:
        out.print(render_answer(briefbot.asker.ask(question)), markup=False)


def demo(
    question: Annotated[str, typer.Option(help="The sample question to answer.")] = DEMO_QUESTION,
) -> None:
    """The whole pipeline on the bundled sources: collect, analyze, digest, ask."""
    with one_line_errors():
        demo_dir = load_settings().demo_dir
    with (
        serve_directory(demo_dir) as base_url,
        open_briefbot(**demo_overrides(base_url)) as briefbot,
    ):
        specs = load_sources_file(demo_dir / "sources.yaml", base_url=base_url)
        for spec in specs:
            briefbot.store.upsert_source(spec)
        run_collect(briefbot, include_not_due=True, only={spec.name for spec in specs})
        run_analyze(briefbot)
        print_digest(briefbot, since_hours=24.0)
        out.print(render_answer(briefbot.asker.ask(question)), markup=False)


def demo_overrides(base_url: str) -> dict[str, object]:
    """The demo reaches only its own loopback server, and needs no politeness toward it."""
    return {
        "fetch_allow_hosts": base_url.removeprefix("http://"),
        "fetch_polite_delay": 0.0,
        "fetch_max_per_host": 8,
    }


def serve(
    http: Annotated[
        bool, typer.Option("--http", help="Slack over HTTP on /slack/events (else Socket Mode).")
    ] = False,
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="HTTP mode's port (0 picks a free one).")
    ] = 3000,
    host: Annotated[str, typer.Option(help="The address servers listen on.")] = "0.0.0.0",  # noqa: S104
    teams_port: Annotated[
        int | None,
        typer.Option(min=0, max=65535, help="Also serve the Teams bot (/api/messages) here."),
    ] = None,
) -> None:
    """Run the Slack app, the Teams bot (with --teams-port) and the scheduler until stopped."""
    # imported here: the Slack and Teams SDKs take over a second to load, and only serve uses them
    from bot.serve import ServeOptions
    from bot.serve import serve as run_server

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with open_briefbot() as briefbot, one_line_errors():
        options = ServeOptions(http=http, host=host, port=port, teams_port=teams_port)
        run_server(briefbot, options, announce=announce)


def announce(line: str) -> None:
    """Tell the operator (and tests) where the server listens."""
    err.print(line, markup=False)


def run_collect(
    briefbot: Briefbot, *, include_not_due: bool, only: set[str] | None = None
) -> CollectReport:
    """Collect with a progress bar, then print a summary table."""
    sources = briefbot.collector.due_sources(include_not_due=include_not_due)
    if only is not None:
        sources = [source for source in sources if source.name in only]
    with _progress() as progress:
        task = progress.add_task("Collecting", total=len(sources))
        report = briefbot.collector.collect(sources, on_outcome=_advance(progress, task))
    briefbot.store.refresh_search_index()
    out.print(render_collect_table(report))
    for line in render_collect_notes(report):
        out.print(line, markup=False)
    return report


def run_analyze(briefbot: Briefbot) -> None:
    """Analyze pending documents with a progress bar and print the totals."""
    pending = len(briefbot.analyzer.pending_documents())
    with _progress() as progress:
        task = progress.add_task("Analyzing", total=pending)
        report = briefbot.analyzer.analyze_pending(on_outcome=_advance(progress, task))
    out.print(
        f"Analyzed {report.analyzed} documents: {report.claims} claims, "
        f"{report.indicators} indicator observations, {report.quotes_dropped} unverified "
        f"quotes dropped"
        + (f", {report.degraded} read by the offline stand-in." if report.degraded else "."),
        markup=False,
    )
    for outcome in report.outcomes:
        if outcome.error:
            err.print(f"  {outcome.title}: {outcome.error}", markup=False)


def print_digest(briefbot: Briefbot, *, since_hours: float) -> None:
    """Render the digest for the last ``since_hours`` hours to the terminal."""
    now = briefbot.clock.now()
    built = briefbot.digests.build(since=now - timedelta(hours=since_hours), now=now)
    out.print(render_digest(built), markup=False)


def render_collect_table(report: CollectReport) -> Table:
    """One row per source: status and what its documents turned out to be."""
    table = Table("source", "status", "new", "updated", "unchanged", "linked", "skipped")
    table.title = "Collection"
    for outcome in report.outcomes:
        table.add_row(*_collect_row(outcome))
    return table


def _collect_row(outcome: SourceOutcome) -> tuple[str, ...]:
    counts = (outcome.new, outcome.updated, outcome.unchanged, outcome.linked)
    return (outcome.source, outcome.status.value, *map(str, counts), str(len(outcome.skipped)))


def render_collect_notes(report: CollectReport) -> list[str]:
    """One line per failed source and per skipped item, with its reason."""
    lines = [f"failed  {o.source}: {o.error}" for o in report.outcomes if o.error]
    lines += [f"skipped {o.source}: {why}" for o in report.outcomes for why in o.skipped]
    return lines


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
    )


def _advance(progress: Progress, task: TaskID) -> Callable[[object], None]:
    def advance(_: object) -> None:
        progress.advance(task)

    return advance
