"""Pure rules of a model's life: its status at a moment, its checkpoints, its version."""

from __future__ import annotations

import json
from typing import Any

from reconciler.sandbox.store import Row

TRAINING_STATUSES = frozenset({"InProgress", "Stopping"})
READY_STATUSES = frozenset({"Completed", "completed"})
"""A trained model that finished, or an uploaded one that finished syncing: usable."""
STOP_SECONDS = 1.0
SYNC_SECONDS = 2.0


def model_status(row: Row, now: float) -> str:
    """Status computed from the clock, so no background work is needed and restarts are free.

    A training ends strictly after its end time, so Start Training always answers InProgress,
    even with a zero training time.
    """
    phase = str(row["phase"])
    if phase == "Deleted":
        return phase
    if row["origin"] == "uploaded":
        return "completed" if now >= float(row["ends_at"]) else "syncing"
    if phase == "InProgress" and now > float(row["ends_at"]):
        return "Failed" if row["will_fail"] else "Completed"
    if phase == "Stopping" and now >= float(row["stop_ends_at"]):
        return "Stopped"
    return phase


def status_changed_at(row: Row, status: str) -> float:
    """When the last computed transition happened (feeds `updated_at`)."""
    updated = float(row["updated_at"])
    if status in ("Completed", "Failed", "completed"):
        return max(updated, float(row["ends_at"]))
    if status == "Stopped":
        return max(updated, float(row["stop_ends_at"]))
    return updated


def parameters(row: Row) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(row["training_parameters"])
    return loaded


def planned_steps(params: dict[str, Any]) -> list[int]:
    """Every multiple of checkpoint_interval up to total_training_steps, plus the final step."""
    total = int(params["total_training_steps"])
    interval = int(params["checkpoint_interval"])
    steps = list(range(interval, total + 1, interval)) if interval > 0 else []
    if not steps or steps[-1] != total:
        steps.append(total)
    return steps


def checkpoint_steps(row: Row, status: str) -> list[int]:
    """Checkpoints that exist now: expert models only, once Completed, minus deleted ones."""
    if row["training_mode"] != "expert" or status != "Completed":
        return []
    deleted = set(json.loads(row["deleted_checkpoints"]))
    return [step for step in planned_steps(parameters(row)) if step not in deleted]


def active_version(row: Row, status: str) -> str:
    if row["training_mode"] == "expert" and status == "Completed":
        return str(int(parameters(row)["total_training_steps"]))
    return "default"


def checkpoint_created_at(row: Row, step: int) -> float:
    total = int(parameters(row)["total_training_steps"])
    started = float(row["started_at"])
    return started + (float(row["ends_at"]) - started) * step / total
