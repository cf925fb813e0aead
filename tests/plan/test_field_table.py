"""The field table (`plan/fields.py`) is the one list of declared fields: the attribute
builders, the live views, refresh's readers and the client's answer and update models are held
to it here, so a field added in one place and forgotten in another fails a test."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from reconciler.addresses import Kind
from reconciler.client.models import (
    Dataset,
    Image,
    Model,
    Project,
    UpdateDatasetRequest,
    UpdateModelRequest,
    UpdateProjectRequest,
)
from reconciler.engine import refresh
from reconciler.plan import attributes as attrs
from reconciler.plan.fields import FIELD_RULES, SERVER_OWNED, Rule, rules_for
from reconciler.resources import JsonValue
from reconciler.sandbox.constraints import PUBLISHED_CONSTRAINTS, REFERENCE_CONSTRAINTS
from tests.plan import factories as f

KINDS = (Kind.PROJECT, Kind.DATASET, Kind.IMAGE, Kind.MODEL)
ANSWERS: dict[Kind, type[BaseModel]] = {
    Kind.PROJECT: Project,
    Kind.DATASET: Dataset,
    Kind.IMAGE: Image,
    Kind.MODEL: Model,
}
UPDATES: dict[Kind, type[BaseModel]] = {
    Kind.PROJECT: UpdateProjectRequest,
    Kind.DATASET: UpdateDatasetRequest,
    Kind.MODEL: UpdateModelRequest,
}
"""Images have no update body: their one PUT sets or regenerates the caption."""


def names(kind: Kind, *, live: bool = False, family: str | None = None) -> set[str]:
    """The rows of `kind` (the live ones with `live`), of one dataset family if given."""
    left_out = {"legacy": "fibo_only", "fibo": "legacy_only"}.get(family or "")
    return {
        row.name
        for row in rules_for(kind)
        if (row.live or not live) and not (left_out and getattr(row, left_out))
    }


def desired_attributes(kind: Kind) -> dict[str, JsonValue]:
    ws_project = f.project(models=(f.model(training_mode="expert", parameters=(("rank", 8),)),))
    dataset = ws_project.datasets[0]
    built = {
        Kind.PROJECT: attrs.project_attributes(ws_project),
        Kind.DATASET: attrs.dataset_attributes(dataset),
        Kind.IMAGE: attrs.image_attributes(dataset.images[0]),
        Kind.MODEL: attrs.model_attributes(ws_project.models[0]),
    }
    return built[kind]


FULL_ANSWERS: dict[Kind, dict[str, Any]] = {
    Kind.PROJECT: {
        "id": 1, "project_name": "acme", "project_description": "Brand mascot",
        "ip_name": "Foxy", "ip_description": "An orange fox", "ip_medium": "illustration",
        "ip_type": "defined_character",
    },
    Kind.DATASET: {
        "id": 2, "project_id": 1, "name": "v1", "caption_prefix": "An illustration of Foxy, ",
        "status": "draft", "upload_type": "basic", "images_count": 1, "training_version": "max",
        "visual_schema": '{"style": "flat"}',
    },
    Kind.IMAGE: {"id": 3, "dataset_id": 2, "image_name": "fox.png", "caption": "a fox"},
    Kind.MODEL: {
        "id": 4, "project_id": 1, "dataset_id": 2, "name": "light", "description": "",
        "status": "Completed", "training_mode": "expert", "training_version": "light",
        "training_parameters": {"rank": 8},
    },
}
"""Bria's answer for each kind with every field a live row reads."""


def live_view(kind: Kind) -> dict[str, JsonValue]:
    answer = FULL_ANSWERS[kind]
    if kind is Kind.PROJECT:
        return attrs.live_project_view(refresh.live_project(Project.read(answer)))
    if kind is Kind.DATASET:
        return attrs.live_dataset_view(refresh.live_dataset(Dataset.read(answer)))
    if kind is Kind.IMAGE:
        return attrs.live_image_view(refresh.live_image(Image.read(answer)))
    live = refresh.live_model(Model.read(answer), project_id=1)
    return attrs.live_model_view(live, "v1", {"rank": 8})


@pytest.mark.parametrize("kind", KINDS)
def test_desired_attributes_are_the_rows(kind: Kind) -> None:
    """A legacy dataset carries every row but the FIBO-only ones (its attributes, and so its
    plans and states, are as before FIBO); a FIBO dataset and its images carry every row but
    the legacy-only ones (no caption prefix on a FIBO dataset)."""
    assert set(desired_attributes(kind)) == names(kind, family="legacy")
    fibo = f.dataset(training_version="fibo", visual_schema_auto=True, refine=("add mood",))
    if kind is Kind.DATASET:
        assert set(attrs.dataset_attributes(fibo)) == names(kind, family="fibo")
    if kind is Kind.IMAGE:
        fibo_image = attrs.image_attributes(fibo.images[0], json_caption=True)
        assert set(fibo_image) == names(kind, family="fibo")


def test_fibo_attributes_hold_json_objects() -> None:
    """Schema and caption are compared as JSON objects (key order and spacing are not a
    change); an `auto` schema is None, known after apply."""
    caption = f.image("a.png", caption='{"b": 1, "a": [2]}')
    declared = f.dataset(
        training_version="fibo", visual_schema='{"style": "flat"}', imgs=(caption,)
    )
    values = attrs.dataset_attributes(declared)
    assert (values["visual_schema"], values["visual_schema_auto"], values["refine"]) == (
        {"style": "flat"},
        False,
        [],
    )
    assert attrs.image_attributes(caption, json_caption=True)["caption"] == {"a": [2], "b": 1}
    assert attrs.image_attributes(caption)["caption"] == '{"b": 1, "a": [2]}'
    auto = f.dataset(training_version="fibo", visual_schema_auto=True, refine=("x", "y"))
    values = attrs.dataset_attributes(auto)
    assert (values["visual_schema"], values["visual_schema_auto"], values["refine"]) == (
        None,
        True,
        ["x", "y"],
    )


@pytest.mark.parametrize("kind", KINDS)
def test_refresh_reads_every_live_row(kind: Kind) -> None:
    """Bria's answer -> refresh's live record -> the live view: exactly the live rows."""
    assert set(live_view(kind)) == names(kind, live=True)


@pytest.mark.parametrize("kind", KINDS)
def test_every_answer_field_is_a_row_or_server_owned(kind: Kind) -> None:
    """A field Bria adds to its answer must be declared (a row) or said to be Bria's own."""
    declared = {row.api_field for row in rules_for(kind) if row.live and row.api_field}
    answer = set(ANSWERS[kind].field_names)
    assert not declared & SERVER_OWNED[kind]
    assert answer == declared | SERVER_OWNED[kind]


@pytest.mark.parametrize("kind", sorted(UPDATES))
def test_in_place_rows_are_what_bria_updates(kind: Kind) -> None:
    """An in-place row is a field of Bria's update body; a replacing row is not in it (Bria
    refuses it, or has no endpoint for it)."""
    body = set(UPDATES[kind].field_names)
    for row in rules_for(kind):
        if row.api_field is None:
            continue
        if row.rule is Rule.IN_PLACE:
            assert row.api_field in body, row
        elif row.rule is Rule.FORCES_REPLACE:
            assert row.api_field not in body, row


def test_constraints_are_bria_s() -> None:
    known = {c.id for c in (*REFERENCE_CONSTRAINTS, *PUBLISHED_CONSTRAINTS)}
    cited = {row.constraint for rows in FIELD_RULES.values() for row in rows if row.constraint}
    assert cited and cited <= known


@pytest.mark.parametrize("kind", KINDS)
def test_rows_refer_to_rows_of_their_kind(kind: Kind) -> None:
    rows = {row.name: row for row in rules_for(kind)}
    assert len(rows) == len(rules_for(kind))
    values = desired_attributes(kind)
    for row in rows.values():
        for other in (row.generated_when, row.flag_for):
            assert other is None or (other in rows and other != row.name), row
        if row.flag_for is not None:
            assert rows[row.flag_for].generated_when == row.name, row
        if row.per_key:
            assert isinstance(values[row.name], dict), row
