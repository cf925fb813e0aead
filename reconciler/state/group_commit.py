"""Group commit: a run's state writes committed many to a transaction, on a thread of their own.

Apply records a write per step (24,061 for 12,000 caption updates). Committed one by one on
the event loop, each stalled every request in flight, most of all on PostgreSQL (a round trip
to the server per commit). Writes are queued here instead, and a writer thread commits what
is queued in one transaction, `window` seconds after the first of them, or at once when a
caller needs them durable (`flush`, `durable`): the journal's intent before its create is
sent, and the end of a run. A crash loses at most the writes of the last window, and a rerun
settles each: a create's intent was durable before the request went out, so recovery adopts
the object; an update or delete not recorded is planned again.

A write that fails (the lock lost, the server gone) fails every later call too: a run that
cannot record what it does must not go on doing it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from reconciler.errors import StateError
from reconciler.state.store import StateLock, StateStore

WINDOW_SECONDS = 0.2
"""How long a write may wait for others to share its commit (and what a crash may lose)."""
LINGER_SECONDS = 0.2
"""How long the writer thread, with nothing queued, waits for the next write before it ends
(at most the window): starting a thread per group cost the event loop ~0.1 ms each time."""

Write = Callable[[StateStore, StateLock], object]


@dataclass
class _Waiter:
    upto: int
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]


def _settle(futures: list[asyncio.Future[None]]) -> None:
    for future in futures:
        if not future.done():
            future.set_result(None)


def _settle_all(ready: list[_Waiter]) -> None:
    """Wake each waiting loop once for all of its settled waiters, not once per waiter."""
    by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
    for waiter in ready:
        by_loop.setdefault(waiter.loop, []).append(waiter.future)
    for loop, futures in by_loop.items():
        loop.call_soon_threadsafe(_settle, futures)


class GroupCommit:
    """Queues writes to `store` under `lock` and commits them in groups."""

    def __init__(
        self, store: StateStore, lock: StateLock, *, window: float | None = None
    ) -> None:
        self.store = store
        self.lock = lock
        self.window = WINDOW_SECONDS if window is None else window
        self.commits = 0
        """Transactions committed (for the benchmark and the tests)."""
        self._cond = threading.Condition()
        self._queue: list[Write] = []
        self._first_at = 0.0
        self._queued = 0
        self._done = 0
        self._wanted = 0
        """Writes up to this count are awaited: commit them without waiting out the window."""
        self._waiters: list[_Waiter] = []
        self._writing = False
        self._lingering = False
        """The writer has committed everything and waits a window for more before it ends."""
        self._settled = False
        """A blocking flush asked for every write: the writer ends once they are committed
        (the end of a run: the process must not wait out a linger)."""
        self._error: BaseException | None = None

    def submit(self, write: Write) -> None:
        """Queue a write; it is committed within `window` seconds (or with an earlier flush)."""
        with self._cond:
            self._raise_failure()
            if not self._queue:
                self._first_at = time.monotonic()
            self._queue.append(write)
            self._queued += 1
            self._settled = False
            if not self._writing:
                self._writing = True
                threading.Thread(target=self._write, name="tailor-state-writer").start()
            elif self._lingering:
                self._cond.notify_all()
            # Otherwise the writer is waiting out the window or committing: a queued write
            # changes neither, and waking it for each one cost a thread switch per write.

    @property
    def queued(self) -> int:
        """Writes queued so far: a mark to wait for with `durable(upto=...)`."""
        return self._queued

    def flush(self, upto: int | None = None) -> None:
        """Block until every write queued so far (or up to the mark `upto`) is committed;
        raise if one failed."""
        with self._cond:
            upto = self._queued if upto is None else min(upto, self._queued)
            self._wanted = max(self._wanted, upto)
            self._settled = self._wanted >= self._queued
            self._cond.notify_all()
            while self._done < upto:
                self._cond.wait()
            self._raise_failure()

    async def durable(self, upto: int | None = None) -> None:
        """`flush` for a coroutine: the event loop goes on while the writer commits."""
        wanted = self._queued if upto is None else upto
        if self._done >= wanted and self._error is None:
            return  # committed already (both only grow; a failure is set before `_done`)
        loop = asyncio.get_running_loop()
        with self._cond:
            upto = self._queued if upto is None else min(upto, self._queued)
            if self._done >= upto:
                self._raise_failure()
                return
            waiter = _Waiter(upto, loop, loop.create_future())
            self._waiters.append(waiter)
            self._wanted = max(self._wanted, upto)
            self._cond.notify_all()
        await waiter.future
        with self._cond:
            self._raise_failure()

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error

    def _write(self) -> None:
        """The writer thread: commits groups while there are writes; once none are queued it
        waits one more window for the next (an apply queues them steadily: one thread per
        run, not one per group), then ends."""
        while True:
            with self._cond:
                while self._wanted <= self._done:
                    remaining = self._first_at + self.window - time.monotonic()
                    if remaining <= 0:
                        break
                    self._cond.wait(remaining)
                batch, self._queue = self._queue, []
                upto = self._queued
            error = self._commit(batch) if self._error is None else None
            with self._cond:
                if error is not None and self._error is None:
                    self._error = error
                self._done = upto
                ready = [w for w in self._waiters if w.upto <= upto]
                self._waiters = [w for w in self._waiters if w.upto > upto]
                self._cond.notify_all()
            _settle_all(ready)
            with self._cond:
                if not self._lingered():
                    return

    def _lingered(self) -> bool:
        """With the lock held: whether writes are queued, waiting up to LINGER_SECONDS for
        one when none are; False (the writer marked gone) if none came, or a blocking flush
        said that the run ends."""
        deadline = time.monotonic() + min(self.window, LINGER_SECONDS)
        self._lingering = True
        try:
            while not self._queue and not self._settled and self._error is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
        finally:
            self._lingering = False
        if self._queue:
            return True
        self._writing = False
        return False

    def _commit(self, batch: list[Write]) -> BaseException | None:
        """One transaction for the batch. If it fails, each write is tried on its own, so
        that one bad write does not take the others with it; the first failure is kept."""
        try:
            with self.store.transaction(self.lock):
                for write in batch:
                    write(self.store, self.lock)
        except StateError as error:
            if len(batch) == 1:
                return error
        except BaseException as error:  # a bug in a write: raised to the caller, not lost
            return error
        else:
            self.commits += 1
            return None
        first: BaseException | None = None
        for write in batch:
            try:
                with self.store.transaction(self.lock):
                    write(self.store, self.lock)
            except BaseException as error:
                first = first or error
            else:
                self.commits += 1
        return first
