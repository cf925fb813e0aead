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
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import copy_example

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


_LAUNCHER = """
import atexit, os, sys
def report():
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(os.environ["TAILOR_TEST_RSS_FILE"], "w") as out:
        out.write(peak)
atexit.register(report)
sys.argv = ["tailor", *sys.argv[1:]]
from reconciler.cli.main import main
main()
"""
"""Runs the CLI and writes its peak RSS (kB) at exit. VmHWM belongs to the process image
after exec; rusage's ru_maxrss would also count the forked test worker before exec."""


def tailor(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = 120.0,
    prefix: list[str] | None = None,
) -> Run:
    """One `tailor` run as a child process, with its peak resident memory."""
    scratch = Path(tempfile.mkdtemp(prefix="tailor-sec-"))
    rss_file = scratch / "rss"
    run_env = dict(env if env is not None else tailor_env())
    run_env["TAILOR_TEST_RSS_FILE"] = str(rss_file)
    try:
        completed = subprocess.run(
            [*(prefix or []), sys.executable, "-c", _LAUNCHER, *args],
            cwd=cwd,
            env=run_env,
            capture_output=True,
            text=True,
            errors="replace",
            stdin=subprocess.DEVNULL,
            timeout=timeout,
        )
        peak_kb = int(rss_file.read_text()) if rss_file.exists() else 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    assert peak_kb > 0, "the child did not report its memory"
    return Run(args, completed.returncode, completed.stdout, completed.stderr, peak_kb * 1024)


def make_workspace(tmp_path: Path, settings: str = "api: sandbox\n", name: str = "ws") -> Path:
    """A copy of examples/quickstart with the given tailor.yaml."""
    root = copy_example(QUICKSTART, tmp_path / name)
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
