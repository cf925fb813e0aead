"""`tailor sandbox serve` in its own process, for benchmarks that measure over a real socket.

One copy of "pick a free port, start the server, wait until it answers", which several
benchmark scripts had each written for themselves."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def sandbox(latency_ms: int = 0, extra_args: tuple[str, ...] = ()) -> Iterator[str]:
    """A sandbox answering after `latency_ms` per request; yields its origin. Waits at most
    30 s for it to answer, then runs the benchmark anyway (its first request will say why).
    `extra_args` go to `serve` as given (e.g. `("--requests-per-minute", "10")`)."""
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "reconciler.cli", "sandbox", "serve", "--port", str(port),
         "--latency-ms", str(latency_ms), *extra_args],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                httpx.get(f"{origin}/_sandbox/stats", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield origin
    finally:
        server.terminate()
        server.wait(timeout=10)
