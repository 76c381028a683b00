"""Opening databases: every failure is a one-line StorageError naming the URL, never a password."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.errors import StorageError
from storage.db import create_engine_for, mask_url


@pytest.mark.parametrize(
    "url",
    ["nonsense://", "not a url", "", "mysql+nosuchdriver://user@host/db", "sqlite+nope:///x.db"],
)
def test_malformed_urls_raise_storage_error(url: str) -> None:
    with pytest.raises(StorageError, match="cannot open database") as caught:
        create_engine_for(url)
    assert "\n" not in str(caught.value)


def test_unwritable_sqlite_directory_raises_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    url = f"sqlite:///{blocker / 'sub' / 'briefbot.db'}"
    with pytest.raises(StorageError, match=r"cannot open database sqlite:///.*a-file"):
        create_engine_for(url)


def test_sqlite_file_that_is_not_a_database_raises_storage_error(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database file at all" * 100)
    with pytest.raises(StorageError, match=r"garbage\.db"):
        create_engine_for(f"sqlite:///{garbage}")


def test_unreachable_server_hides_the_password() -> None:
    url = "postgresql+psycopg://briefbot:s3cret-pw@127.0.0.1:1/briefbot?connect_timeout=2"
    with pytest.raises(StorageError) as caught:
        create_engine_for(url)
    message = str(caught.value)
    assert "s3cret-pw" not in message
    assert "briefbot:***@127.0.0.1:1/briefbot" in message
    assert "\n" not in message


def test_sqlite_parent_directory_is_created(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "deeper" / "briefbot.db"
    engine = create_engine_for(f"sqlite:///{path}")
    engine.dispose()
    assert path.parent.is_dir()


def test_in_memory_sqlite_opens() -> None:
    engine = create_engine_for("sqlite://")
    engine.dispose()


def test_mask_url_hides_passwords_even_when_unparseable() -> None:
    assert mask_url("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"
    assert "pw" not in mask_url("::bad::u:pw@h")
