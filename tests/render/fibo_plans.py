"""FIBO plans built directly from `reconciler.plan.model` values: visual schemas and JSON
captions as JSON objects, some keys and values hostile (Markdown, HTML, control characters).

They pin how the renderers show JSON-object values without depending on the planner.
"""

from __future__ import annotations

from reconciler.addresses import Address
from reconciler.plan.model import (
    Action,
    Change,
    Drift,
    FieldChange,
    Phase,
    Plan,
    Reason,
    ReplaceMode,
    Step,
    StepKind,
)
from reconciler.resources import JsonValue

PROJECT = Address("acme-fibo")
AUTO = Address("acme-fibo", dataset="auto")
FILED = Address("acme-fibo", dataset="filed")
DONE = Address("acme-fibo", dataset="done")

HOSTILE_KEY = "](https://evil.example) <img src=x onerror=alert(1)>\n+ fake = line"
HOSTILE_VALUE = "```\n</pre><script>alert('x')</script> @team \u202eevil\x07"


def schema(
    *, palette_second: str = "#3355aa", mood: str | None = "playful"
) -> dict[str, JsonValue]:
    style: dict[str, JsonValue] = {
        "palette": ["#ff7a00", palette_second, "#ffffff"],
        "medium": "flat vector illustration",
    }
    if mood is not None:
        style["mood"] = mood
    return {
        "subject": {"name": "Foxy", "species": "fox", "accessories": ["blue scarf"]},
        "style": style,
        "lighting": "soft daylight",
        HOSTILE_KEY: HOSTILE_VALUE,
    }


def _dataset_attrs(
    name: str, visual_schema: JsonValue, *, auto: bool, completed: bool
) -> dict[str, JsonValue]:
    return {
        "name": name,
        "training_version": "fibo",
        "upload_type": "basic",
        "visual_schema": visual_schema,
        "visual_schema_auto": auto,
        "completed": completed,
        "prevent_destroy": False,
    }


def _image(dataset: Address, name: str) -> Address:
    return Address(dataset.project, dataset=dataset.dataset, image=name)


def _image_attrs(dataset: Address, name: str, caption: JsonValue) -> dict[str, JsonValue]:
    return {
        "name": name,
        "path": f"images/{dataset.dataset}/{name}",
        "sha256": "0" * 64,
        "caption": caption,
    }


def caption(action: str, extra: dict[str, JsonValue] | None = None) -> dict[str, JsonValue]:
    return {
        "subject": "Foxy",
        "action": action,
        "style": {"palette": ["#ff7a00", "#3355aa"], "medium": "flat vector illustration"},
        **(extra or {}),
    }


def create_fibo() -> Plan:
    """A new FIBO workspace: one dataset whose schema Bria generates, one from a file, a
    JSON-captioned image."""
    upload = _image(FILED, "fox-01.png")
    return Plan(
        changes=(
            Change(
                PROJECT,
                Action.CREATE,
                Reason.NEW,
                after={"name": "Acme FIBO", "ip_type": "defined_character"},
                steps=(Step(StepKind.CREATE_PROJECT, PROJECT),),
            ),
            Change(
                AUTO,
                Action.CREATE,
                Reason.NEW,
                after=_dataset_attrs("auto", None, auto=True, completed=False),
                steps=(Step(StepKind.CREATE_DATASET, AUTO, {"training_version": "fibo"}),),
            ),
            Change(
                FILED,
                Action.CREATE,
                Reason.NEW,
                after=_dataset_attrs("filed", schema(), auto=False, completed=True),
                steps=(
                    Step(StepKind.CREATE_DATASET, FILED, {"training_version": "fibo"}),
                    Step(StepKind.COMPLETE_DATASET, FILED, phase=Phase.FINALIZE),
                ),
            ),
            Change(
                upload,
                Action.CREATE,
                Reason.NEW,
                after=_image_attrs(FILED, "fox-01.png", caption("waving")),
                steps=(Step(StepKind.UPLOAD_IMAGE, upload, {"image_name": "fox-01.png"}),),
            ),
        ),
        state_lineage="f1b0",
        state_serial=0,
    )


def edit_fibo() -> Plan:
    """A draft's schema file edited (an accessory put first in a list), a completed dataset
    rebuilt for its schema, JSON captions changed (object to object, text to object, object to
    text), the Console's edits as drift."""
    waving = _image(FILED, "fox-01.png")
    jumping = caption("jumping", {"hostile": HOSTILE_VALUE})
    worded = _image(FILED, "fox-02.png")
    plain = _image(FILED, "fox-03.png")
    new_schema = schema(palette_second="#1144cc", mood=None)
    new_schema["composition"] = {"framing": "centered"}
    new_schema["subject"] = {
        "name": "Foxy", "species": "fox", "accessories": ["red hat", "blue scarf"]
    }
    new_schema[HOSTILE_KEY] = f"{HOSTILE_VALUE} (edited)"
    return Plan(
        changes=(
            Change(
                FILED,
                Action.UPDATE,
                Reason.UPDATED_FIELDS,
                before=_dataset_attrs("filed", schema(), auto=False, completed=False),
                after=_dataset_attrs("filed", new_schema, auto=False, completed=False),
                field_changes=(FieldChange("visual_schema", schema(), new_schema),),
                steps=(Step(StepKind.UPDATE_DATASET, FILED),),
                remote_id=11,
            ),
            Change(
                waving,
                Action.UPDATE,
                Reason.UPDATED_FIELDS,
                before=_image_attrs(FILED, "fox-01.png", caption("waving")),
                after=_image_attrs(FILED, "fox-01.png", jumping),
                field_changes=(FieldChange("caption", caption("waving"), jumping),),
                steps=(Step(StepKind.UPDATE_CAPTION, waving),),
                remote_id=21,
            ),
            Change(
                worded,
                Action.UPDATE,
                Reason.UPDATED_FIELDS,
                before=_image_attrs(FILED, "fox-02.png", "a fox in a scarf"),
                after=_image_attrs(FILED, "fox-02.png", caption("sitting")),
                field_changes=(FieldChange("caption", "a fox in a scarf", caption("sitting")),),
                steps=(Step(StepKind.UPDATE_CAPTION, worded),),
                remote_id=22,
            ),
            Change(
                plain,
                Action.UPDATE,
                Reason.UPDATED_FIELDS,
                before=_image_attrs(FILED, "fox-03.png", caption("running")),
                after=_image_attrs(FILED, "fox-03.png", "a running fox"),
                field_changes=(FieldChange("caption", caption("running"), "a running fox"),),
                steps=(Step(StepKind.UPDATE_CAPTION, plain),),
                remote_id=23,
            ),
            Change(
                DONE,
                Action.REPLACE,
                Reason.COMPLETED_DATASET_CONTENT,
                before=_dataset_attrs("done", schema(), auto=False, completed=True),
                after=_dataset_attrs("done", None, auto=True, completed=True),
                field_changes=(
                    FieldChange(
                        "visual_schema", schema(), None, known_after_apply=True, forces_replace=True
                    ),
                ),
                requires_replace=("visual_schema",),
                replace_mode=ReplaceMode.CREATE_BEFORE_DESTROY,
                steps=(Step(StepKind.CREATE_DATASET, DONE, {"training_version": "fibo"}),),
                remote_id=12,
            ),
        ),
        drift=(
            Drift(FILED, "visual_schema", schema(), schema(mood="gloomy")),
            Drift(_image(FILED, "fox-04.png"), "caption", "a fox", caption("resting")),
        ),
        state_lineage="f1b0",
        state_serial=5,
    )


def large_schema_change(keys: int = 400) -> Plan:
    """Every key of a large schema changes: the Markdown comment must stay within its limit."""
    before: dict[str, JsonValue] = {f"key-{i:04d}": "x" * 400 for i in range(keys)}
    after: dict[str, JsonValue] = {f"key-{i:04d}": "y" * 400 for i in range(keys)}
    return Plan(
        changes=(
            Change(
                FILED,
                Action.UPDATE,
                Reason.UPDATED_FIELDS,
                before={"visual_schema": before},
                after={"visual_schema": after},
                field_changes=(FieldChange("visual_schema", before, after),),
                steps=(Step(StepKind.UPDATE_DATASET, FILED),),
                remote_id=11,
            ),
        ),
        state_lineage="f1b0",
        state_serial=6,
    )


ALL = {"fibo_create": create_fibo, "fibo_edit": edit_fibo}
