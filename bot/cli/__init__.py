"""The ``briefbot`` command line: thin commands over the services built in bot.main.

Exit codes: 0 ok, 2 usage error, 1 failure with a one-line reason on stderr (the traceback
only with ``--debug``).
"""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli import evaluation, ledger, pipeline, sources, subscriptions
from bot.cli.common import state

app = typer.Typer(
    name="briefbot",
    help="Briefbot: tests declared victories against dated, cited evidence.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
for command in (
    pipeline.init,
    pipeline.collect,
    pipeline.analyze,
    pipeline.digest,
    pipeline.ask,
    ledger.claims,
    ledger.series,
    pipeline.demo,
    pipeline.serve,
    subscriptions.subscribe,
    subscriptions.unsubscribe,
    subscriptions.subscriptions,
):
    app.command()(command)
app.command("eval")(evaluation.evaluate)
app.add_typer(sources.app, name="sources")


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    state["debug"] = debug


def main() -> None:
    """Entry point for the ``briefbot`` script."""
    app(prog_name="briefbot")
