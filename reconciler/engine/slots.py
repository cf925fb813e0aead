"""The executor's working slots: at most `parallelism` nodes work at once, and a node that
waits on Bria (training, captions, a bulk upload) gives its slot back while it polls.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from contextvars import ContextVar

HOLDING: ContextVar[list[bool]] = ContextVar("tailor_executor_slot")
"""Per node task: whether it holds a working slot right now (a wait gives it back)."""


class WorkSlots:
    """The `parallelism` working slots. A node waiting on Bria gives its slot back while it
    polls and takes the next free one before it works again, ahead of nodes not yet started."""

    def __init__(self, count: int, wakeup: asyncio.Event) -> None:
        self.free = count
        self.wakeup = wakeup
        self.returning: deque[asyncio.Future[None]] = deque()
        self.waiting: set[asyncio.Task[object]] = set()
        """Tasks polling Bria with their slot given back (cancelled when the run stops)."""

    def take(self) -> bool:
        if self.free > 0 and not self.returning:
            self.free -= 1
            return True
        return False

    def give(self) -> None:
        while self.returning:
            claim = self.returning.popleft()
            if not claim.done():
                claim.set_result(None)
                return
        self.free += 1
        self.wakeup.set()

    async def take_back(self) -> None:
        if self.take():
            return
        claim: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.returning.append(claim)
        try:
            await claim
        except asyncio.CancelledError:
            if claim.done() and not claim.cancelled():
                self.give()  # handed over just as we were cancelled: pass it on
            raise

    @contextlib.asynccontextmanager
    async def released(self) -> AsyncIterator[None]:
        """Around a wait: the slot is free for other work meanwhile."""
        holding = HOLDING.get(None)
        task = asyncio.current_task()
        if holding is None or not holding[0] or task is None:
            yield
            return
        holding[0] = False
        self.give()
        self.waiting.add(task)
        try:
            yield
        finally:
            self.waiting.discard(task)
        await self.take_back()  # not after a failed or cancelled wait: the node is ending
        holding[0] = True
