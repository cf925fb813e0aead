"""`tailor sandbox serve` fails like every other command: one `Error:` line, exit code 1, no
traceback, and no "Bria sandbox on ..." line for a server that is not there."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import free_port
from tests.contract.conftest import run_process


def test_a_port_already_in_use_is_an_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_process("sandbox", "serve", "--port", str(port))
    assert result.code == 1, result.output
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Bria sandbox on" not in result.output
    assert "Traceback" not in result.output


def test_a_database_that_cannot_be_opened_is_an_error(tmp_path: Path) -> None:
    not_sqlite = tmp_path / "notes.db"
    not_sqlite.write_text("these are my notes, not a database\n" * 100)
    for db in (tmp_path / "no-such-dir" / "sandbox.db", not_sqlite):
        result = run_process("sandbox", "serve", "--port", "1", "--db", str(db))
        assert result.code == 1, result.output
        assert f"cannot open the sandbox database {db}" in result.stderr
        assert "Traceback" not in result.output
    assert not_sqlite.read_text().startswith("these are my notes")


def test_it_serves_until_interrupted_and_then_exits_0(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "reconciler.cli", "sandbox", "serve", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()
            try:
                stats = httpx.get(f"http://127.0.0.1:{port}/_sandbox/stats", timeout=1.0)
                if stats.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the sandbox did not answer within 60 s"
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert f"Bria sandbox on http://127.0.0.1:{port}/v1" in stderr
    assert "Aborted" not in stderr
