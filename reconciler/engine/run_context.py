"""What a step handler is given and gives back: the run's context, one step, its outcome.

One `RunContext` per apply, shared by all concurrent steps: the client, the Ledger (remote ids
created earlier in the same apply are read from it), the workspace root, the staged ZIPs and
the results earlier steps left for later ones.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.addresses import Address
from reconciler.client.api import BriaClient
from reconciler.client.staging import StagedFile, Stager
from reconciler.engine.ledger import Ledger
from reconciler.engine.waits import WaitPolicy
from reconciler.errors import TailorError
from reconciler.events import Hooks
from reconciler.plan.model import Change, Step
from reconciler.resources import JsonValue


class StepFailed(TailorError):
    """A step cannot be carried out for a reason found on this machine (not Bria's answer)."""


@dataclass(frozen=True)
class Outcome:
    """What a step did, for the executor to record."""

    attributes: Mapping[str, JsonValue] = field(default_factory=dict)
    """Recorded attributes learned (e.g. the caption prefix text); merged into the entry."""
    gone: int | None = None
    """This remote id of the step's address no longer exists at Bria (or is forgotten)."""


NOTHING = Outcome()


@dataclass(frozen=True)
class Staging:
    """A ZIP this run staged, and its journal entry (pending until the ZIP is deleted)."""

    file: StagedFile
    intent_id: str


def _nothing_ahead(call: StepCall) -> Iterator[StepCall]:
    return iter(())


@dataclass
class RunContext:
    """Everything a handler may use. One per apply; shared by all concurrent steps."""

    client: BriaClient
    ledger: Ledger
    root: Path
    hooks: Hooks
    stager: Stager | None = None
    waits: WaitPolicy = field(default_factory=WaitPolicy)
    wait_for_training: bool = False
    scratch: dict[str, dict[str, JsonValue]] = field(default_factory=dict)
    """Per address: results of earlier steps (generated prefix, zip path, staged URL)."""
    staged: dict[str, Staging] = field(default_factory=dict)
    """Per dataset address: its staged ZIP, until deleted or left to the next run."""
    work_dir: Path | None = None
    idle: Callable[[], AbstractAsyncContextManager[None]] = contextlib.nullcontext
    """Around a wait on Bria: the executor gives the step's working slot to other nodes."""
    ahead: Callable[[StepCall], Iterator[StepCall]] = _nothing_ahead
    """Steps like this one (its kind, under the same parent) that begin nodes not started
    yet, in plan order: a create may journal their intents with its own."""

    def results(self, address: Address) -> dict[str, JsonValue]:
        return self.scratch.setdefault(str(address), {})

    def id_of(self, address: Address) -> int:
        remote_id = self.ledger.remote_id(address)
        if remote_id is None:
            raise StepFailed(f"{address} has no remote id in the state")
        return remote_id

    def path_id(self, step: Step, placeholder: str) -> int:
        """The remote id filling `{placeholder}` of the step's path."""
        arg = step.path_params.get(placeholder)
        if arg is not None:
            value = step.args.get(arg)
            if not isinstance(value, int):
                raise StepFailed(f"{step.address}: step {step} lacks the id {arg}")
            return value
        address = step.address
        if placeholder == "project_id":
            return self.id_of(Address(address.project))
        if placeholder == "dataset_id" and address.dataset is not None:
            return self.id_of(Address(address.project, dataset=address.dataset))
        return self.id_of(address)

    def scratch_dir(self) -> Path:
        if self.work_dir is None:
            import tempfile  # and shutil with it: only advanced datasets' ZIPs need a folder

            base = self.root / ".tailor"
            base.mkdir(parents=True, exist_ok=True)
            self.work_dir = Path(tempfile.mkdtemp(prefix="apply-", dir=base))
        return self.work_dir


@dataclass(frozen=True)
class StepCall:
    step: Step
    change: Change


Handler = Callable[[RunContext, StepCall], Awaitable[Outcome]]
