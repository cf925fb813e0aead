"""Per-kind field table: how each declared field may change at Bria.

One row per declared attribute of a kind (the keys of `Change.before`/`after` and of the state's
recorded attributes). The builder and the differ read this table instead of hard-coding field
names, so adding a field is one row here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import get_args

from reconciler.addresses import Kind
from reconciler.resources import LrScheduler


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


@dataclass(frozen=True)
class FieldRule:
    name: str
    rule: Rule
    api_field: str | None = None
    """The request/response field at Bria, when it differs from `name` or exists at all."""
    live: bool = False
    """Whether refresh can observe it, so that live-vs-recorded differences are drift."""
    unset_means_unmanaged: bool = False
    """A desired None leaves Bria's value alone (caption_prefix omitted, automatic caption)."""


FIELD_RULES: Mapping[Kind, tuple[FieldRule, ...]] = {
    Kind.PROJECT: (
        FieldRule("name", Rule.IN_PLACE, "project_name", live=True),
        FieldRule("description", Rule.IN_PLACE, "project_description", live=True),
        FieldRule("ip_name", Rule.IN_PLACE, "ip_name", live=True),
        FieldRule("ip_description", Rule.IN_PLACE, "ip_description", live=True),
        FieldRule("ip_type", Rule.FORCES_REPLACE, "ip_type", live=True),
        FieldRule("ip_medium", Rule.FORCES_REPLACE, "ip_medium", live=True),
        FieldRule("prevent_destroy", Rule.STATE_ONLY),
    ),
    Kind.DATASET: (
        FieldRule("name", Rule.IN_PLACE, "name", live=True),
        FieldRule("upload_type", Rule.FORCES_REPLACE, "upload_type", live=True),
        FieldRule(
            "caption_prefix",
            Rule.FROZEN_WHEN_COMPLETED,
            "caption_prefix",
            live=True,
            unset_means_unmanaged=True,
        ),
        FieldRule("caption_prefix_auto", Rule.FROZEN_WHEN_COMPLETED),
        FieldRule("completed", Rule.LIFECYCLE, "status", live=True),
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
        ),
        FieldRule("path", Rule.STATE_ONLY),
    ),
    Kind.MODEL: (
        FieldRule("name", Rule.IN_PLACE, "name", live=True),
        FieldRule("description", Rule.IN_PLACE, "description", live=True),
        FieldRule("dataset", Rule.FORCES_REPLACE, "dataset_id", live=True),
        FieldRule("training_version", Rule.FORCES_REPLACE, "training_version", live=True),
        FieldRule("training_mode", Rule.FORCES_REPLACE, "training_mode", live=True),
        FieldRule("parameters", Rule.FORCES_REPLACE, "training_parameters", live=True),
        FieldRule("train", Rule.LIFECYCLE),
        FieldRule("prevent_destroy", Rule.STATE_ONLY),
        FieldRule("retain_on_replace", Rule.STATE_ONLY),
    ),
}
"""Declared fields per kind, in display order. Anything else Bria reports (ids, statuses,
timestamps, counts) is server-owned: never compared, never shown as a diff."""


def rules_for(kind: Kind) -> tuple[FieldRule, ...]:
    return FIELD_RULES[kind]


# Bria facts the planner checks before apply (REFERENCE section 11 ids). The IP type lists
# and image limits the manifest checks too are in reconciler.resources.
PREFIX_SAMPLE_MAX = 6
"""PFX-IMAGES-1-6."""
EXPERT_PARAMETER_RANGES: Mapping[str, tuple[float, float]] = {
    "rank": (4, 256),
    "learning_rate": (0.000001, 0.001),
    "total_training_steps": (1, 5000),
    "checkpoint_interval": (100, 5000),
    "lr_warmup_steps": (0, 1000),
}
LR_SCHEDULERS = frozenset(get_args(LrScheduler))
TRAINING_STATUSES = frozenset({"InProgress", "Stopping"})
"""Model statuses in which Bria refuses deletes of the model, its dataset and its project."""
RETRAIN_STATUSES = frozenset({"Failed", "Stopped"})
"""Terminal statuses from which Bria cannot restart training (TRAIN-ALREADY-STARTED)."""
TRAINING_NOTE = (
    "training typically takes 1-3 hours and is billed by Bria; `apply --wait` waits for it"
)
"""The note on every change that starts a training (renderers find those by the step kind)."""
TRAINING_STEP_NOTE = "1-3 hours; billed by Bria"
"""The note on the start_training step itself."""
