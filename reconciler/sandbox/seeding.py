"""Test seeding beyond Bria's rules: what a real organisation holds besides tailor's objects.

`seed` makes a whole tree of either generation in one step (a project, a completed dataset with
images, a trained model, and a draft dataset whose image caption is still `pending`), without
the hours of training or the requests it would take. `override` gives any existing object
fields and values tailor does not know: unknown fields, unknown enum values, missing fields
(the views lay them over every answer that shows the object). Both exist so tests can put such
objects in an organisation beside the ones tailor manages.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from reconciler.sandbox import families, imaging, views
from reconciler.sandbox.core import Core
from reconciler.sandbox.datasets import default_prefix
from reconciler.sandbox.projects import Projects
from reconciler.sandbox.store import Row

KINDS = ("projects", "datasets", "images", "models")
GENERATIONS = tuple(sorted(families.DATASET_VERSIONS))
MAX_SEEDED_IMAGES = 50
SEEDED_SCHEMA = json.dumps({"style": "flat vector", "palette": "warm", "subject": "mascot"})


class SeedError(ValueError):
    """The seed or override body is malformed."""


def overrides_of(body: Any, where: str) -> dict[str, Any] | None:
    """`{"set": {...}, "omit": [...]}` checked; None when it changes nothing."""
    if body is None:
        return None
    if not isinstance(body, dict) or set(body) - {"set", "omit"}:
        raise SeedError(f"{where} must be an object with only 'set' and 'omit'")
    fields = body.get("set", {})
    omit = body.get("omit", [])
    if not isinstance(fields, dict):
        raise SeedError(f"{where}.set must be an object of fields")
    if not isinstance(omit, list) or not all(isinstance(key, str) for key in omit):
        raise SeedError(f"{where}.omit must be a list of field names")
    return {"set": fields, "omit": omit} if fields or omit else None


def _count(body: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SeedError(f"{key} must be an integer from {low} to {high}")
    return value


def _flag(body: dict[str, Any], key: str, default: bool) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise SeedError(f"{key} must be a boolean")
    return value


class Seeder:
    def __init__(self, core: Core, projects: Projects) -> None:
        self._core = core
        self._projects = projects

    def override(self, kind: str, object_id: int, body: Any) -> dict[str, Any] | None:
        """Store the overrides of one object; None when it does not exist."""
        if kind not in KINDS:
            raise SeedError(f"kind must be one of {', '.join(KINDS)}")
        overrides = overrides_of(body, "body")
        store = self._core.store
        with store.transaction():
            if self._core.find(kind, object_id) is None:
                return None
            stored = json.dumps(overrides) if overrides else None
            store.update(kind, object_id, {"overrides": stored})
        return {"kind": kind, "id": object_id, **(overrides or {"set": {}, "omit": []})}

    def seed(self, body: dict[str, Any]) -> dict[str, Any]:
        generation = body.get("generation", "fibo")
        if generation not in GENERATIONS:
            raise SeedError(f"generation must be one of {', '.join(GENERATIONS)}")
        fibo = families.is_fibo(generation)
        images = _count(body, "images", 5 if fibo else 1, 1, MAX_SEEDED_IMAGES)
        with_model = _flag(body, "model", True)
        with_pending = _flag(body, "pending", fibo)
        raw = body.get("overrides") or {}
        if not isinstance(raw, dict) or set(raw) - {"project", "dataset", "image", "model"}:
            raise SeedError("overrides must map project, dataset, image or model to overrides")
        extra = {
            kind: json.dumps(checked) if (checked := overrides_of(value, kind)) else None
            for kind, value in raw.items()
        }
        project_id = body.get("project_id")
        if project_id is not None and (
            isinstance(project_id, bool) or not isinstance(project_id, int)
        ):
            raise SeedError("project_id must be an integer")
        store = self._core.store
        with store.transaction():
            project = self._project(project_id, generation, extra.get("project"))
            now = self._core.clock.now()
            completed = self._dataset(project, generation, "completed", now, extra.get("dataset"))
            image_ids = [
                self._image(completed, seed, now, pending=False, extra=extra.get("image"))
                for seed in range(images)
            ]
            dataset_ids = [int(completed["id"])]
            if with_pending:
                draft = self._dataset(project, generation, "draft", now, extra.get("dataset"))
                draft_image = self._image(
                    draft, images, now, pending=True, extra=extra.get("image")
                )
                dataset_ids.append(int(draft["id"]))
                image_ids.append(draft_image)
            model_id = (
                self._model(completed, generation, now, extra.get("model")) if with_model else None
            )
        return {
            "project_id": int(project["id"]),
            "dataset_ids": dataset_ids,
            "image_ids": image_ids,
            "model_id": model_id,
        }

    def _project(self, project_id: int | None, generation: str, extra: str | None) -> Row:
        store = self._core.store
        if project_id is None:
            row = self._projects.insert(
                name=f"Seeded {generation} project",
                description="",
                ip_name=None,
                ip_description=None,
                ip_medium="illustration",
                ip_type="stylized_scene",
            )
            changes: Row = {"training_version": generation, "overrides": extra}
        else:
            row = self._core.project(project_id)
            changes = {"training_version": row.get("training_version") or generation}
            if extra is not None:
                changes["overrides"] = extra
        store.update("projects", int(row["id"]), changes)
        return {**row, **changes}

    def _dataset(
        self, project: Row, generation: str, status: str, now: float, extra: str | None
    ) -> Row:
        fibo = families.is_fibo(generation)
        row: Row = {
            "id": self._core.store.next_id("dataset"),
            "project_id": project["id"],
            "name": f"Seeded {generation} {status} dataset",
            "training_version": generation,
            "caption_prefix": "" if fibo else default_prefix(project),
            "visual_schema": SEEDED_SCHEMA if fibo and status == "completed" else None,
            "status": status,
            "upload_type": "basic",
            "captions_source": None,
            "captioned": 1 if status == "completed" else 0,
            "regen_ends_at": None,
            "created_at": now,
            "updated_at": now,
            "overrides": extra,
        }
        self._core.store.insert("datasets", row)
        return row

    def _image(
        self, dataset: Row, seed: int, now: float, *, pending: bool, extra: str | None
    ) -> int:
        data = imaging.tiny_png(f"seed:{dataset['id']}:{seed}".encode())
        digest = hashlib.sha256(data).hexdigest()
        self._core.files.put(views.image_file(digest), data, content_type="image/png")
        self._core.files.put(views.thumbnail_file(digest), data, content_type="image/png")
        caption, source = (
            ("", "pending") if pending else families.automatic_caption(dataset, digest)
        )
        image_id = self._core.store.next_id("image")
        self._core.store.insert(
            "images",
            {
                "id": image_id,
                "dataset_id": dataset["id"],
                "image_name": f"seeded-{seed}.png",
                "caption": caption,
                "caption_source": source,
                "digest": digest,
                "created_at": now,
                "updated_at": now,
                "overrides": extra,
            },
        )
        return image_id

    def _model(self, dataset: Row, generation: str, now: float, extra: str | None) -> int:
        """A fully automated model whose training ended a second ago: Completed at once."""
        model_id = self._core.store.next_id("model")
        done = now - 1.0
        self._core.store.insert(
            "models",
            {
                "id": model_id,
                "project_id": dataset["project_id"],
                "dataset_id": dataset["id"],
                "name": f"Seeded {generation} model",
                "description": "",
                "origin": "trained",
                "phase": "InProgress",
                "training_mode": "fully_automated",
                "training_version": families.MODEL_VERSION_OF_DATASET[generation],
                "generation_prefix": dataset["caption_prefix"],
                "training_parameters": "{}",
                "started_at": done,
                "ends_at": done,
                "will_fail": 0,
                "stop_ends_at": None,
                "deleted_checkpoints": "[]",
                "created_at": done,
                "updated_at": done,
                "overrides": extra,
            },
        )
        return model_id
