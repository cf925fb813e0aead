"""Rows to the JSON objects Bria returns; the only place response field names are spelled.

Every object view ends with `seeded`: what a test stored in the row's `overrides` (fields
Bria's rules would never produce: unknown fields, unknown enum values, missing fields) is laid
over the answer, as a real organisation holding objects tailor did not make would answer.
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.sandbox import families, lifecycle
from reconciler.sandbox.clock import iso
from reconciler.sandbox.files import FileHost
from reconciler.sandbox.store import Row

View = dict[str, Any]


def image_file(digest: str) -> str:
    return f"_bria/images/{digest}.jpg"


def thumbnail_file(digest: str) -> str:
    return f"_bria/thumbnails/{digest}.jpg"


def seeded(view: View, row: Row) -> View:
    """`view` with the row's overrides applied: `set` fields first, then `omit` ones dropped."""
    raw = row.get("overrides")
    if not raw:
        return view
    overrides: dict[str, Any] = json.loads(raw)
    view.update(overrides.get("set", {}))
    for key in overrides.get("omit", []):
        view.pop(key, None)
    return view


def project(row: Row) -> View:
    return seeded(
        {
            "id": row["id"],
            "project_name": row["project_name"],
            "project_description": row["project_description"],
            "ip_name": row["ip_name"],
            "ip_description": row["ip_description"],
            "ip_medium": row["ip_medium"],
            "ip_type": row["ip_type"],
            "training_version": row.get("training_version"),
            "status": row["status"],
            "created_at": iso(row["created_at"]),
            "updated_at": iso(row["updated_at"]),
        },
        row,
    )


def legacy_text(row: Row, column: str) -> str | None:
    """Prefixes belong to the legacy family; FIBO objects answer null."""
    return None if families.is_fibo(row.get("training_version")) else str(row[column])


def captions_update_status(row: Row) -> str:
    if row["regen_ends_at"] is not None:
        return "in_progress"
    return "completed" if row["captioned"] else "empty"


def dataset(row: Row, images_count: int) -> View:
    return seeded(
        {
            "id": row["id"],
            "project_id": row["project_id"],
            "name": row["name"],
            "training_version": row.get("training_version") or families.DEFAULT_DATASET_VERSION,
            "caption_prefix": legacy_text(row, "caption_prefix"),
            "visual_schema": row.get("visual_schema"),
            "status": row["status"],
            "captions_update_status": captions_update_status(row),
            "upload_type": row["upload_type"],
            "captions_source": row["captions_source"],
            "images_count": images_count,
            "created_at": iso(row["created_at"]),
            "updated_at": iso(row["updated_at"]),
        },
        row,
    )


def image(row: Row, files: FileHost) -> View:
    digest = str(row["digest"])
    return seeded(
        {
            "id": row["id"],
            "dataset_id": row["dataset_id"],
            "caption": None if row["caption_source"] == "pending" else row["caption"],
            "caption_source": row["caption_source"],
            "image_name": row["image_name"],
            "image_url": files.url_for(image_file(digest)),
            "thumbnail_url": files.url_for(thumbnail_file(digest)),
            "created_at": iso(row["created_at"]),
            "updated_at": iso(row["updated_at"]),
        },
        row,
    )


def model(row: Row, now: float, *, include_training_parameters: bool = True) -> View:
    status = lifecycle.model_status(row, now)
    detail = include_training_parameters
    return seeded(
        {
            "id": row["id"],
            "name": row["name"],
            "description": row["description"],
            "status": status,
            "training_mode": row["training_mode"],
            "training_version": row["training_version"],
            "generation_prefix": legacy_text(row, "generation_prefix"),
            "active_model_version": lifecycle.active_version(row, status),
            "training_parameters": lifecycle.parameters(row) if detail else {},
            "checkpoint_steps": (
                [str(step) for step in lifecycle.checkpoint_steps(row, status)] if detail else []
            ),
            "project_id": row["project_id"],
            "dataset_id": row["dataset_id"],
            "created_at": iso(row["created_at"]),
            "updated_at": iso(lifecycle.status_changed_at(row, status)),
        },
        row,
    )


def checkpoint(row: Row, step: int) -> View:
    return {
        "checkpoint_step": step,
        "training_job_id": row["id"],
        "created_at": iso(lifecycle.checkpoint_created_at(row, step)),
    }
