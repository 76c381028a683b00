"""The ``briefbot`` command line: thin commands over the services built in bot.main.

Exit codes: 0 ok, 2 usage error, 1 failure with a one-line reason on stderr (the traceback
only with ``--debug``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from bot.chat.console.render import render_answer, render_claims, render_digest
from bot.demo.server import LOOPBACK, serve_directory
from bot.domain.errors import BriefbotError
from bot.domain.models import DocumentKind, SourceKind, SourceSpec
from bot.main import Briefbot, build_briefbot
from bot.services.collect import CollectReport, SourceOutcome
from bot.settings import load_settings
from bot.sources.catalog import load_sources_file
from bot.sources.urls import require_http_url
from storage.db import mask_url

DEMO_QUESTION = "How many fighters does ISIS still have according to the inspector general?"

app = typer.Typer(
    name="briefbot",
    help="Briefbot: tests declared victories against dated, cited evidence.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
sources_app = typer.Typer(help="Manage the sources Briefbot polls.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
_state = {"debug": False}


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    _state["debug"] = debug


def fail(message: str) -> NoReturn:
    """Print one line on stderr and exit 1."""
    err.print(f"briefbot: error: {' '.join(message.split())}", markup=False)
    raise typer.Exit(1)


@contextmanager
def open_briefbot(*, extra_allow_hosts: tuple[str, ...] = ()) -> Iterator[Briefbot]:
    """Build the app from settings; any failure becomes a one-line error and exit 1."""
    try:
        with build_briefbot(load_settings(), extra_allow_hosts=extra_allow_hosts) as briefbot:
            yield briefbot
    except typer.Exit:
        raise
    except BriefbotError as exc:
        if _state["debug"]:
            raise
        fail(str(exc))
    except Exception as exc:
        if _state["debug"]:
            raise
        fail(f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)")


@app.command()
def init() -> None:
    """Create or upgrade the database schema."""
    with open_briefbot() as briefbot:
        out.print(f"Database ready: {mask_url(briefbot.settings.database_url)}", markup=False)


@app.command()
def collect(
    all_sources: Annotated[
        bool, typer.Option("--all", help="Poll every enabled source, due or not.")
    ] = False,
) -> None:
    """Poll due sources and store new documents."""
    with open_briefbot() as briefbot:
        report = run_collect(briefbot, include_not_due=all_sources)
    if report.outcomes and len(report.failed) == len(report.outcomes):
        fail("every source failed; see the table above")


@app.command()
def analyze() -> None:
    """Analyze new documents under the lens."""
    with open_briefbot() as briefbot:
        run_analyze(briefbot)


@app.command()
def digest(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the digest here.")] = False,
    since_hours: Annotated[
        float, typer.Option("--since-hours", min=0.0, max=24 * 365, help="Period covered.")
    ] = 24.0,
) -> None:
    """Build the digest for the period and print it (posting arrives with the chat platforms)."""
    if not dry_run:
        err.print("briefbot: error: posting needs a chat platform; use --dry-run", markup=False)
        raise typer.Exit(2)
    with open_briefbot() as briefbot:
        print_digest(briefbot, since_hours=since_hours)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
) -> None:
    """Answer a question from the collected documents, with verified citations."""
    with open_briefbot() as briefbot:
        out.print(render_answer(briefbot.asker.ask(question)), markup=False)


@app.command()
def claims() -> None:
    """The claim ledger: every declaration of victory found, oldest first."""
    with open_briefbot() as briefbot:
        ledger = briefbot.store.list_claims(lens_id=briefbot.lens.id)
        out.print(render_claims(ledger), markup=False)


@app.command()
def demo(
    question: Annotated[str, typer.Option(help="The sample question to answer.")] = DEMO_QUESTION,
) -> None:
    """The whole pipeline on the bundled sources: collect, analyze, digest, ask."""
    with open_briefbot(extra_allow_hosts=(LOOPBACK,)) as briefbot:
        demo_dir = briefbot.settings.demo_dir
        with serve_directory(demo_dir) as base_url:
            specs = load_sources_file(demo_dir / "sources.yaml", base_url=base_url)
            for spec in specs:
                briefbot.store.upsert_source(spec)
            run_collect(briefbot, include_not_due=True, only={spec.name for spec in specs})
            run_analyze(briefbot)
            print_digest(briefbot, since_hours=24.0)
            out.print(render_answer(briefbot.asker.ask(question)), markup=False)


@app.command()
def serve() -> None:
    """Run the chat apps and the scheduler."""
    fail("serve: no chat platform is configured yet (Slack support arrives in a later release)")


@sources_app.command("list")
def sources_list() -> None:
    """Every source with its health."""
    with open_briefbot() as briefbot:
        table = Table(
            "name", "kind", "url", "enabled", "last ok", "failures", "documents", "last error"
        )
        for source in briefbot.store.list_sources():
            table.add_row(
                source.name,
                source.spec.kind.value,
                source.url,
                "yes" if source.spec.enabled else "no",
                f"{source.last_ok_at:%Y-%m-%d %H:%M}" if source.last_ok_at else "never",
                str(source.failure_count),
                str(source.document_count),
                source.last_error or "",
            )
        out.print(table)


@sources_app.command("add")
def sources_add(
    url: Annotated[str, typer.Argument(help="The feed, page or PDF URL.")],
    kind: Annotated[SourceKind, typer.Option(help="How to read it.")] = SourceKind.RSS,
    name: Annotated[str | None, typer.Option(help="A short unique name.")] = None,
    tags: Annotated[str, typer.Option(help="Comma-separated tags.")] = "",
    speaker: Annotated[str | None, typer.Option(help="Who speaks in its documents.")] = None,
    statements: Annotated[
        bool, typer.Option("--statements", help="Its documents are statements.")
    ] = False,
) -> None:
    """Add a source (or update the one with the same name)."""
    with open_briefbot() as briefbot:
        spec = SourceSpec(
            name=name or require_http_url(url),
            url=require_http_url(url),
            kind=kind,
            tags=tuple(tag.strip() for tag in tags.split(",") if tag.strip()),
            speaker=speaker,
            statements=statements,
            document_kind=DocumentKind.STATEMENT if statements else DocumentKind.NEWS,
        )
        source = briefbot.store.upsert_source(spec)
        out.print(f"Source {source.name!r} saved ({source.spec.kind.value}).", markup=False)


@sources_app.command("remove")
def sources_remove(name: Annotated[str, typer.Argument(help="The source's name.")]) -> None:
    """Remove a source; its documents stay."""
    with open_briefbot() as briefbot:
        if not briefbot.store.remove_source(name):
            fail(f"no source named {name!r}")
        out.print(f"Source {name!r} removed.", markup=False)


@sources_app.command("sync")
def sources_sync(path: Annotated[Path, typer.Argument(help="A sources.yaml file.")]) -> None:
    """Add or update every source in a sources.yaml file."""
    with open_briefbot() as briefbot:
        specs = load_sources_file(path)
        for spec in specs:
            briefbot.store.upsert_source(spec)
        out.print(f"{len(specs)} sources synced from {path}.", markup=False)


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
    _print_collect_table(report)
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
        "quotes dropped.",
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


def _print_collect_table(report: CollectReport) -> None:
    table = Table("source", "status", "new", "duplicates", "note", title="Collection")
    for outcome in report.outcomes:
        table.add_row(*_collect_row(outcome))
    out.print(table)


def _collect_row(outcome: SourceOutcome) -> tuple[str, str, str, str, str]:
    note = outcome.error or "; ".join(outcome.skipped)
    return (outcome.source, outcome.status.value, str(outcome.new), str(outcome.duplicates), note)


def main() -> None:
    """Entry point for the ``briefbot`` script."""
    app(prog_name="briefbot")


if __name__ == "__main__":  # pragma: no cover
    main()
