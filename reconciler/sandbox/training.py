"""Start Training's expert parameters: who may send them, their ranges, their defaults."""

from __future__ import annotations

from typing import Any

from reconciler.sandbox import constraints as c
from reconciler.sandbox.errors import BriaError
from reconciler.sandbox.validate import Body

EXPERT_KEYS = (
    "rank",
    "checkpoint_interval",
    "lr_scheduler",
    "learning_rate",
    "learning_rate_scheduler",
    "total_training_steps",
    "max_train_steps",
    "lr_warmup_steps",
)
SCHEDULERS = (
    "linear",
    "cosine",
    "cosine_with_restarts",
    "polynomial",
    "constant",
    "constant_with_warmup",
)
DEFAULTS: dict[str, Any] = {
    "rank": 128,
    "learning_rate": 0.0001,
    "lr_scheduler": "constant",
    "total_training_steps": 1500,
    "checkpoint_interval": 500,
    "lr_warmup_steps": 100,
}
"""The legacy family's defaults (docs.bria.ai start-training)."""
FIBO_DEFAULTS: dict[str, Any] = {
    **DEFAULTS,
    "lr_scheduler": "constant_with_warmup",
    "total_training_steps": 750,
}
"""FIBO's, which are also the only ones Bria's published OpenAPI document lists."""


def _error(field: str, value: Any, message: str) -> dict[str, str]:
    return {"msg": message, "field_name": field, "field_input": str(value)}


def _integer(
    body: Body, field: str, low: int, high: int | None, errors: list[dict[str, str]]
) -> int | None:
    if field not in body or body[field] is None:
        return None
    value = body[field]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(_error(field, value, "Input should be a valid integer"))
        return None
    if value < low:
        errors.append(_error(field, value, f"Input should be greater than or equal to {low}"))
        return None
    if high is not None and value > high:
        errors.append(_error(field, value, f"Input should be less than or equal to {high}"))
        return None
    return value


def effective_parameters(training_mode: str, body: Body, *, fibo: bool = False) -> dict[str, Any]:
    """The parameters the training will use, with its family's defaults; `{}` when automated."""
    defaults = FIBO_DEFAULTS if fibo else DEFAULTS
    sent = [key for key in EXPERT_KEYS if key in body]
    if training_mode != "expert":
        if sent:
            raise BriaError(
                c.TRAIN_EXPERT_PARAMS_ONLY,
                "Advanced training parameters are only supported when training_mode is set to "
                "'expert'.",
            )
        return {}
    errors: list[dict[str, str]] = []
    rank = _integer(body, "rank", 4, 256, errors)
    steps = _integer(body, "total_training_steps", 1, 5000, errors)
    alias_steps = _integer(body, "max_train_steps", 1, 5000, errors)
    interval = _integer(body, "checkpoint_interval", 100, None, errors)
    warmup = _integer(body, "lr_warmup_steps", 0, 1000, errors)
    learning_rate: float | None = None
    if body.get("learning_rate") is not None:
        value = body["learning_rate"]
        if isinstance(value, bool) or not isinstance(value, int | float):
            errors.append(_error("learning_rate", value, "Input should be a valid number"))
        elif not 0.000001 <= float(value) <= 0.001:
            errors.append(
                _error("learning_rate", value, "Input should be between 0.000001 and 0.001")
            )
        else:
            learning_rate = float(value)
    scheduler: str | None = None
    for field in ("lr_scheduler", "learning_rate_scheduler"):
        value = body.get(field)
        if value is None:
            continue
        if not isinstance(value, str) or value not in SCHEDULERS:
            errors.append(_error(field, value, "Input should be one of: " + ", ".join(SCHEDULERS)))
        elif scheduler is None:
            scheduler = value
    if errors:
        raise BriaError(c.TRAIN_RANGE, "Validation error", errors=errors)
    total = steps if steps is not None else alias_steps
    total = total if total is not None else defaults["total_training_steps"]
    if interval is not None and interval > total:
        raise BriaError(
            c.TRAIN_CHECKPOINT_LE_STEPS,
            f"checkpoint_interval ({interval}) must not exceed total_training_steps ({total})",
        )
    scheduler = scheduler or defaults["lr_scheduler"]
    return {
        "learning_rate": learning_rate if learning_rate is not None else defaults["learning_rate"],
        "lr_scheduler": scheduler,
        "rank": rank if rank is not None else defaults["rank"],
        "total_training_steps": total,
        "checkpoint_interval": interval
        if interval is not None
        else min(defaults["checkpoint_interval"], total),
        "lr_warmup_steps": (warmup if warmup is not None else defaults["lr_warmup_steps"])
        if scheduler == "constant_with_warmup"
        else None,
    }
