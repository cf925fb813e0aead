"""(desired, recorded, live) -> Plan: what apply will do, why, and through which API steps.

The per-kind comparators (`reconciler.plan.compare`) decide each resource's change; this module
runs them and the whole-plan passes: rename hints, prevent_destroy, deletes Bria would refuse
while a model trains, --target selection, --refresh-only, and the dependency DAG.

Identity is the state: address -> remote id. A recorded id missing from live (or a model in
status Deleted) was deleted outside tailor: drift, then a create. Live objects tailor does not
own are never touched; one with the same name as a new resource earns a warning that points to
`tailor import`. Deleting a dataset or project while a model that stays trains on it is a plan
error (DS-DELETE-IN-TRAINING, PRJ-DELETE-TRAINING): tailor never stops a training the manifest
still wants. A managed object whose live answer tailor could not read is neither gone nor
changed: the plan leaves it, what it holds and the models trained on it alone, with a warning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from reconciler.addresses import Address, Kind
from reconciler.bria_rules import FAMILY_LOCK
from reconciler.plan.compare.project import generation_change, plan_project
from reconciler.plan.context import PlanningContext
from reconciler.plan.draft import DraftPlan
from reconciler.plan.fields import rules_for
from reconciler.plan.graph import build_dependencies, topological_order
from reconciler.plan.model import Action, Change, Diagnostic, Plan, Reason, Severity, StepKind
from reconciler.resources import (
    DesiredWorkspace,
    JsonValue,
    LiveSnapshot,
    RecordedResource,
    UnreadableObject,
    UnreadImages,
)


def _check_prevent_destroy(out: DraftPlan) -> None:
    for change in out.changes:
        if change.deposed is not None or change.action not in (Action.DELETE, Action.REPLACE):
            continue
        if change.steps and all(s.kind is StepKind.FORGET for s in change.steps):
            continue
        protected = bool((change.after or {}).get("prevent_destroy")) or bool(
            (change.before or {}).get("prevent_destroy")
        )
        if protected:
            why, constraint = _why_replaced(change)
            out.error(
                f"{change.address} has lifecycle.prevent_destroy, but the plan would "
                f"{change.action} it: {why}",
                change.address,
                change.location,
                detail="remove prevent_destroy from the manifest if this is intended, or undo "
                "the change that forces it",
                constraint=constraint,
            )


_SCHEMA_LOCK = {
    row.name: row.constraint
    for row in rules_for(Kind.DATASET)
    if row.name in ("visual_schema", "refine")
}
"""The FIBO fields Bria locks in a completed dataset, and the rule that locks them."""


def _why_replaced(change: Change) -> tuple[str, str | None]:
    """Why a protected object would go, and Bria's rule behind it where one is named: the
    project's generation (DS-FAMILY-LOCK), a completed FIBO dataset's schema."""
    switch = generation_change(change)
    if switch is not None:
        return f"its generation changes: {switch.before} -> {switch.after}", FAMILY_LOCK
    locked = [
        fc.field for fc in change.field_changes if fc.forces_replace and fc.field in _SCHEMA_LOCK
    ]
    if change.kind is Kind.DATASET and locked:
        fields = " and ".join(dict.fromkeys(locked))
        return (
            f"its {fields} changes, which Bria refuses in a completed FIBO dataset, so a new "
            "version is built",
            _SCHEMA_LOCK[locked[0]],
        )
    return change.reason.describe(), None


def _check_deletes_while_training(ctx: PlanningContext, out: DraftPlan) -> None:
    """Bria refuses to delete a dataset or project while a model on it trains, unless
    the plan stops that model first (it is being deleted too)."""
    stopping = {
        c.address
        for c in out.changes
        if c.action is Action.DELETE
        and c.deposed is None
        and any(s.kind is StepKind.WAIT_TRAINING_STOPPED for s in c.steps)
    }
    models = {r.remote_id: r.address for r in ctx.recorded.values() if r.kind is Kind.MODEL}
    for change in out.changes:
        kinds = {s.kind for s in change.steps if "old_id" not in s.args}
        if StepKind.DELETE_DATASET in kinds:
            training = ctx.training_on(dataset_id=change.remote_id)
            constraint = "DS-DELETE-IN-TRAINING"
        elif StepKind.DELETE_PROJECT in kinds:
            training = ctx.training_on(project_id=change.remote_id)
            constraint = "PRJ-DELETE-TRAINING"
        else:
            continue
        for model in training:
            if models.get(model.remote_id) in stopping:
                continue
            out.error(
                f"{change.address} cannot be deleted while model {model.remote_id} "
                f"({model.name!r}) trains on it",
                change.address,
                change.location,
                detail="wait for the training to finish, or stop it, then plan again",
                constraint=constraint,
            )


def _values(change: Change) -> Mapping[str, JsonValue] | None:
    return change.after if change.action is Action.CREATE else change.before


ImageIndex = Mapping[tuple[Address, Action], list[tuple[str, str]]]
"""(dataset address, action) -> (name, sha256) of its images' current changes with that action."""


def _image_index(changes: Sequence[Change]) -> ImageIndex:
    index: dict[tuple[Address, Action], list[tuple[str, str]]] = {}
    for c in changes:
        parent = c.address.parent
        if c.kind is Kind.IMAGE and c.deposed is None and parent is not None:
            sha256 = str((_values(c) or {}).get("sha256"))
            index.setdefault((parent, c.action), []).append((c.address.key, sha256))
    return index


def _fingerprint(change: Change, images: ImageIndex) -> tuple[object, ...] | None:
    """What must match for a delete + create pair to look like a rename."""
    values = _values(change)
    if values is None:
        return None
    kind = change.kind
    if kind is Kind.MODEL:
        keys: tuple[str, ...] = ("dataset", "training_version", "training_mode", "parameters")
    elif kind is Kind.PROJECT:
        keys = ("ip_type", "ip_medium", "ip_name", "ip_description")
    elif kind is Kind.DATASET:
        content = tuple(sorted(images.get((change.address, change.action), ())))
        return (kind, change.address.parent, str(values.get("upload_type")), content)
    else:
        return None
    return (kind, change.address.parent, tuple(str(values.get(k)) for k in keys))


def _note_renames(out: DraftPlan) -> None:
    deletes = [
        c
        for c in out.changes
        if c.action is Action.DELETE
        and c.deposed is None
        and c.reason is Reason.REMOVED_FROM_MANIFEST
    ]
    creates = [c for c in out.changes if c.action is Action.CREATE and c.reason is Reason.NEW]
    if not deletes or not creates:
        return
    images = _image_index(out.changes)
    candidates = [(new, _fingerprint(new, images)) for new in sorted(creates, key=Change.sort_key)]
    pairs: dict[Address, Address] = {}
    used: set[Address] = set()
    for old in sorted(deletes, key=Change.sort_key):
        key = _fingerprint(old, images)
        if key is None:
            continue
        for new, new_key in candidates:
            if new.address not in used and new_key == key:
                pairs[old.address] = new.address
                used.add(new.address)
                break
    if not pairs:
        return
    reverse = {new: old for old, new in pairs.items()}
    for index, change in enumerate(out.changes):
        if change.deposed is not None:
            continue
        if change.address in pairs and change.action is Action.DELETE:
            other = pairs[change.address]
            note = (
                f"looks like a rename to {other}; to keep the existing object instead: "
                f"tailor state mv {change.address} {other}"
            )
        elif change.address in reverse and change.action is Action.CREATE:
            other = reverse[change.address]
            note = (
                f"looks like a rename of {other}; to keep the existing object instead: "
                f"tailor state mv {other} {change.address}"
            )
        else:
            continue
        out.changes[index] = replace(change, notes=(*change.notes, note))


def unmatched_targets(
    addresses: Sequence[Address], targets: Sequence[Address]
) -> list[Diagnostic]:
    """A --target that names nothing in the manifests or the state is a mistake (a typo),
    never "No changes": an error naming the closest address there is."""
    names = sorted({str(a) for a in addresses})
    errors: list[Diagnostic] = []
    for target in targets:
        if any(target.contains(a) for a in addresses):
            continue
        import difflib  # only for a --target that names nothing (~1 ms of import)

        close = difflib.get_close_matches(str(target), names, n=1, cutoff=0.6)
        errors.append(
            Diagnostic(
                Severity.ERROR,
                f"--target {target} matches nothing in the manifests or the state",
                detail=f"did you mean {close[0]}?" if close else "check the address "
                "(`tailor state list` shows what the state holds)",
            )
        )
    return errors


def _select_targets(changes: list[Change], targets: Sequence[Address]) -> list[Change]:
    """Changes at or below a target, plus what they need: parents, a model's dataset, and
    the images of any dataset taken in (a dataset is only complete with its images)."""
    wanted: set[Address] = set()
    for change in changes:
        if any(t.contains(change.address) for t in targets):
            wanted.add(change.address)
    for change in changes:
        if change.address in wanted and change.kind is Kind.MODEL and change.after:
            wanted.add(Address(change.address.project, dataset=str(change.after["dataset"])))
    for address in list(wanted):
        node = address.parent
        while node is not None:
            wanted.add(node)
            node = node.parent
    datasets = {a for a in wanted if a.kind is Kind.DATASET}
    for change in changes:
        if change.kind is Kind.IMAGE and change.address.parent in datasets:
            wanted.add(change.address)
    return [c for c in changes if c.address in wanted]


def _unreadable_managed(
    recorded: Sequence[RecordedResource], live: LiveSnapshot
) -> dict[Address, UnreadableObject]:
    """The managed objects refresh could not read, by address."""
    if not live.unreadable:
        return {}
    found = {(u.kind, u.remote_id): u for u in live.unreadable if u.remote_id is not None}
    return {
        r.address: found[(r.kind, r.remote_id)]
        for r in recorded
        if (r.kind, r.remote_id) in found
    }


def _leave_unreadable(out: DraftPlan, unreadable: Mapping[Address, UnreadableObject]) -> None:
    """Drop every change, drift and finding at or below an unreadable managed object (or on a
    model of its dataset): refresh did not see it, which is not the same as its being gone."""
    if not unreadable:
        return

    def untouchable(address: Address, values: Mapping[str, JsonValue] | None) -> bool:
        if any(u.contains(address) for u in unreadable):
            return True
        if address.kind is Kind.MODEL and values and isinstance(values.get("dataset"), str):
            dataset = Address(address.project, dataset=str(values["dataset"]))
            return any(u.contains(dataset) for u in unreadable)
        return False

    out.changes = [c for c in out.changes if not untouchable(c.address, c.after or c.before)]
    out.drift = [d for d in out.drift if not untouchable(d.address, None)]
    out.diagnostics = [
        d for d in out.diagnostics if d.address is None or not untouchable(d.address, None)
    ]
    for address, item in sorted(unreadable.items(), key=lambda pair: pair[0].sort_key()):
        out.warn(
            f"{address}: tailor could not read Bria's {item.kind} {item.remote_id} "
            f"({item.problem}); this plan leaves it and what it holds unchanged",
            address,
            detail="a newer tailor may read it; until then, plan and apply skip it",
        )


def build_plan(
    desired: DesiredWorkspace,
    recorded: Sequence[RecordedResource],
    live: LiveSnapshot,
    *,
    targets: Sequence[Address] = (),
    refresh_only: bool = False,
    state_lineage: str | None = None,
    state_serial: int | None = None,
    unread_images: Mapping[Address, UnreadImages] | None = None,
) -> Plan:
    """Compare the manifests (`desired`) with the state (`recorded`) and Bria (`live`).

    Pure and deterministic: the same inputs give an equal Plan. `targets` keeps only changes at
    or below them plus what they depend on; `refresh_only` keeps only the drift (apply then
    records the live values). Plan errors are diagnostics in the result, never exceptions.
    """
    ctx = PlanningContext(live, {r.address: r for r in recorded}, unread_images or {})
    out = DraftPlan()
    wanted = {project.key: project for project in desired.projects}
    recorded_projects = {r.address.project: r for r in recorded if r.kind is Kind.PROJECT}
    for key in sorted(set(wanted) | set(recorded_projects)):
        plan_project(ctx, out, wanted.get(key), recorded_projects.get(key))
    unreadable = _unreadable_managed(recorded, live)
    if targets or unreadable:
        out.materialise_unchanged()
    _leave_unreadable(out, unreadable)
    _note_renames(out)
    _check_prevent_destroy(out)
    _check_deletes_while_training(ctx, out)

    changes = sorted(out.changes, key=Change.sort_key)
    drift = sorted(out.drift, key=lambda d: (d.address.sort_key(), d.field))
    diagnostics = out.diagnostics
    if targets:
        diagnostics = [*diagnostics, *unmatched_targets([c.address for c in changes], targets)]
        changes = _select_targets(changes, targets)
        kept = {c.address for c in changes}
        drift = [d for d in drift if d.address in kept]
        diagnostics = [
            d
            for d in diagnostics
            if d.address is None or d.address in kept or any(t.contains(d.address) for t in targets)
        ]
    if refresh_only:
        changes = []
        diagnostics = [d for d in diagnostics if d.severity is Severity.WARNING]
    dependencies = build_dependencies(changes)
    # dict.fromkeys: a finding reported twice is shown once (hashing: 12,000 image errors
    # compared pairwise took minutes).
    return Plan(
        changes=tuple(changes),
        drift=tuple(drift),
        diagnostics=tuple(dict.fromkeys(sorted(diagnostics, key=_diag_key))),
        dependencies=dependencies,
        order=topological_order(dependencies, changes),
        state_lineage=state_lineage,
        state_serial=state_serial,
        live_fingerprint=live.fingerprint(),
        targets=tuple(sorted(targets)),
        refresh_only=refresh_only,
        unchanged_images=() if refresh_only else tuple(out.unchanged),
    )


def _diag_key(d: Diagnostic) -> tuple[int, tuple[str, int, str, str], str]:
    order = 0 if d.severity is Severity.ERROR else 1
    return (order, d.address.sort_key() if d.address else ("", -1, "", ""), d.summary)
