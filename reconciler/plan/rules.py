"""Bria facts the planner acts on: the prefix sample, training statuses, training notes.

How each declared field may change at Bria is the field table, `plan/fields.py`; the rules
checked before apply (ranges, limits, generations) are `reconciler.bria_rules`.
"""

from __future__ import annotations

PREFIX_SAMPLE_MAX = 6
"""PFX-IMAGES-1-6."""
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
