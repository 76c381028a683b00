"""``briefbot sources …``: add, list, show, remove, sync, import-opml, export-opml."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bot.cli.common import fail, open_briefbot, out
from bot.domain.errors import ConfigError
from bot.domain.models import DocumentKind, Source, SourceKind, SourceSpec
from bot.sources.catalog import load_sources_file
from bot.sources.opml import MAX_OPML_BYTES, parse_opml, render_opml
from bot.sources.urls import require_http_url

app = typer.Typer(help="Manage the sources Briefbot polls.", no_args_is_help=True)


@app.command("list")
def list_sources() -> None:
    """Every source with its health."""
    with open_briefbot() as briefbot:
        out.print(render_sources_table(briefbot.store.list_sources()))


@app.command("show")
def show_source(name: Annotated[str, typer.Argument(help="The source's name.")]) -> None:
    """One source's settings and health."""
    with open_briefbot() as briefbot:
        source = briefbot.store.get_source(name)
        if source is None:
            fail(f"no source named {name!r}")
        out.print(render_source_details(source), markup=False)


@app.command("add")
def add_source(
    url: Annotated[str, typer.Argument(help="The feed, page, listing or PDF URL.")],
    kind: Annotated[SourceKind, typer.Option(help="How to read it.")] = SourceKind.RSS,
    name: Annotated[str | None, typer.Option(help="A short unique name.")] = None,
    tags: Annotated[str, typer.Option(help="Comma-separated tags.")] = "",
    speaker: Annotated[str | None, typer.Option(help="Who speaks in its documents.")] = None,
    statements: Annotated[
        bool, typer.Option("--statements", help="Its documents are statements.")
    ] = False,
    document_kind: Annotated[
        DocumentKind, typer.Option(help="What its documents are, unless statements.")
    ] = DocumentKind.NEWS,
    link_pattern: Annotated[
        str | None, typer.Option(help="Listing pages: follow links matching this regex.")
    ] = None,
    poll_minutes: Annotated[int, typer.Option(min=1, max=43200, help="Poll interval.")] = 60,
    no_robots: Annotated[
        bool, typer.Option("--no-robots", help="Listing pages: ignore robots.txt.")
    ] = False,
) -> None:
    """Add a source (or update the one with the same name)."""
    with open_briefbot() as briefbot:
        checked = require_http_url(url)
        spec = SourceSpec(
            name=name or checked,
            url=checked,
            kind=kind,
            tags=split_tags(tags),
            speaker=speaker,
            statements=statements,
            document_kind=DocumentKind.STATEMENT if statements else document_kind,
            poll_minutes=poll_minutes,
            link_pattern=link_pattern,
            respect_robots=not no_robots,
        )
        source = briefbot.store.upsert_source(spec)
        out.print(f"Source {source.name!r} saved ({source.spec.kind.value}).", markup=False)


@app.command("remove")
def remove_source(name: Annotated[str, typer.Argument(help="The source's name.")]) -> None:
    """Remove a source; its documents stay."""
    with open_briefbot() as briefbot:
        if not briefbot.store.remove_source(name):
            fail(f"no source named {name!r}")
        out.print(f"Source {name!r} removed.", markup=False)


@app.command("sync")
def sync_sources(path: Annotated[Path, typer.Argument(help="A sources.yaml file.")]) -> None:
    """Add or update every source in a sources.yaml file."""
    with open_briefbot() as briefbot:
        specs = load_sources_file(path)
        for spec in specs:
            briefbot.store.upsert_source(spec)
        out.print(f"{len(specs)} sources synced from {path}.", markup=False)


@app.command("import-opml")
def import_opml(path: Annotated[Path, typer.Argument(help="An OPML file of feeds.")]) -> None:
    """Add or update the feeds listed in an OPML file (what feed readers export)."""
    with open_briefbot() as briefbot:
        result = parse_opml(read_limited(path), path_or_url=str(path))
        names_by_url = {source.url: source.name for source in briefbot.store.list_sources()}
        for spec in result.specs:  # a feed already known by its URL keeps its name
            briefbot.store.upsert_source(replace(spec, name=names_by_url.get(spec.url, spec.name)))
        out.print(f"{len(result.specs)} feeds imported from {path}.", markup=False)
        for reason in result.skipped:
            out.print(f"  skipped: {reason}", markup=False)


@app.command("export-opml")
def export_opml(
    path: Annotated[Path | None, typer.Argument(help="Write here instead of stdout.")] = None,
) -> None:
    """Write the feed sources as OPML 2.0."""
    with open_briefbot() as briefbot:
        feeds = [
            source.spec
            for source in briefbot.store.list_sources()
            if source.spec.kind in (SourceKind.RSS, SourceKind.ATOM)
        ]
        text = render_opml(feeds, title="Briefbot sources")
        if path is None:
            out.print(text, markup=False, end="")
            return
        path.write_text(text, encoding="utf-8")
        out.print(f"{len(feeds)} feeds written to {path}.", markup=False)


def read_limited(path: Path) -> bytes:
    """The file's bytes, refusing a missing or oversized file with a ConfigError."""
    try:
        if path.stat().st_size > MAX_OPML_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_OPML_BYTES} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def split_tags(tags: str) -> tuple[str, ...]:
    """'a, b,,c' → ('a', 'b', 'c')."""
    return tuple(tag.strip() for tag in tags.split(",") if tag.strip())


def render_sources_table(sources: list[Source]) -> Table:
    """Sources with their health, one row each."""
    table = Table("name", "kind", "url", "on", "last ok", "failures", "documents", "last error")
    for source in sources:
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
    return table


def render_source_details(source: Source) -> str:
    """A source's settings and health, one 'field: value' line each."""
    spec = source.spec
    fields = {
        "name": spec.name,
        "url": spec.url,
        "kind": spec.kind.value,
        "documents are": spec.document_kind.value,
        "speaker": spec.speaker or "-",
        "tags": ", ".join(spec.tags) or "-",
        "poll every": f"{spec.poll_minutes} min",
        "link pattern": spec.link_pattern or "-",
        "robots.txt": "respected" if spec.respect_robots else "ignored",
        "enabled": "yes" if spec.enabled else "no",
        "last polled": _when(source.last_polled_at),
        "last success": _when(source.last_ok_at),
        "consecutive failures": str(source.failure_count),
        "last error": source.last_error or "-",
        "documents collected": str(source.document_count),
        "etag / last-modified": f"{source.etag or '-'} / {source.last_modified or '-'}",
    }
    width = max(map(len, fields))
    return "\n".join(f"{key:<{width}}  {value}" for key, value in fields.items())


def _when(value: object) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value is not None else "never"
