"""The last minute's request starts to each API, kept in `.tailor/` for the next run's pacer.

A `tailor plan` and the `tailor apply` after it are two processes, each with its own pacer
(pacing.py): without a shared record the apply would not know that the plan's requests still
count in Bria's minute, and together they could send more than the rate allows. The file
holds, per API origin (scheme, host and port: no path, no token, nothing else of a request)
and per run (a random key), the wall-clock start times of the requests still inside their
pacer's window, at most MAX_STARTS an origin: nothing secret, and small.

Written by atomic replace under an advisory lock on a file beside it (`fcntl.flock`; where
there is none, atomic replace alone: never a torn file, though two writers may then drop one
another's last start), so concurrent tailor processes in one workspace neither corrupt it nor
start more than the rate between them. Wall clock, the one clock processes share: a start
in the future or older than its window is ignored, so a clock that jumped holds no request
back for longer than a window. Anything wrong with the file (missing, corrupt, a link, too
large, unreadable, a read-only workspace, a lock held too long) means no history, never an
error: the pacer then counts its own run only.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import math
import os
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: atomic replace alone
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger("reconciler.client")

HISTORY_FILE = Path(".tailor") / "recent-requests.json"
LOCK_FILE = Path(".tailor") / "recent-requests.lock"
MAX_STARTS = 1000
"""Starts kept an origin, all runs together: a pacer looks at its rate's last N only (Bria's
plans allow 10-60 a minute)."""
MAX_BYTES = 256 * 1024
"""A larger file is not ours (or is broken): no history, and the next write replaces it."""
MAX_WINDOW = 3600.0
LOCK_WAIT = 0.2
"""Seconds to wait for another process's read-and-write of the file (microseconds long)
before this request goes on without the history (a stopped process may hold the lock)."""
_VERSION = 1
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_names = itertools.count()


def api_origin(base_url: str) -> str:
    """`https://engine.prod.bria-api.com/v1` -> `https://engine.prod.bria-api.com`: what the
    file keys starts by (a user:password in the URL is left out)."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        port = ""
    return f"{parts.scheme.lower()}://{host}{port}"


class SharedStarts:
    """One process's view of the workspace's record of recent starts to one API origin."""

    def __init__(
        self, workspace: Path, origin: str, *, wall: Callable[[], float] = time.time
    ) -> None:
        self._file = workspace / HISTORY_FILE
        self._lock_file = workspace / LOCK_FILE
        self._origin = origin
        self.wall = wall
        """The clock the file's times are on (tests give a fake one)."""
        self._run = os.urandom(6).hex()
        """This process's key among the origin's runs: the others' starts are the rest."""
        self._usable = True

    @contextlib.contextmanager
    def exchange(self, window: float) -> Iterator[list[float] | None]:
        """Under the lock: the other runs' starts in the last `window` seconds (wall clock,
        oldest first); append this run's new starts to the list and they are written when
        the block ends. None: no history this time."""
        fd = self._lock() if self._usable else None
        if fd is None:
            yield None
            return
        try:
            now = self.wall()
            window = min(max(window, 0.0), MAX_WINDOW)
            origins = self._read()
            runs = _runs(origins.get(self._origin), now, window)
            others = sorted(t for run, starts in runs.items() if run != self._run for t in starts)
            count = len(others)
            yield others
            if len(others) > count:
                runs[self._run] = sorted([*runs.get(self._run, []), *others[count:]])
                origins[self._origin] = {"window": window, "runs": runs}
                self._write(origins, max(now, self.wall()))  # the new starts are not future
        finally:
            os.close(fd)

    def _lock(self) -> int | None:
        """The lock file's descriptor, locked; None when it cannot be (no history then)."""
        flags = os.O_RDWR | os.O_CREAT | _NOFOLLOW | _NONBLOCK | _CLOEXEC
        try:
            try:
                fd = os.open(self._lock_file, flags, 0o644)
            except FileNotFoundError:
                self._lock_file.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self._lock_file, flags, 0o644)
        except OSError as error:
            self._give_up(error)
            return None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(f"{self._lock_file} is not a regular file")
            if fcntl is not None and not _flock(fd):
                logger.debug("recent requests: lock busy; this request counts its run only")
                os.close(fd)
                return None
        except OSError as error:
            os.close(fd)
            self._give_up(error)
            return None
        return fd

    def _give_up(self, error: OSError) -> None:
        self._usable = False
        logger.debug("recent requests: not kept (%s)", error)

    def _read(self) -> dict[str, object]:
        """The file's origins as written; {} when it is missing or not a file of ours."""
        try:
            fd = os.open(self._file, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
        except OSError:
            return {}
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return {}
            chunks: list[bytes] = []
            size = 0
            while size <= MAX_BYTES:
                chunk = os.read(fd, MAX_BYTES + 1 - size)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            if size > MAX_BYTES:
                return {}
            payload = json.loads(b"".join(chunks))
        except (OSError, ValueError):
            return {}
        finally:
            os.close(fd)
        if not isinstance(payload, dict) or payload.get("version") != _VERSION:
            return {}
        origins = payload.get("origins")
        return dict(origins) if isinstance(origins, dict) else {}

    def _write(self, origins: dict[str, object], now: float) -> None:
        """Replace the file with the origins whose starts are still in their window."""
        kept: dict[str, object] = {}
        for origin, entry in origins.items():
            window = _window(entry)
            runs = _runs(entry, now, window)
            if runs and isinstance(origin, str):
                kept[origin] = {"window": window, "runs": runs}
        text = json.dumps({"version": _VERSION, "origins": kept}, separators=(",", ":"))
        temporary = self._file.with_name(f"{self._file.name}.{os.getpid()}.{next(_names)}.tmp")
        try:
            fd = os.open(
                temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o644
            )
            try:
                os.write(fd, text.encode())
            finally:
                os.close(fd)
            os.replace(temporary, self._file)
        except OSError as error:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            self._give_up(error)


def _flock(fd: int) -> bool:
    """Lock `fd` exclusively, waiting at most LOCK_WAIT; False if it stayed busy."""
    assert fcntl is not None
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.001)


def _window(entry: object) -> float:
    """An origin's window as its last writer recorded it (a minute if unreadable)."""
    value = entry.get("window") if isinstance(entry, dict) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return min(max(float(value), 0.0), MAX_WINDOW)
    return 60.0


def _runs(entry: object, now: float, window: float) -> dict[str, list[float]]:
    """The entry's runs with their starts in (now - window, now], oldest first; runs with
    none left are dropped, and past MAX_STARTS in all the oldest starts."""
    runs = entry.get("runs") if isinstance(entry, dict) else None
    if not isinstance(runs, dict):
        return {}
    kept: dict[str, list[float]] = {}
    for run, starts in runs.items():
        if not isinstance(starts, list):
            continue
        recent = sorted(
            float(t)
            for t in starts
            if isinstance(t, (int, float))
            and not isinstance(t, bool)
            and math.isfinite(t)
            and now - window < t <= now
        )
        if recent:
            kept[str(run)] = recent
    if sum(len(starts) for starts in kept.values()) > MAX_STARTS:
        newest = sorted(t for starts in kept.values() for t in starts)[-MAX_STARTS]
        kept = {run: [t for t in starts if t >= newest] for run, starts in kept.items()}
        kept = {run: starts for run, starts in kept.items() if starts}
    return kept
