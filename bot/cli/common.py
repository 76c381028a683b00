"""What every command shares: consoles, the --debug state, one-line errors, building the app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console

from bot.domain.errors import BriefbotError
from bot.main import Briefbot, build_briefbot
from bot.settings import load_settings

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
state = {"debug": False}


def fail(message: str) -> NoReturn:
    """Print one line on stderr and exit 1."""
    err.print(f"briefbot: error: {' '.join(message.split())}", markup=False)
    raise typer.Exit(1)


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Any failure inside becomes a one-line error and exit 1 (a traceback with --debug)."""
    try:
        yield
    except typer.Exit:
        raise
    except BriefbotError as exc:
        if state["debug"]:
            raise
        fail(str(exc))
    except Exception as exc:
        if state["debug"]:
            raise
        fail(f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)")


@contextmanager
def open_briefbot(**overrides: object) -> Iterator[Briefbot]:
    """Build the app from settings (``overrides`` win over the environment)."""
    with one_line_errors(), build_briefbot(load_settings(**overrides)) as briefbot:
        yield briefbot
