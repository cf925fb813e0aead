"""Fixtures shared by every test folder. Folder-specific fixtures live in that folder's conftest."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def copy_example(source: Path, destination: Path) -> Path:
    """A copy of an example workspace as git has it: without the `.tailor/` (state, embedded
    sandbox) that the README's `tailor apply examples/quickstart` leaves in the checkout."""
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns(".tailor", "__pycache__"))
    return destination


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio only (the anyio pytest plugin ships with httpx)."""
    return "asyncio"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def skip_or_fail(reason: str) -> None:
    """Locally a missing service skips a test; under CI a skip would hide a gap, so it fails."""
    if IN_CI:
        pytest.fail(f"{reason} (a skip is a failure under CI=true)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_dsn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """DSN of a reachable PostgreSQL: TAILOR_TEST_POSTGRES_DSN when set, otherwise a server
    of our own from the `pgserver` package (the test extra), so that the README's test command
    runs every PostgreSQL test on a machine with no system packages."""
    dsn = os.environ.get("TAILOR_TEST_POSTGRES_DSN")
    if dsn:
        _check_postgres(dsn, "TAILOR_TEST_POSTGRES_DSN")
        yield dsn
        return
    with _own_postgres(_shared_tmp(tmp_path_factory) / "pgserver") as own:
        _check_postgres(own, "the pgserver of the test extra")
        yield own


def _check_postgres(dsn: str, where: str) -> None:
    try:
        import psycopg

        with psycopg.connect(dsn, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as error:  # any failure to connect means "no server here"
        skip_or_fail(f"no PostgreSQL reachable at {where}: {type(error).__name__}")


def _shared_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This run's temporary folder, the same for every xdist worker (their own are below it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def _own_postgres(pgdata: Path) -> Iterator[str]:
    """One PostgreSQL per test run in `pgdata`: the first worker starts it, the last one to
    finish stops it (pgserver counts the processes using it)."""
    try:
        with warnings.catch_warnings():  # platformdirs: XDG_RUNTIME_DIR unset, /tmp it is
            warnings.simplefilter("ignore")
            import pgserver
    except ImportError:
        skip_or_fail("TAILOR_TEST_POSTGRES_DSN is unset and pgserver is not installed")
        return
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    try:
        with _setup_lock(pgdata):
            yield _password_role(str(server.get_uri()), pgdata / "pg_hba.conf")
    finally:
        server.cleanup()


_TEST_ROLE = "tailor"
"""The role and password tests connect as (`.../tailor_test` on a system server alike), with
password authentication, so that a test of a wrong password sees the server refuse it."""


@contextmanager
def _setup_lock(pgdata: Path) -> Iterator[None]:
    """Workers set the shared server up one at a time."""
    import fcntl

    with (pgdata.parent / "pgserver.setup.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _password_role(admin_dsn: str, hba: Path) -> str:
    """Role `tailor` (password `tailor`) and database `tailor_test` on pgserver's socket;
    pgserver itself trusts every local connection."""
    from urllib.parse import parse_qs, urlsplit

    import psycopg

    socket_dir = parse_qs(urlsplit(admin_dsn).query)["host"][0]
    rule = f"local all {_TEST_ROLE} scram-sha-256\n"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (_TEST_ROLE,)).fetchone():
            conn.execute(f"CREATE ROLE {_TEST_ROLE} LOGIN SUPERUSER PASSWORD 'tailor'".encode())
            conn.execute(f"CREATE DATABASE tailor_test OWNER {_TEST_ROLE}".encode())
        if not hba.read_text().startswith(rule):
            hba.write_text(rule + hba.read_text())
            conn.execute("SELECT pg_reload_conf()")
    dsn = f"postgresql://{_TEST_ROLE}:tailor@/tailor_test?host={socket_dir}"
    for _ in range(50):  # the reload is asynchronous: until a wrong password is refused
        try:
            psycopg.connect(dsn.replace(":tailor@", ":wrong@"), connect_timeout=3).close()
        except psycopg.OperationalError:
            break
        time.sleep(0.1)
    return dsn


@pytest.fixture
def postgres_schema_dsn(postgres_dsn: str) -> Iterator[str]:
    """A DSN naming a schema of its own (`?schema=`), dropped afterwards: tests that write
    PostgreSQL state run in parallel without seeing each other."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:16]}"
    separator = "&" if "?" in postgres_dsn else "?"
    yield f"{postgres_dsn}{separator}schema={schema}"
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'.encode())


# ---- Bria sandbox fixtures (tests/sandbox owns them; every folder may use them) ---------------

SANDBOX_ORIGIN = "http://127.0.0.1:8787"
"""Origin the in-process sandbox believes it serves; control routes are `{origin}/_sandbox/...`."""
SANDBOX_BASE_URL = f"{SANDBOX_ORIGIN}/v1"
SANDBOX_TOKEN = "sandbox-test-token"
"""Any non-empty token is accepted by a sandbox created without `api_tokens`."""


@pytest.fixture
def sandbox_app() -> Any:
    """A fresh in-memory sandbox app (FastAPI), training 30 simulated seconds, no faults."""
    from reconciler.sandbox.app import create_app

    return create_app(public_url=SANDBOX_ORIGIN)


@pytest.fixture
async def sandbox_http(sandbox_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx.AsyncClient on `sandbox_app` in-process (no socket).

    base_url is SANDBOX_BASE_URL (`http://127.0.0.1:8787/v1`) and the `api_token` header is
    SANDBOX_TOKEN, so `await sandbox_http.get("/tailored-gen/projects")` is a Bria call. Control
    routes need the absolute URL: `sandbox_http.post(f"{SANDBOX_ORIGIN}/_sandbox/clock/advance",
    json={"seconds": 60})`. Use with `@pytest.mark.anyio`.
    """
    transport = httpx.ASGITransport(app=sandbox_app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url=SANDBOX_BASE_URL,
        headers={"api_token": SANDBOX_TOKEN},
        timeout=30.0,
    ) as client:
        yield client


@pytest.fixture(scope="session")
def sandbox_server_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`tailor sandbox serve` as a real subprocess on a free loopback port; yields its base URL.

    One process per test session (per xdist worker), with its own database file. Prefer
    `sandbox_server`, which empties it before each test. Startup waits at most 30 s; the
    process is terminated (then killed) at the end of the session.
    """
    db = tmp_path_factory.mktemp("sandbox") / "sandbox.db"
    with serve_sandbox(db) as process:
        yield f"{process.origin}/v1"


@dataclass
class SandboxProcess:
    origin: str
    """`http://127.0.0.1:PORT`: Bria's routes under /v1, control routes under /_sandbox."""
    process: subprocess.Popen[bytes]


@contextmanager
def serve_sandbox(
    db: Path,
    *,
    training_seconds: float | None = None,
    startup_seconds: float = 30.0,
    extra_args: tuple[str, ...] = (),
    port: int | None = None,
) -> Iterator[SandboxProcess]:
    """`tailor sandbox serve` as a real subprocess on a free loopback port, until the block ends.

    `extra_args` go to `serve` as given (e.g. `("--quota", "50")`); `port` serves again where
    a sandbox that was stopped served. Waits (bounded) until it answers; terminates it (then
    kills it) afterwards.
    """
    port = port or free_port()
    command = [
        sys.executable, "-c", "from reconciler.cli.main import main; main()",
        "sandbox", "serve", "--port", str(port), "--db", str(db),
    ]
    if training_seconds is not None:
        command += ["--training-seconds", str(training_seconds)]
    command += extra_args
    # A file, not a pipe: nobody reads the server's stderr while it runs, and a full pipe
    # (64 KiB of logged client disconnects) would block the server mid-test.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        origin = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + startup_seconds
        try:
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    error = log.read().decode(errors="replace")
                    pytest.fail(f"tailor sandbox serve exited early: {error[-2000:]}")
                try:
                    if httpx.get(f"{origin}/_sandbox/stats", timeout=1.0).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    waited = f"{startup_seconds:.0f} s"
                    pytest.fail(f"tailor sandbox serve did not answer within {waited}")
                time.sleep(0.05)
            yield SandboxProcess(origin, process)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture
def sandbox_server(sandbox_server_process: str) -> str:
    """Base URL `http://127.0.0.1:PORT/v1` of a real `tailor sandbox serve`, emptied for this test.

    The store, clock offset, faults and stats are reset (`POST /_sandbox/reset`) before the
    test; control routes are at `http://127.0.0.1:PORT/_sandbox/...`.
    """
    origin = sandbox_server_process.removesuffix("/v1")
    response = httpx.post(f"{origin}/_sandbox/reset", timeout=10.0)
    assert response.status_code == 200, response.text
    return sandbox_server_process
