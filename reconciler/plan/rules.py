"""Bria facts the planner acts on: the prefix sample, training statuses, training notes.

How each declared field may change at Bria is the field table, `plan/fields.py`; the rules
checked before apply (ranges, limits, generations) are `reconciler.bria_rules`.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.bria_rules import Family

PREFIX_SAMPLE_MAX = 6
"""PFX-IMAGES-1-6."""
TRAINING_STATUSES = frozenset({"InProgress", "Stopping"})
"""Model statuses in which Bria refuses deletes of the model, its dataset and its project."""
RETRAIN_STATUSES = frozenset({"Failed", "Stopped"})
"""Terminal statuses from which Bria cannot restart training (TRAIN-ALREADY-STARTED)."""
TRAINING_HOURS: Mapping[Family, str] = {"legacy": "1-3", "fibo": "2-4"}
"""How long Bria says a training typically takes: 1-3 hours for the legacy generation, 2-4
for FIBO ("Training duration is typically 2-4 hours", Bria's published OpenAPI L3070)."""


def training_note(family: Family) -> str:
    """The note on every change that starts a training (renderers find those by the step
    kind)."""
    return (
        f"training typically takes {TRAINING_HOURS[family]} hours and is billed by Bria; "
        "`apply --wait` waits for it"
    )


def training_step_note(family: Family) -> str:
    """The note on the start_training step itself."""
    return f"{TRAINING_HOURS[family]} hours; billed by Bria"


TRAINING_NOTES = frozenset(training_note(family) for family in TRAINING_HOURS)
