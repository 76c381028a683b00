"""A SQLite database holding the demo documents, collected and analyzed once per test session.

Chat tests need real documents to retrieve and cite; collecting the bundled demo sources over
the loopback demo server gives them, as ``briefbot demo`` would. Each test gets its own copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.demo.server import serve_directory
from bot.main import build_briefbot
from bot.settings import DEFAULT_DEMO_DIR, load_settings
from bot.sources.catalog import load_sources_file


def build_demo_database(path: Path) -> Path:
    """Collect and analyze the demo sources into a new SQLite file at ``path``."""
    url = f"sqlite:///{path}"
    with serve_directory(DEFAULT_DEMO_DIR) as base_url:
        settings = load_settings(
            database_url=url,
            fetch_allow_hosts=base_url.removeprefix("http://"),
            fetch_polite_delay=0.0,
            fetch_max_per_host=8,
        )
        with build_briefbot(settings) as briefbot:
            specs = load_sources_file(DEFAULT_DEMO_DIR / "sources.yaml", base_url=base_url)
            for spec in specs:
                briefbot.store.upsert_source(spec)
            sources = briefbot.collector.due_sources(include_not_due=True)
            briefbot.collector.collect(sources)
            briefbot.analyzer.analyze_pending()
    return path


def copy_database(template: Path, directory: Path) -> str:
    """A private copy of ``template`` in ``directory``; returns its SQLAlchemy URL."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "briefbot.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"
