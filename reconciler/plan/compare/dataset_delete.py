"""Deleting datasets: removed from the manifest, taken along by their project's delete, or a
replaced predecessor once no model trains on it (DS-DELETE-IN-TRAINING).
"""

from __future__ import annotations

from reconciler.addresses import Kind
from reconciler.plan.compare.deposed import deposed_gone
from reconciler.plan.context import PlanningContext
from reconciler.plan.draft import DraftPlan
from reconciler.plan.model import Action, Change, Reason, Step, StepKind
from reconciler.resources import RecordedResource


def delete_dataset_tree(
    ctx: PlanningContext, out: DraftPlan, rec: RecordedResource, *, by_parent: bool
) -> None:
    """The dataset's DELETE takes its images along; under a deleted project, the project's
    DELETE takes the dataset too."""
    address = rec.address
    for image in ctx.children(address, Kind.IMAGE):
        out.remove(image, by_parent=True)
    steps: tuple[Step, ...] = ()
    notes: tuple[str, ...] = ()
    if not by_parent:
        if ctx.live_dataset(rec.remote_id) is not None:
            steps = (Step(StepKind.DELETE_DATASET, address),)
        else:
            out.gone(address)
            steps = (Step(StepKind.FORGET, address),)
            notes = ("already deleted outside tailor",)
    out.remove(rec, by_parent=by_parent, steps=steps, notes=notes)
    for dep in rec.deposed:
        old = {"old_id": dep}
        if by_parent or ctx.live_dataset(dep) is None:
            step = Step(StepKind.FORGET, address, old)
        else:
            step = Step(StepKind.DELETE_DATASET, address, old, {"dataset_id": "old_id"})
        out.add(
            Change(
                address=address,
                action=Action.DELETE,
                reason=Reason.DEPOSED_CLEANUP,
                steps=(step,),
                deposed=dep,
            )
        )


def plan_dataset_deposed(ctx: PlanningContext, out: DraftPlan, rec: RecordedResource) -> None:
    """A predecessor dataset goes once no model trains on it (DS-DELETE-IN-TRAINING)."""
    for dep in rec.deposed:
        if ctx.live_dataset(dep) is None:
            out.add(deposed_gone(rec.address, dep))
        elif ctx.training_on(dataset_id=dep):
            out.note(rec.address, f"predecessor dataset {dep} is kept while a model trains on it")
        else:
            old = {"old_id": dep}
            step = Step(StepKind.DELETE_DATASET, rec.address, old, {"dataset_id": "old_id"})
            out.add(
                Change(
                    address=rec.address,
                    action=Action.DELETE,
                    reason=Reason.DEPOSED_CLEANUP,
                    steps=(step,),
                    deposed=dep,
                )
            )
