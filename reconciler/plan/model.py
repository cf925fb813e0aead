"""The Plan as plain data: what will happen, to which address, why, and through which API steps.

A Plan is shown by `tailor plan` and run by `tailor apply` from the same values: the executor
walks `Plan.order` / `Plan.dependencies` and runs each node's `Step`s through a handler
registry keyed by `StepKind`. Nothing here does I/O.

Vocabulary (kept apart on purpose, as Terraform does):
- `Action`: the closed set of things that happen to an address.
- `Reason`: why that action was chosen.
- `FieldChange` / `Change.requires_replace`: which declared fields differ, and which of them
  forced a replace.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, field, replace
from enum import StrEnum
from functools import cached_property

from reconciler.addresses import Address, Kind
from reconciler.errors import Location
from reconciler.plan.build_path import ReplacePath

# Re-exported ("as"): the planner, executor and renderers name step kinds through this module.
from reconciler.plan.step_kinds import STEP_ENDPOINTS as STEP_ENDPOINTS
from reconciler.plan.step_kinds import Endpoint as Endpoint
from reconciler.plan.step_kinds import StepKind as StepKind
from reconciler.plan.summary import Summary
from reconciler.records import record
from reconciler.resources import JsonValue

Attributes = Mapping[str, JsonValue]


class Action(StrEnum):
    """What happens to one address. Closed: renderers and the executor switch on it."""

    CREATE = "create"
    UPDATE = "update"
    """In place: the remote id stays the same."""
    REPLACE = "replace"
    """A new remote object takes the address; see `ReplaceMode` for when the old one goes."""
    DELETE = "delete"
    NO_OP = "no-op"


class ReplaceMode(StrEnum):
    CREATE_BEFORE_DESTROY = "create_before_destroy"
    """The successor is built first; the predecessor is deleted at the end of the change, or
    later (a deferred step: kept as `deposed` in the state until its condition holds, in this
    apply or a later plan), or kept and forgotten (`retain_on_replace`)."""
    DESTROY_BEFORE_CREATE = "destroy_before_create"
    """The old object is deleted first (images: a name is unique within its dataset)."""


class Reason(StrEnum):
    """Why a change has its action. `describe()` gives the sentence renderers show."""

    NEW = "new"
    RECREATE_DELETED_OUTSIDE = "recreate_deleted_outside"
    UPDATED_FIELDS = "updated_fields"
    REQUIRES_REPLACE = "requires_replace"
    COMPLETED_DATASET_CONTENT = "completed_dataset_content"
    DATASET_REOPEN = "dataset_reopen"
    BULK_ONCE_ONLY = "bulk_once_only"
    CASCADE = "cascade"
    TRAINING_FAILED = "training_failed"
    TRAINING_NOT_STARTED = "training_not_started"
    IMAGE_CONTENT_CHANGED = "image_content_changed"
    REMOVED_FROM_MANIFEST = "removed_from_manifest"
    DESTROY_REQUESTED = "destroy_requested"
    PARENT_DELETED = "parent_deleted"
    DEPOSED_CLEANUP = "deposed_cleanup"
    DEPOSED_GONE = "deposed_gone"
    DRIFT = "drift"
    UNCHANGED = "unchanged"

    def describe(self) -> str:
        return _REASON_TEXT[self]


_REASON_TEXT: dict[Reason, str] = {
    Reason.NEW: "declared in the manifest and not in the state",
    Reason.RECREATE_DELETED_OUTSIDE: "deleted outside tailor; it will be created again",
    Reason.UPDATED_FIELDS: "declared fields differ and can be updated in place",
    Reason.REQUIRES_REPLACE: "a field that cannot be updated in place changed",
    Reason.COMPLETED_DATASET_CONTENT: (
        "the dataset is completed and Bria refuses changes to the images, captions, caption "
        "prefix or visual schema of a completed dataset; a new dataset is built"
    ),
    Reason.DATASET_REOPEN: (
        "completed: false on a completed dataset; Bria cannot reopen it, a new draft is built"
    ),
    Reason.BULK_ONCE_ONLY: (
        "the advanced dataset already had its one bulk upload and Bria refuses another "
        "(BULK-ONCE-ONLY); a new dataset is built"
    ),
    Reason.CASCADE: "what it depends on is replaced (see replaced_by)",
    Reason.TRAINING_FAILED: "training failed or was stopped; Bria cannot restart it, so retrain",
    Reason.TRAINING_NOT_STARTED: "train: true but the training was never started",
    Reason.IMAGE_CONTENT_CHANGED: "the file's content changed under the same name",
    Reason.REMOVED_FROM_MANIFEST: "in the state but no longer in the manifest",
    Reason.DESTROY_REQUESTED: "tailor destroy deletes what the state holds for the workspace",
    Reason.PARENT_DELETED: "its parent is deleted and takes it along",
    Reason.DEPOSED_CLEANUP: "a predecessor kept until its successor finished training",
    Reason.DEPOSED_GONE: "a deposed predecessor that no longer exists at Bria",
    Reason.DRIFT: "changed outside tailor; reconciled towards the manifest",
    Reason.UNCHANGED: "matches the manifest",
}


class Severity(StrEnum):
    ERROR = "error"
    """Apply is refused while the plan has any."""
    WARNING = "warning"


class Phase(StrEnum):
    """Where a step runs relative to the changes below its address.

    A dataset change has MAIN steps (create, name, prefix) that run before its images, and
    FINALIZE steps (regenerate captions, complete, delete the predecessor) that run after all
    its images and before the models trained on it.
    """

    MAIN = "main"
    FINALIZE = "finalize"


@record
class Step:
    """One ordered action of a change, as data.

    Placeholders in the path: `{project_id}`, `{dataset_id}`, `{image_id}`, `{model_id}` are
    the remote ids of the step's `address` (or its parents), resolved from the state at run
    time, so ids created earlier in the same apply are used. When `args` has `old_id`
    (a remote id known at plan time), `path_params` says which placeholder it fills: e.g. a
    replace deletes the predecessor with DELETE_MODEL and `path_params={"model_id": "old_id"}`.
    """

    kind: StepKind
    address: Address
    args: Mapping[str, JsonValue] = field(default_factory=dict)
    """Request body fields and inputs, e.g. {"image_name": "a.png", "path": "...",
    "sha256": "...", "increase_resolution": true}."""
    path_params: Mapping[str, str] = field(default_factory=dict)
    """Placeholder -> key of `args` holding its value (instead of resolving from the state)."""
    phase: Phase = Phase.MAIN
    deferred: bool = False
    """Run by this apply only if its condition comes true in it (a model's successor trained
    under `apply --wait`; no model trains on a replaced dataset at the end of the run); else
    `args.old_id` stays deposed in the state and a later plan deletes it."""
    note: str = ""

    @property
    def endpoint(self) -> Endpoint:
        return STEP_ENDPOINTS[self.kind]

    @property
    def method(self) -> str:
        return self.endpoint.method

    @property
    def path(self) -> str:
        """The path template, with placeholders named in `path_params` renamed to `{old_id}`
        style keys so the shown text says which id is used."""
        path = self.endpoint.path
        for placeholder, arg in sorted(self.path_params.items()):
            path = path.replace("{" + placeholder + "}", "{" + arg + "}")
        return path

    def describe(self) -> str:
        """The text in the plan JSON `steps` list, e.g. "POST /tailored-gen/models"."""
        endpoint = self.endpoint
        if endpoint.method == "LOCAL":
            return f"local: {endpoint.path}"
        if endpoint.method == "STATE":
            target = "{old_id}" if "old_id" in self.args else str(self.address)
            return f"state: forget {target}"
        return f"{endpoint.method} {self.path}"

    def __str__(self) -> str:
        return self.describe()


@record
class FieldChange:
    """One declared field that differs. `field` is a dotted path, e.g. "parameters.rank"."""

    field: str
    before: JsonValue
    after: JsonValue
    known_after_apply: bool = False
    """`after` is only known once applied (e.g. caption_prefix: auto); `after` is None."""
    forces_replace: bool = False


@record
class Change:
    """What happens to one address (or to one deposed predecessor of it)."""

    address: Address
    action: Action
    reason: Reason
    _: KW_ONLY
    """The rest by name only: eleven positional values could not be read (or reordered)."""
    before: Attributes | None = None
    """The declared attributes as they are now (state refreshed by live); None for create."""
    after: Attributes | None = None
    """The declared attributes after apply: what the executor records in the state (fields
    listed in `unknown_after` are filled from step results). None for delete."""
    field_changes: tuple[FieldChange, ...] = ()
    requires_replace: tuple[str, ...] = ()
    replace_mode: ReplaceMode | None = None
    replaced_by: Address | None = None
    """For cascades: the address whose replace forced this one."""
    steps: tuple[Step, ...] = ()
    notes: tuple[str, ...] = ()
    """Human sentences: duration and cost of training, rename hints, deferred deletes."""
    deposed: int | None = None
    """Set when this change is about a deposed predecessor (its remote id), not the current."""
    remote_id: int | None = None
    """The current remote id (None when not yet created)."""
    location: Location | None = None
    replace_path: ReplacePath | None = None
    """A replaced dataset: built by clone or from scratch, and why."""
    deleted_with_parent: bool = False
    """Its parent's DELETE deletes it (a dataset's images, a project's children): apply runs its
    own steps only and leaves its state entry to the parent's removal. Apply reads this flag,
    never `reason`, which only explains."""

    @property
    def kind(self) -> Kind:
        return self.address.kind

    @property
    def unknown_after(self) -> tuple[str, ...]:
        return tuple(fc.field for fc in self.field_changes if fc.known_after_apply)

    def sort_key(self) -> tuple[tuple[str, int, str, str], int]:
        return (self.address.sort_key(), -1 if self.deposed is None else self.deposed)

    def node_ids(self) -> tuple[str, ...]:
        """The executor's work items for this change: MAIN, plus FINALIZE for a dataset (the
        point after all its images, even when it has no steps of its own there)."""
        return self._node_ids

    @cached_property
    def _node_ids(self) -> tuple[str, ...]:
        phases = [Phase.MAIN]
        if any(s.phase is Phase.FINALIZE for s in self.steps) or (
            self.address.kind is Kind.DATASET and self.deposed is None
        ):
            phases.append(Phase.FINALIZE)
        return tuple(node_id(self.address, p, self.deposed) for p in phases)


WAITING_NOTE = (
    "predecessor {dep} is kept until this model's training Completed; a later plan deletes it"
)
_WAITING = re.compile(r"^predecessor (\d+) is kept until this model's training Completed")


def waiting_predecessors(change: Change) -> tuple[int, ...]:
    """Ids of replaced models a model's change keeps (its `WAITING_NOTE`s) until it has
    trained: no step of this plan deletes them, a later plan will."""
    return tuple(int(m.group(1)) for note in change.notes if (m := _WAITING.match(note)))


def node_id(address: Address, phase: Phase = Phase.MAIN, deposed: int | None = None) -> str:
    """Stable text id of a DAG node: "proj/datasets/v1", "...#finalize", "...~deposed/12"."""
    text = str(address)
    if deposed is not None:
        text += f"~deposed/{deposed}"
    if phase is Phase.FINALIZE:
        text += "#finalize"
    return text


@record
class Drift:
    """A declared field whose live value differs from what tailor last recorded."""

    address: Address
    field: str
    state: JsonValue
    live: JsonValue


@record
class Diagnostic:
    """A plan-time finding. Errors make apply refuse the plan; warnings are shown."""

    severity: Severity
    summary: str
    detail: str = ""
    address: Address | None = None
    location: Location | None = None
    constraint: str | None = None
    """Bria's constraint id this check mirrors (e.g. "TRAIN-DATASET-COMPLETED")."""


@record
class UnchangedImages:
    """A completed dataset's images, all no-ops, kept as a count: its content digest matched
    the one recorded when it was completed, so none was compared one by one. `changes()`
    makes their no-op changes (exactly those a comparison would have made) for what reads
    them: the JSON plan, a saved plan and apply (`Plan.materialised`)."""

    dataset: Address
    count: int
    changes: Callable[[], tuple[Change, ...]] = field(compare=False, repr=False)


@record
class Plan:
    """Everything `tailor plan` found. Changes are sorted by address (then deposed id).

    `dependencies` maps each node id (see `node_id`) to the node ids that must finish first;
    `order` is one topological order of all nodes (deletes after what depends on them). The
    executor may run any node whose dependencies are done, in parallel. No-op images are not
    nodes (`graph.scheduled`): the executor only records them.
    """

    changes: tuple[Change, ...] = ()
    drift: tuple[Drift, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    order: tuple[str, ...] = ()
    state_lineage: str | None = None
    state_serial: int | None = None
    live_fingerprint: str = ""
    targets: tuple[Address, ...] = ()
    refresh_only: bool = False
    refresh_requests: int | None = None
    """Requests the refresh before this plan made; an apply refreshes alike (`plan.cost`).
    None when the plan was not made against an API (the pure planner's tests)."""
    requests_per_minute: float | None = None
    """The pace the client was set to when the plan was made; None: unpaced."""
    recent_request_ages: tuple[float, ...] = ()
    """Seconds before the plan was made that other runs (an earlier `tailor plan`, say)
    started the requests still counting against the pace's minute: the apply waits for them
    to age (`plan.cost`). This run's own refresh is not among them: the cost counts it as
    the apply's. Not saved with a plan: by its apply they have aged."""
    unchanged_images: tuple[UnchangedImages, ...] = ()
    """No-op images not in `changes` (see `UnchangedImages`); `materialised()` puts them in."""

    @property
    def summary(self) -> Summary:
        counts = {a: 0 for a in Action}
        for change in self.changes:
            counts[change.action] += 1
        counts[Action.NO_OP] += self.unchanged_image_count
        return Summary(
            create=counts[Action.CREATE],
            update=counts[Action.UPDATE],
            replace=counts[Action.REPLACE],
            delete=counts[Action.DELETE],
            no_op=counts[Action.NO_OP],
        )

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.WARNING)

    @property
    def has_changes(self) -> bool:
        """True when apply would call the API or write the state (drift alone counts)."""
        return bool(self.drift) or any(c.action is not Action.NO_OP for c in self.changes)

    @property
    def unchanged_image_count(self) -> int:
        return sum(group.count for group in self.unchanged_images)

    def materialised(self) -> Plan:
        """This plan with every image in `changes`, as a comparison of each would have made
        it: what the JSON plan, saved plans and apply read."""
        if not self.unchanged_images:
            return self
        made = [change for group in self.unchanged_images for change in group.changes()]
        changes = tuple(sorted((*self.changes, *made), key=Change.sort_key))
        return replace(self, changes=changes, unchanged_images=())

    @cached_property
    def _images_by_dataset(self) -> Mapping[Address, tuple[Change, ...]]:
        found: dict[Address, list[Change]] = {}
        for change in self.changes:
            if change.address.kind is Kind.IMAGE and change.address.parent is not None:
                found.setdefault(change.address.parent, []).append(change)
        return {address: tuple(changes) for address, changes in found.items()}

    def images_of(self, dataset: Address) -> tuple[Change, ...]:
        """The image changes below a dataset (indexed once), deposed ones included."""
        return self._images_by_dataset.get(dataset, ())

    @cached_property
    def _change_by_node(self) -> Mapping[str, Change]:
        return {node: change for change in self.changes for node in change.node_ids()}

    def change_for(self, node: str) -> Change:
        """The change a DAG node belongs to (indexed once: plans hold thousands of images)."""
        return self._change_by_node[node]

    def steps_for(self, node: str) -> tuple[Step, ...]:
        """The steps the executor runs for one node, in order."""
        phase = Phase.FINALIZE if node.endswith("#finalize") else Phase.MAIN
        return tuple(s for s in self.change_for(node).steps if s.phase is phase)
