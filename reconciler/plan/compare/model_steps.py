"""The API steps a model takes: create, start training, stop and wait (deletes need Stopped)."""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.addresses import Address
from reconciler.bria_rules import family_of
from reconciler.plan import rules
from reconciler.plan.model import Step, StepKind
from reconciler.resources import DesiredModel, JsonValue

OLD_ID_PARAMS = {"model_id": "old_id"}


def creation_steps(desired: DesiredModel) -> list[Step]:
    args: dict[str, JsonValue] = {
        "name": desired.name,
        "description": desired.description,
        "training_mode": desired.training_mode,
        "training_version": desired.training_version,
        "dataset_address": str(desired.dataset_address),
    }
    steps = [Step(StepKind.CREATE_MODEL, desired.address, args)]
    if desired.train:
        steps.append(start_training(desired))
    return steps


def training_note(model: DesiredModel) -> str:
    """How long this model's generation trains, on the change that starts it."""
    return rules.training_note(family_of(model.training_version))


def start_training(model: DesiredModel) -> Step:
    parameters: dict[str, JsonValue] = dict(sorted(model.parameters))
    return Step(
        StepKind.START_TRAINING,
        model.address,
        {"parameters": parameters},
        note=rules.training_step_note(family_of(model.training_version)),
    )


def stop_then_delete(address: Address, old: Mapping[str, JsonValue], status: str) -> list[Step]:
    """Delete a model `old` names (a predecessor), stopping it first while it trains: Bria
    refuses to delete a training model."""
    steps = stop_steps(address, old, status) if status in rules.TRAINING_STATUSES else []
    return [*steps, Step(StepKind.DELETE_MODEL, address, dict(old), OLD_ID_PARAMS)]


def stop_steps(address: Address, old: Mapping[str, JsonValue], status: str) -> list[Step]:
    """Stop a training model and wait until Bria reports it Stopped (deletes need that)."""
    ids = OLD_ID_PARAMS if "old_id" in old else {}
    steps: list[Step] = []
    if status == "InProgress":
        steps.append(Step(StepKind.STOP_TRAINING, address, dict(old), ids))
    steps.append(
        Step(StepKind.WAIT_TRAINING_STOPPED, address, dict(old), ids, note="until status Stopped")
    )
    return steps
