"""The one field table: per kind, each declared field, how it may change at Bria, and why.

One row per declared attribute of a kind (the keys of `Change.before`/`after`, of the state's
recorded attributes and, for `live` rows, of refresh's live view). The differ and the project
comparator read it instead of naming fields, and tests/plan/test_field_table.py holds the
attribute builders, the live views, refresh and the client's models to it: a new field is a
new row here, and a field Bria adds to its answers is a row or `SERVER_OWNED`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from reconciler.addresses import Kind
from reconciler.records import record
from reconciler.resources import DEFAULT_DATASET_VERSION, JsonValue


class Rule(StrEnum):
    IN_PLACE = "in_place"
    """Updated with a PUT; the remote id stays."""
    FORCES_REPLACE = "forces_replace"
    """Bria refuses to change it (or has no endpoint for it): a new remote object."""
    FROZEN_WHEN_COMPLETED = "frozen_when_completed"
    """Dataset content: in place while the dataset is draft, a dataset replace once completed."""
    LIFECYCLE = "lifecycle"
    """Drives what tailor does (train, completed) rather than a stored Bria field."""
    STATE_ONLY = "state_only"
    """Only recorded by tailor (prevent_destroy, file path); a change touches no API."""


@record
class FieldRule:
    """How the planner treats one declared field of a kind."""

    name: str
    rule: Rule
    api_field: str | None = None
    """The request/response field at Bria, when it differs from `name` or exists at all."""
    live: bool = False
    """Whether refresh can observe it, so that live-vs-recorded differences are drift."""
    unset_means_unmanaged: bool = False
    """A desired None leaves Bria's value alone (caption_prefix omitted, automatic caption)."""
    constraint: str | None = None
    """The REFERENCE constraint id behind `rule`, when Bria documents one."""
    per_key: bool = False
    """A mapping compared key by key (`parameters.rank`): each key is its own FieldChange."""
    generated_when: str | None = None
    """The row whose True says Bria generates this value at apply (known only after it)."""
    flag_for: str | None = None
    """This row only says how another row's value is set; it is never compared itself."""
    absent_means: JsonValue = None
    """What a recorded value missing from an older state was (it predates the row)."""
    fibo_only: bool = False
    """Declared by FIBO datasets only: a legacy dataset's attributes never carry it."""
    legacy_only: bool = False
    """Declared by legacy datasets only (the caption prefix): a FIBO dataset's never carry it."""


FIELD_RULES: Mapping[Kind, tuple[FieldRule, ...]] = {
    Kind.PROJECT: (
        FieldRule("name", Rule.IN_PLACE, "project_name", live=True),
        FieldRule("description", Rule.IN_PLACE, "project_description", live=True),
        FieldRule("ip_name", Rule.IN_PLACE, "ip_name", live=True),
        FieldRule("ip_description", Rule.IN_PLACE, "ip_description", live=True),
        FieldRule(
            "ip_type", Rule.FORCES_REPLACE, "ip_type", live=True, constraint="PRJ-UPDATE-IMMUTABLE"
        ),
        FieldRule(
            "ip_medium",
            Rule.FORCES_REPLACE,
            "ip_medium",
            live=True,
            constraint="PRJ-UPDATE-IMMUTABLE",
        ),
        FieldRule("prevent_destroy", Rule.STATE_ONLY),
    ),
    Kind.DATASET: (
        FieldRule("name", Rule.IN_PLACE, "name", live=True),
        FieldRule(
            "training_version",
            Rule.FORCES_REPLACE,
            "training_version",
            live=True,
            constraint="DS-VERSION-IMMUTABLE",
            absent_means=DEFAULT_DATASET_VERSION,
        ),
        FieldRule("upload_type", Rule.FORCES_REPLACE, "upload_type", live=True),
        FieldRule(
            "caption_prefix",
            Rule.FROZEN_WHEN_COMPLETED,
            "caption_prefix",
            live=True,
            unset_means_unmanaged=True,
            constraint="DS-COMPLETED-PREFIX-LOCKED",
            generated_when="caption_prefix_auto",
            legacy_only=True,
        ),
        FieldRule(
            "caption_prefix_auto",
            Rule.FROZEN_WHEN_COMPLETED,
            flag_for="caption_prefix",
            legacy_only=True,
        ),
        FieldRule(
            "visual_schema",
            Rule.FROZEN_WHEN_COMPLETED,
            "visual_schema",
            live=True,
            unset_means_unmanaged=True,
            constraint="DS-COMPLETED-SCHEMA-LOCKED",
            generated_when="visual_schema_auto",
            fibo_only=True,
        ),
        FieldRule(
            "visual_schema_auto",
            Rule.FROZEN_WHEN_COMPLETED,
            flag_for="visual_schema",
            absent_means=False,
            fibo_only=True,
        ),
        FieldRule(
            "refine",
            Rule.FROZEN_WHEN_COMPLETED,
            constraint="DS-COMPLETED-SCHEMA-LOCKED",
            fibo_only=True,
        ),
        FieldRule(
            "completed", Rule.LIFECYCLE, "status", live=True, constraint="DS-COMPLETED-NO-REOPEN"
        ),
        FieldRule("increase_resolution", Rule.STATE_ONLY),
        FieldRule("prevent_destroy", Rule.STATE_ONLY),
    ),
    Kind.IMAGE: (
        FieldRule("name", Rule.FORCES_REPLACE, "image_name", live=True),
        FieldRule("sha256", Rule.FORCES_REPLACE),
        FieldRule(
            "caption",
            Rule.FROZEN_WHEN_COMPLETED,
            "caption",
            live=True,
            unset_means_unmanaged=True,
            constraint="IMG-CAPTION-COMPLETED-DATASET",
        ),
        FieldRule("path", Rule.STATE_ONLY),
    ),
    Kind.MODEL: (
        FieldRule("name", Rule.IN_PLACE, "name", live=True),
        FieldRule("description", Rule.IN_PLACE, "description", live=True),
        FieldRule(
            "dataset",
            Rule.FORCES_REPLACE,
            "dataset_id",
            live=True,
            constraint="MODEL-UPDATE-NAME-DESC-ONLY",
        ),
        FieldRule(
            "training_version",
            Rule.FORCES_REPLACE,
            "training_version",
            live=True,
            constraint="MODEL-UPDATE-NAME-DESC-ONLY",
        ),
        FieldRule(
            "training_mode",
            Rule.FORCES_REPLACE,
            "training_mode",
            live=True,
            constraint="MODEL-UPDATE-NAME-DESC-ONLY",
        ),
        FieldRule(
            "parameters",
            Rule.FORCES_REPLACE,
            "training_parameters",
            live=True,
            constraint="MODEL-UPDATE-NAME-DESC-ONLY",
            per_key=True,
        ),
        FieldRule("train", Rule.LIFECYCLE),
        FieldRule("prevent_destroy", Rule.STATE_ONLY),
        FieldRule("retain_on_replace", Rule.STATE_ONLY),
    ),
}
"""Declared fields per kind, in display order."""

SERVER_OWNED: Mapping[Kind, frozenset[str]] = {
    Kind.PROJECT: frozenset(
        {"id", "status", "training_version", "created_at", "updated_at"}
    ),
    Kind.DATASET: frozenset(
        {
            "id",
            "project_id",
            "captions_update_status",
            "captions_source",
            "images_count",
            "images",
            "created_at",
            "updated_at",
        }
    ),
    Kind.IMAGE: frozenset(
        {
            "id",
            "dataset_id",
            "caption_source",
            "image_url",
            "thumbnail_url",
            "upload_source_url",
            "created_at",
            "updated_at",
        }
    ),
    Kind.MODEL: frozenset(
        {
            "id",
            "project_id",
            "status",
            "generation_prefix",
            "active_model_version",
            "checkpoint_steps",
            "custom_metadata",
            "created_at",
            "updated_at",
        }
    ),
}
"""Fields of Bria's answers that no row declares (ids, statuses, timestamps, counts, and what
tailor does not manage yet): never compared, never shown as a diff or drift."""


def rules_for(kind: Kind) -> tuple[FieldRule, ...]:
    return FIELD_RULES[kind]
