"""`tailor sandbox serve`: the Bria emulator over HTTP, for tests and local experiments."""

from __future__ import annotations

import contextlib
import socket

import click

from reconciler.cli.options import WholeHelpGroup
from reconciler.errors import ConfigError


@click.group(name="sandbox", cls=WholeHelpGroup)
def sandbox() -> None:
    """Run the Bria Tailored Generation emulator."""


@sandbox.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=8787,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="TCP port to listen on.",
)
@click.option(
    "--db",
    "db_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="SQLite file that keeps the sandbox across restarts (default: in memory).",
)
@click.option(
    "--latency-ms",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help="Delay added to every Bria API request.",
)
@click.option(
    "--training-seconds",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0.0),
    help="Simulated duration of one training on the wall clock.",
)
@click.option(
    "--requests-per-minute",
    default=None,
    type=click.IntRange(1),
    help="Answer 429 (no body, no Retry-After) past this many Bria requests a minute.",
)
@click.option(
    "--quota",
    default=None,
    type=click.IntRange(0),
    help="Answer 403 with Bria's quota message once this many Bria requests were made.",
)
def serve(
    host: str,
    port: int,
    db_path: str | None,
    latency_ms: int,
    training_seconds: float,
    requests_per_minute: int | None,
    quota: int | None,
) -> None:
    """Serve the sandbox at http://HOST:PORT/v1 until interrupted.

    Limits (--requests-per-minute, --quota) behave like a Bria plan's; raise or clear them
    while it runs with PUT /_sandbox/limits.
    """
    import sqlite3

    import uvicorn

    from reconciler.sandbox.app import create_app

    shown_host = f"[{host}]" if ":" in host else host
    public_url = f"http://{shown_host}:{port}"
    try:
        app = create_app(
            db_path=db_path,
            training_seconds=training_seconds,
            latency_ms=latency_ms,
            public_url=public_url,
            requests_per_minute=requests_per_minute,
            quota=quota,
        )
    except sqlite3.Error as error:
        raise ConfigError(f"cannot open the sandbox database {db_path}: {error}") from None
    listening = _listen(host, port, f"{shown_host}:{port}")
    click.echo(f"Bria sandbox on {public_url}/v1 (control: {public_url}/_sandbox)", err=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    with contextlib.suppress(KeyboardInterrupt):  # how it is stopped: exit 0, as uvicorn.run
        server.run(sockets=[listening])


def _listen(host: str, port: int, shown: str) -> socket.socket:
    """The server's socket, bound here so that a port in use is one error line (uvicorn
    would log it and exit 3) and the "Bria sandbox on" line is only said of a real server."""
    listening = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((host, port))
    except OSError as error:
        listening.close()
        raise ConfigError(
            f"cannot listen on {shown}: {error.strerror or error}",
            hint="choose another --port, or stop what listens there",
        ) from None
    return listening
