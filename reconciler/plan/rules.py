"""Bria facts the planner checks before apply: limits, parameter ranges, training statuses.

How each declared field may change at Bria is the field table, `plan/fields.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import get_args

from reconciler.resources import LrScheduler

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
