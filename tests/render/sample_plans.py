"""Representative plans built directly from `reconciler.plan.model` values.

They stand in for what the builder produces, so the renderers can be pinned by golden files
without depending on the planner's internals.
"""

from __future__ import annotations

from dataclasses import replace

from reconciler.addresses import Address
from reconciler.errors import Location
from reconciler.plan import rules
from reconciler.plan.model import (
    Action,
    Change,
    Diagnostic,
    Drift,
    FieldChange,
    Phase,
    Plan,
    Reason,
    ReplaceMode,
    Severity,
    Step,
    StepKind,
)
from reconciler.resources import JsonValue

HEADER = "API: embedded sandbox · state: .tailor/state.db"

PROJECT = Address("acme-mascot")
V1 = Address("acme-mascot", dataset="v1")
LIGHT = Address("acme-mascot", model="light")
MAX = Address("acme-mascot", model="max-expert")


def _project_after() -> dict[str, JsonValue]:
    return {
        "name": "Acme Mascot",
        "description": "Brand mascot for the 2027 campaign",
        "ip_name": "Foxy",
        "ip_description": "A friendly orange fox with a blue scarf",
        "ip_type": "defined_character",
        "ip_medium": "illustration",
        "prevent_destroy": False,
    }


def _dataset_attrs(prefix: str | None, auto: bool) -> dict[str, JsonValue]:
    return {
        "name": "v1",
        "upload_type": "basic",
        "caption_prefix": prefix,
        "caption_prefix_auto": auto,
        "completed": True,
        "increase_resolution": True,
        "prevent_destroy": False,
    }


def _model_attrs(
    name: str, version: str, mode: str, params: dict[str, JsonValue] | None = None
) -> dict[str, JsonValue]:
    return {
        "name": name,
        "description": "fast generation",
        "dataset": "v1",
        "training_version": version,
        "training_mode": mode,
        "parameters": params or {},
        "train": True,
        "prevent_destroy": False,
        "retain_on_replace": False,
    }


def _image(
    dataset: Address,
    name: str,
    action: Action,
    reason: Reason,
    replaced_by: Address | None = None,
) -> Change:
    address = Address(dataset.project, dataset=dataset.dataset, image=name)
    steps: tuple[Step, ...]
    if action is Action.CREATE:
        steps = (
            Step(
                StepKind.UPLOAD_IMAGE,
                address,
                {"image_name": name, "path": f"images/{dataset.dataset}/{name}"},
            ),
        )
        after = {
            "name": name,
            "path": f"images/{dataset.dataset}/{name}",
            "sha256": "0" * 64,
            "caption": None,
        }
        return Change(
            address,
            action,
            reason,
            after=after,
            steps=steps,
            replaced_by=replaced_by,
            notes=("uploaded into the new dataset",) if replaced_by else (),
        )
    if action is Action.DELETE:
        steps = (Step(StepKind.DELETE_IMAGE, address),)
        return Change(address, action, reason, steps=steps, remote_id=7)
    steps = (Step(StepKind.UPDATE_CAPTION, address, {"caption": "new caption"}),)
    fields = (FieldChange("caption", "old caption", "new caption"),)
    return Change(address, action, reason, field_changes=fields, steps=steps, remote_id=8)


def _training_model_steps(address: Address) -> tuple[Step, ...]:
    return (
        Step(StepKind.CREATE_MODEL, address, {"name": address.key}),
        Step(StepKind.START_TRAINING, address),
    )


def create_workspace() -> Plan:
    """A first plan: everything is new."""
    images = tuple(_image(V1, f"fox-0{i}.png", Action.CREATE, Reason.NEW) for i in range(1, 7))
    dataset_after = _dataset_attrs(None, True)
    return Plan(
        changes=(
            Change(
                PROJECT,
                Action.CREATE,
                Reason.NEW,
                after=_project_after(),
                steps=(Step(StepKind.CREATE_PROJECT, PROJECT),),
            ),
            Change(
                V1,
                Action.CREATE,
                Reason.NEW,
                after=dataset_after,
                field_changes=(),
                steps=(
                    Step(StepKind.CREATE_DATASET, V1),
                    Step(StepKind.GENERATE_PREFIX, V1, {"images": ["images/v1/fox-01.png"]}),
                    Step(StepKind.SET_CAPTION_PREFIX, V1, {"generated": True}),
                    Step(StepKind.COMPLETE_DATASET, V1, phase=Phase.FINALIZE),
                ),
            ),
            *images,
            Change(
                LIGHT,
                Action.CREATE,
                Reason.NEW,
                after=_model_attrs("light", "light", "fully_automated"),
                steps=_training_model_steps(LIGHT),
                notes=(rules.training_note("legacy"),),
            ),
        ),
        state_lineage="3f1c",
        state_serial=0,
    )


def no_changes() -> Plan:
    return Plan(
        changes=(
            Change(PROJECT, Action.NO_OP, Reason.UNCHANGED, remote_id=1),
            Change(V1, Action.NO_OP, Reason.UNCHANGED, remote_id=2),
            Change(LIGHT, Action.NO_OP, Reason.UNCHANGED, remote_id=3),
        ),
        state_lineage="3f1c",
        state_serial=4,
    )


def dataset_replace_cascade() -> Plan:
    """A completed dataset's caption prefix and images change: a new dataset, models follow."""
    new_images = tuple(
        _image(V1, f"fox-0{i}.png", Action.CREATE, Reason.CASCADE, replaced_by=V1)
        for i in range(1, 9)
    )
    light_before = _model_attrs("light", "light", "fully_automated")
    max_before = _model_attrs("max-expert", "max", "expert", {"rank": 32})
    return Plan(
        changes=(
            Change(PROJECT, Action.NO_OP, Reason.UNCHANGED, remote_id=1),
            Change(
                V1,
                Action.REPLACE,
                Reason.COMPLETED_DATASET_CONTENT,
                before=_dataset_attrs("Foxy", False),
                after=_dataset_attrs("Foxy the fox", False),
                field_changes=(
                    FieldChange("caption_prefix", "Foxy", "Foxy the fox", forces_replace=True),
                ),
                requires_replace=("caption_prefix",),
                replace_mode=ReplaceMode.CREATE_BEFORE_DESTROY,
                steps=(
                    Step(StepKind.CREATE_DATASET, V1),
                    Step(StepKind.SET_CAPTION_PREFIX, V1, {"caption_prefix": "Foxy the fox"}),
                    Step(StepKind.COMPLETE_DATASET, V1, phase=Phase.FINALIZE),
                    Step(
                        StepKind.DELETE_DATASET,
                        V1,
                        {"old_id": 2},
                        path_params={"dataset_id": "old_id"},
                        phase=Phase.FINALIZE,
                        deferred=True,
                        note="after the models trained on it are replaced",
                    ),
                ),
                remote_id=2,
            ),
            *new_images,
            Change(
                LIGHT,
                Action.REPLACE,
                Reason.CASCADE,
                before=light_before,
                after=light_before,
                replace_mode=ReplaceMode.CREATE_BEFORE_DESTROY,
                replaced_by=V1,
                steps=(
                    *_training_model_steps(LIGHT),
                    Step(
                        StepKind.DELETE_MODEL,
                        LIGHT,
                        {"old_id": 3},
                        path_params={"model_id": "old_id"},
                        deferred=True,
                        note="once the successor finished training",
                    ),
                ),
                notes=(rules.training_note("legacy"),),
                remote_id=3,
            ),
            Change(
                MAX,
                Action.REPLACE,
                Reason.REQUIRES_REPLACE,
                before=max_before,
                after=_model_attrs("max-expert", "max", "expert", {"rank": 64}),
                field_changes=(
                    FieldChange("parameters.rank", 32, 64, forces_replace=True),
                    FieldChange("description", "fast generation", "the best", forces_replace=False),
                ),
                requires_replace=("parameters.rank",),
                replace_mode=ReplaceMode.CREATE_BEFORE_DESTROY,
                replaced_by=V1,
                steps=(
                    *_training_model_steps(MAX),
                    Step(
                        StepKind.FORGET,
                        MAX,
                        {"old_id": 4},
                        note="retain_on_replace: the old model is kept at Bria",
                    ),
                ),
                notes=(rules.training_note("legacy"),),
                remote_id=4,
            ),
        ),
        state_lineage="3f1c",
        state_serial=7,
    )


def prevent_destroy_blocked() -> Plan:
    """A model removed from the manifest while its lifecycle says prevent_destroy."""
    location = Location("mascot.yaml", 31, 5)
    return Plan(
        changes=(
            Change(PROJECT, Action.NO_OP, Reason.UNCHANGED, remote_id=1),
            Change(
                MAX,
                Action.DELETE,
                Reason.REMOVED_FROM_MANIFEST,
                before=_model_attrs("max-expert", "max", "expert", {"rank": 32}),
                steps=(Step(StepKind.DELETE_MODEL, MAX),),
                remote_id=4,
                location=location,
            ),
        ),
        diagnostics=(
            Diagnostic(
                Severity.WARNING,
                "Model 'light' trains on 3 images",
                detail="Bria recommends at least 5 images for a defined character.",
                address=LIGHT,
                location=Location("mascot.yaml", 22, 3),
            ),
            Diagnostic(
                Severity.ERROR,
                "acme-mascot/models/max-expert has lifecycle.prevent_destroy set and would be "
                "deleted",
                detail="Remove prevent_destroy from the state first, or put the model back.",
                address=MAX,
                location=location,
            ),
        ),
        state_lineage="3f1c",
        state_serial=9,
    )


def drift() -> Plan:
    """Edits made in the Console, reconciled back towards the manifest."""
    return Plan(
        changes=(
            Change(
                PROJECT,
                Action.UPDATE,
                Reason.DRIFT,
                before={"description": "Edited in the Console"},
                after={"description": "Brand mascot for the 2027 campaign"},
                field_changes=(
                    FieldChange(
                        "description", "Edited in the Console", "Brand mascot for the 2027 campaign"
                    ),
                ),
                steps=(Step(StepKind.UPDATE_PROJECT, PROJECT),),
                remote_id=1,
            ),
            Change(
                LIGHT,
                Action.UPDATE,
                Reason.UPDATED_FIELDS,
                field_changes=(FieldChange("name", "light", "Light"),),
                steps=(Step(StepKind.UPDATE_MODEL, LIGHT),),
                notes=(
                    "to keep the remote model under a new key instead, run "
                    "`tailor state mv acme-mascot/models/light acme-mascot/models/fast`",
                ),
                remote_id=3,
            ),
        ),
        drift=(
            Drift(
                PROJECT,
                "description",
                "Brand mascot for the 2027 campaign",
                "Edited in the Console",
            ),
            Drift(V1, "completed", False, True),
        ),
        state_lineage="3f1c",
        state_serial=12,
    )


def many_images(count: int = 10_000) -> Plan:
    """`count` image changes over three datasets, plus destructive changes that must always
    be named."""
    old = Address("acme-mascot", dataset="old")
    v2 = Address("acme-mascot", dataset="v2")
    v3 = Address("acme-mascot", dataset="v3")
    gone = Address("acme-mascot", model="old-light")
    per = count // 3
    changes: list[Change] = [Change(PROJECT, Action.NO_OP, Reason.UNCHANGED, remote_id=1)]
    for dataset, n in ((V1, per), (v2, per)):
        changes.append(
            Change(
                dataset,
                Action.CREATE,
                Reason.NEW,
                steps=(
                    Step(StepKind.CREATE_DATASET, dataset),
                    Step(StepKind.COMPLETE_DATASET, dataset, phase=Phase.FINALIZE),
                ),
            )
        )
        changes.extend(
            _image(dataset, f"img-{i:05d}.png", Action.CREATE, Reason.NEW) for i in range(n)
        )
    rest = count - 2 * per
    changes.append(Change(v3, Action.NO_OP, Reason.UNCHANGED, remote_id=30))
    changes.extend(
        _image(v3, f"img-{i:05d}.png", Action.CREATE, Reason.NEW) for i in range(rest - 10)
    )
    changes.extend(
        _image(v3, f"del-{i}.png", Action.DELETE, Reason.REMOVED_FROM_MANIFEST) for i in range(5)
    )
    changes.extend(
        _image(v3, f"cap-{i}.png", Action.UPDATE, Reason.UPDATED_FIELDS) for i in range(5)
    )
    changes.append(
        Change(
            old,
            Action.DELETE,
            Reason.REMOVED_FROM_MANIFEST,
            remote_id=20,
            steps=(Step(StepKind.DELETE_DATASET, old),),
        )
    )
    changes.append(
        Change(
            gone,
            Action.DELETE,
            Reason.REMOVED_FROM_MANIFEST,
            remote_id=21,
            steps=(Step(StepKind.DELETE_MODEL, gone),),
        )
    )
    changes.append(
        Change(
            LIGHT,
            Action.REPLACE,
            Reason.REQUIRES_REPLACE,
            field_changes=(FieldChange("dataset", "old", "v1", forces_replace=True),),
            requires_replace=("dataset",),
            replace_mode=ReplaceMode.CREATE_BEFORE_DESTROY,
            steps=_training_model_steps(LIGHT),
            notes=(rules.training_note("legacy"),),
            remote_id=3,
        )
    )
    changes.sort(key=lambda c: c.sort_key())
    return Plan(changes=tuple(changes), state_lineage="3f1c", state_serial=21)


ALL = {
    "create_workspace": create_workspace,
    "no_changes": no_changes,
    "dataset_replace_cascade": dataset_replace_cascade,
    "prevent_destroy_blocked": prevent_destroy_blocked,
    "drift": drift,
    "many_images": many_images,
}


def pr_example() -> Plan:
    """The plan behind examples/pr-comment.md: a console edit, a dataset rebuilt, models
    retrained, and a warning."""
    cascade = dataset_replace_cascade()
    console_edit = drift()
    kept = [c for c in cascade.changes if c.address != PROJECT]
    changes = sorted([*kept, console_edit.changes[0]], key=lambda c: c.sort_key())
    return replace(
        cascade,
        changes=tuple(changes),
        drift=console_edit.drift[:1],
        diagnostics=prevent_destroy_blocked().diagnostics[:1],
    )
