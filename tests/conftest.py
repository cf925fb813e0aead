"""Fixtures shared by every test folder. Folder-specific fixtures live in that folder's conftest."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


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
def postgres_dsn() -> Iterator[str]:
    """DSN of a reachable PostgreSQL (TAILOR_TEST_POSTGRES_DSN, as `.ci/run` sets it)."""
    dsn = os.environ.get(
        "TAILOR_TEST_POSTGRES_DSN", "postgresql://tailor:tailor@127.0.0.1:5432/tailor_test"
    )
    try:
        import psycopg

        with psycopg.connect(dsn, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as error:  # any failure to connect means "no server here"
        skip_or_fail(f"no PostgreSQL reachable at TAILOR_TEST_POSTGRES_DSN: {type(error).__name__}")
    yield dsn
