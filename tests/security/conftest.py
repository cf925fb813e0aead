"""Attacks a pull request could carry, run through the real `tailor` CLI as a subprocess.

Every run is measured: its exit code, its output, whether it printed a traceback, and its peak
resident memory (from the kernel's rusage of that one child, `os.wait4`).
"""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "examples" / "quickstart"
TOKEN = "tok-ATTACK-5f0c2e9d81"
"""Recognisable, so every output and every file written can be scanned for it."""
MAX_RSS_BYTES = 200 * 1024 * 1024


@dataclass
class Run:
    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str
    max_rss_bytes: int

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def assert_clean(self) -> None:
        """No traceback, no token, bounded memory: what every attack run must show."""
        assert "Traceback" not in self.output, self.output[-3000:]
        assert TOKEN not in self.output
        assert self.max_rss_bytes < MAX_RSS_BYTES, f"{self.max_rss_bytes / 2**20:.0f} MiB"

    def assert_refused(self, *fragments: str) -> None:
        self.assert_clean()
        assert self.code == 1, (self.code, self.output[-3000:])
        for fragment in fragments:
            assert fragment in self.output, (fragment, self.output[-3000:])


def tailor_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIA_", "TAILOR_"))}
    env["BRIA_API_TOKEN"] = TOKEN
    env.update(extra)
    return env


def tailor(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120.0) -> Run:
    """One `tailor` run as a child process; its peak RSS comes from wait4's rusage."""
    out_path = cwd / f".run-{os.getpid()}.out"
    err_path = cwd / f".run-{os.getpid()}.err"
    if not os.access(cwd, os.W_OK):
        out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"tailor-sec-{os.getpid()}.out"
        err_path = out_path.with_suffix(".err")
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "reconciler.cli", *args],
            cwd=cwd,
            env=env if env is not None else tailor_env(),
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
        )
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
    stdout = out_path.read_text(errors="replace")
    stderr = err_path.read_text(errors="replace")
    out_path.unlink()
    err_path.unlink()
    return Run(args, process.returncode, stdout, stderr, usage.ru_maxrss * 1024)


def make_workspace(tmp_path: Path, settings: str = "api: sandbox\n", name: str = "ws") -> Path:
    """A copy of examples/quickstart with the given tailor.yaml."""
    root = tmp_path / name
    shutil.copytree(QUICKSTART, root, ignore=shutil.ignore_patterns(".tailor"))
    (root / "tailor.yaml").write_text(settings)
    return root


def assert_no_token_in_files(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert TOKEN.encode() not in path.read_bytes(), f"token found in {path}"


@dataclass
class HeaderLog:
    """Every request a local server received: method, path and headers."""

    port: int
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def saw_token(self) -> bool:
        return any(TOKEN in value for _, _, headers in self.requests for value in headers.values())


@pytest.fixture
def header_log() -> Iterator[HeaderLog]:
    """A server on 127.0.0.1 that records each request's headers and answers 404."""
    log = HeaderLog(port=0)

    class Handler(http.server.BaseHTTPRequestHandler):
        def _record(self) -> None:
            log.requests.append((self.command, self.path, dict(self.headers.items())))
            self.send_response(404)
            self.send_header("content-length", "0")
            self.end_headers()

        do_GET = do_POST = do_PUT = do_DELETE = _record

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    log.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield log
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


PLAN_FORMATS = ("text", "markdown", "json", "html")


def every_command(root: Path, env: dict[str, str] | None = None) -> list[Run]:
    """The runs a pull request's workspace meets: validate, plan in every format, a saved
    plan, and apply."""
    runs = [tailor("validate", cwd=root, env=env)]
    runs += [tailor("plan", "--format", fmt, cwd=root, env=env) for fmt in PLAN_FORMATS]
    runs.append(tailor("plan", "--out", "saved.plan", cwd=root, env=env))
    runs.append(tailor("apply", "--auto-approve", cwd=root, env=env))
    return runs


def assert_all_refused(runs: list[Run], *fragments: str) -> None:
    for run in runs:
        try:
            run.assert_refused(*fragments)
        except AssertionError as error:
            raise AssertionError(f"tailor {' '.join(run.args)}: {error}") from None
