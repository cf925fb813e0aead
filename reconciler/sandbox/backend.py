"""Bria's rules on plain objects: one object per area, sharing one store and one clock.

Nothing here knows HTTP. The route modules translate requests into these calls and BriaError
into error responses.
"""

from __future__ import annotations

from reconciler.sandbox.bulk import BulkUploads
from reconciler.sandbox.clock import Clock
from reconciler.sandbox.core import Core
from reconciler.sandbox.datasets import Datasets
from reconciler.sandbox.faults import FaultInjector
from reconciler.sandbox.files import FileHost
from reconciler.sandbox.generation import Generation
from reconciler.sandbox.images import Images
from reconciler.sandbox.limits import LimitsConfig, RequestLimits
from reconciler.sandbox.models import Models
from reconciler.sandbox.projects import Projects
from reconciler.sandbox.seeding import Seeder
from reconciler.sandbox.store import Store
from reconciler.sandbox.structured import StructuredPrompts
from reconciler.sandbox.tailored_v2 import TailoredV2

_CLOCK_KEY = "clock_offset"


class Backend:
    """The whole emulated Bria account, persisted in one SQLite database."""

    def __init__(
        self,
        *,
        db_path: str | None = None,
        training_seconds: float = 30.0,
        public_url: str = "http://127.0.0.1:8787",
        latency_ms: int = 0,
        limits: LimitsConfig | None = None,
    ) -> None:
        self.store = Store(db_path)
        store = self.store
        self.clock = Clock(
            float(store.meta_get(_CLOCK_KEY) or "0"),
            persist=lambda offset: store.meta_set(_CLOCK_KEY, repr(offset)),
        )
        self.files = FileHost(store, public_url)
        self.faults = FaultInjector(latency_ms)
        self.limits = RequestLimits(store, limits or LimitsConfig())
        core = Core(
            store=store,
            clock=self.clock,
            files=self.files,
            faults=self.faults,
            training_seconds=training_seconds,
        )
        self.projects = Projects(core)
        self.datasets = Datasets(core)
        self.images = Images(core)
        self.bulk = BulkUploads(core)
        self.models = Models(core, self.projects)
        self.generation = Generation(core)
        self.structured = StructuredPrompts(core)
        self.tailored_v2 = TailoredV2(core)
        self.seeder = Seeder(core, self.projects)

    def advance_clock(self, seconds: float) -> float:
        """Move simulated time on; pending stops finish at once. Returns the new now."""
        with self.store.transaction():
            now = self.clock.advance(seconds)
            self.models.finish_stopping(now)
        return now

    def reset(self) -> None:
        """An empty account: no resources, no files, counters, clock and quota back to zero."""
        self.store.wipe()
        self.clock.reset()
        self.limits.reset()
