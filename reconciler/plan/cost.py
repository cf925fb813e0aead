"""What applying a plan costs in requests to Bria, and how long that takes at a pace.

The time is what the client's pacing makes the requests take (client/pacing.py): a minute's
allowance starts at once, each further one a minute (and 2%) after the one before it
(`settings.paced_seconds`). The allowance is the workspace's: requests other runs made in the
last minute (`Plan.recent_request_ages`: the `tailor plan` before a `tailor apply`, say) hold
the first ones back. Bria's latency and local work come on top; a 429 (Bria
counting differently, another client on the account) makes the client space requests
strictly instead.

Bria rations requests (10 or 60 a minute, 1,000 in total on the free plan), so a plan says
what its apply will spend. The count follows what the engine does (engine/steps/), from
the plan's own steps:

- the apply's refresh: as many requests as the plan's own refresh made (`refresh_requests`,
  measured when the plan was made; the apply refreshes the same scope again);
- one request per API step that is not deferred (a deferred delete runs only if its condition
  comes true during the apply: a model's when `apply --wait` saw its successor train, not
  counted; a dataset's, counted in `maybe` below);
- the reads around creates: before its first create under a parent, the engine lists that
  parent once per run to tell an earlier object of the same name from its own (projects: once;
  a project's datasets, a dataset's images or its models: once each, unless the parent is
  itself created in this run and so holds nothing yet, or cloned in this run, whose answer
  lists its images), and after a bulk upload it lists the dataset's images to record them;
- one request per wait (captions regenerating, a bulk upload, a training stopping): the
  least it can take; Bria's pace decides how many polls more, so such a count is a floor
  (`polls`);
- a replaced dataset whose delete waits for models training on it: the engine lists the
  models once after the new dataset is built, and deletes the old one if none trains on it
  any more (`maybe`: not counted, so the count is a floor).

Not counted: `apply --wait` polling a training (hours), the recovery of an interrupted run,
retries (a 429 is not served; a lost answer is re-read), and the one GET the client makes when
an update's answer holds no object (Bria's published document gives those answers a body).
tests/engine/test_apply_cost.py checks the count against the requests the sandbox receives.
"""

from __future__ import annotations

import math

from reconciler.addresses import Address, Kind
from reconciler.plan.model import Action, Plan, Step, StepKind
from reconciler.records import record
from reconciler.settings import burst_size, burst_span, paced_seconds

WAITS = frozenset(
    {StepKind.WAIT_CAPTIONS, StepKind.WAIT_BULK_UPLOAD, StepKind.WAIT_TRAINING_STOPPED}
)
"""Steps that poll Bria until its job ends: one request at least."""
_NOT_REQUESTS = frozenset({"LOCAL", "STATE"})


@record
class ApplyCost:
    """Requests an apply of one plan makes, by why it makes them."""

    refresh: int
    """The apply's own refresh (0 when the plan was not made against an API)."""
    steps: int
    """API steps, one request each (waits excluded)."""
    reads: int
    """Listings the engine makes around creates (see the module docstring)."""
    polls: int
    """Waits for Bria's asynchronous jobs, counted once each: a floor."""
    maybe: int = 0
    """Deletes that run only if Bria's state allows when the apply gets there; not counted."""
    earlier: tuple[float, ...] = ()
    """Seconds since the requests still counting against the pace's minute were made."""

    @property
    def total(self) -> int:
        return self.refresh + self.steps + self.reads + self.polls

    @property
    def at_least(self) -> bool:
        """The count is a floor: waits poll as long as Bria takes, or a delete may run."""
        return self.polls > 0 or self.maybe > 0

    def seconds(self, per_minute: float | None) -> float | None:
        """Seconds the pace at `per_minute` holds the requests back (0: a minute's allowance
        covers them all); None when unpaced, where Bria's own speed decides."""
        if per_minute is None:
            return None
        return paced_after(self.total, per_minute, self.earlier)

    def waits_for_earlier(self, per_minute: float | None) -> bool:
        """Whether the last minute's earlier requests make the apply take longer."""
        if per_minute is None or not self.earlier:
            return False
        return paced_after(self.total, per_minute, self.earlier) > paced_seconds(
            self.total, per_minute
        )


def paced_after(requests: int, per_minute: float, earlier: tuple[float, ...]) -> float:
    """`settings.paced_seconds` when requests made `earlier` (their ages in seconds) still
    count: the pacer lets request j of the first burst start once the j-th of the last
    `burst_size` starts (the earlier ones, then the apply's own) is `burst_span` old, and
    request i after it once request i - burst_size is; so the last one starts when the first
    burst's request at its position does, and a span for each burst before it."""
    size, span = burst_size(per_minute), burst_span(per_minute)
    if requests <= 0 or not earlier:
        return paced_seconds(requests, per_minute)
    newest = sorted(earlier)[:size]
    ages = [math.inf] * (size - len(newest)) + newest[::-1]
    last = requests - 1
    return max(0.0, span - ages[last % size]) + last // size * span


def apply_cost(plan: Plan) -> ApplyCost:
    """Count from the plan's steps what its apply will send (see the module docstring)."""
    if plan.refresh_only:
        return ApplyCost(
            plan.refresh_requests or 0, 0, 0, 0, earlier=plan.recent_request_ages
        )
    created = _created_here(plan)
    steps = polls = maybe = 0
    listed: set[tuple[str, Address | None]] = set()
    for change in plan.changes:
        for step in change.steps:
            if step.deferred and step.kind is StepKind.DELETE_DATASET:
                listed.add(("models training", None))
                maybe += 1
            if step.deferred or step.method in _NOT_REQUESTS:
                continue
            if step.kind in WAITS:
                polls += 1
            else:
                steps += 1
            listed.update(_listings(step, created))
    return ApplyCost(
        plan.refresh_requests or 0, steps, len(listed), polls, maybe, plan.recent_request_ages
    )


def _created_here(plan: Plan) -> frozenset[Address]:
    """Addresses whose (new) object this apply creates: nothing is under it yet, or (a
    clone) what is under it is known from the clone's answer."""
    creates = {StepKind.CREATE_PROJECT, StepKind.CREATE_DATASET, StepKind.CLONE_DATASET}
    return frozenset(
        change.address
        for change in plan.changes
        if change.deposed is None
        and change.action in (Action.CREATE, Action.REPLACE)
        and any(s.kind in creates and not s.deferred for s in change.steps)
    )


def _listings(step: Step, created: frozenset[Address]) -> set[tuple[str, Address | None]]:
    """The parent listings a step needs: (scope, parent), each read once per apply."""
    address = step.address
    project = Address(address.project)
    if step.kind is StepKind.CREATE_PROJECT:
        return {("projects", None)}
    if step.kind is StepKind.CREATE_DATASET:
        return set() if project in created else {("datasets", project)}
    if step.kind is StepKind.CLONE_DATASET:
        return {("datasets", project)}
    if step.kind is StepKind.UPLOAD_IMAGE and address.kind is Kind.IMAGE:
        dataset = Address(address.project, dataset=address.dataset)
        return set() if dataset in created else {("images", dataset)}
    if step.kind is StepKind.CREATE_MODEL:
        text = step.args.get("dataset_address")
        dataset = Address.parse(text) if isinstance(text, str) else project
        return set() if dataset in created else {("models", dataset)}
    if step.kind is StepKind.WAIT_BULK_UPLOAD:
        return {("images after bulk", address)}
    return set()
