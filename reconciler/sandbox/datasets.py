"""Datasets: images with captions that a model trains on (REFERENCE sections 6 and 7.6, 7.9)."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any, get_args

from reconciler.sandbox import constraints as c
from reconciler.sandbox import families, lifecycle, schemas, views
from reconciler.sandbox.core import Core
from reconciler.sandbox.errors import BriaError
from reconciler.sandbox.projects import delete_dataset_rows
from reconciler.sandbox.store import Row
from reconciler.sandbox.validate import (
    Body,
    choice,
    given,
    optional_text,
    required_id,
    required_text,
)

UPLOAD_TYPES = frozenset(get_args(schemas.UploadType))
STATUSES = frozenset(get_args(schemas.DatasetStatus))
MAX_IMAGES_DEFAULT = 200


def default_prefix(project: Row) -> str:
    """`A photo of ` / `An illustration of ` + ip_name or the ip_type in words + `, `."""
    opening = "A photo of " if project["ip_medium"] == "photography" else "An illustration of "
    subject = project["ip_name"] or str(project["ip_type"]).replace("_", " ")
    return f"{opening}{subject}, "


def regeneration_seconds(image_count: int) -> float:
    """About a second per hundred images, at least one."""
    return max(1.0, image_count / 100.0)


class Datasets:
    def __init__(self, core: Core) -> None:
        self._core = core

    def _view(self, row: Row) -> dict[str, Any]:
        return views.dataset(row, self._core.store.count("images", dataset_id=row["id"]))

    def _with_images(self, row: Row, max_images: int) -> dict[str, Any]:
        view = self._view(row)
        images = self._core.store.select("images", limit=max_images, dataset_id=row["id"])
        view["images"] = [views.image(image, self._core.files) for image in images]
        return view

    def _views(self, rows: list[Row]) -> list[dict[str, Any]]:
        store = self._core.store
        with store.transaction():
            settled = [self._core.settle(row) for row in rows]
            counts = store.count_by("images", "dataset_id", [int(r["id"]) for r in settled])
        return [views.dataset(row, counts.get(int(row["id"]), 0)) for row in settled]

    def create(self, body: Body) -> dict[str, Any]:
        project_id = required_id(body, "project_id", c.DS_PROJECT_REQUIRED)
        name = required_text(body, "name", c.DS_NAME_REQUIRED)
        upload_type = choice(
            body, "upload_type", UPLOAD_TYPES, c.DS_UPLOAD_TYPE_ENUM, default="basic"
        )
        version = choice(
            body,
            "training_version",
            families.DATASET_VERSIONS,
            c.DS_VERSION_ENUM,
            default=families.DEFAULT_DATASET_VERSION,
        )
        fibo = families.is_fibo(version)
        store = self._core.store
        with store.transaction():
            project = self._core.project(project_id, c.DS_PROJECT_REQUIRED)
            self._lock_family(project, version)
            now = self._core.clock.now()
            row: Row = {
                "id": store.next_id("dataset"),
                "project_id": project_id,
                "name": name,
                "training_version": version,
                "caption_prefix": "" if fibo else default_prefix(project),
                "visual_schema": None,
                "status": "draft",
                "upload_type": upload_type,
                "captions_source": None,
                "captioned": 0,
                "regen_ends_at": None,
                "created_at": now,
                "updated_at": now,
            }
            store.insert("datasets", row)
        return views.dataset(row, 0)

    def _lock_family(self, project: Row, version: str) -> None:
        """The first dataset locks its project to its family; the other family is refused."""
        locked = project.get("training_version")
        if locked is None:
            self._core.store.update("projects", int(project["id"]), {"training_version": version})
        elif not families.same_family(locked, version):
            raise BriaError(
                c.DS_FAMILY_LOCK,
                f"Project {project['id']} is locked to the {families.family_name(locked)} "
                f"family (training_version {locked}); a {version} dataset needs another project",
            )

    def list_all(self) -> list[dict[str, Any]]:
        return self._views(self._core.store.select("datasets"))

    def list_by_project(
        self, project_id: int, *, include_models: bool = False, include_models_ids: bool = False
    ) -> list[dict[str, Any]]:
        """With `include_models`/`include_models_ids`, each dataset also lists the models (not
        deleted) trained on it: as objects in `models`, as id strings in `model_ids`."""
        store = self._core.store
        with store.transaction():
            self._core.project(project_id)
            listed = self._views(store.select("datasets", project_id=project_id))
            if not (include_models or include_models_ids):
                return listed
            now = self._core.clock.now()
            models = [
                row
                for row in store.select("models", project_id=project_id)
                if lifecycle.model_status(row, now) != "Deleted"
            ]
        for view in listed:
            mine = [row for row in models if row["dataset_id"] == view["id"]]
            if include_models:
                view["models"] = [
                    views.model(row, now, include_training_parameters=False) for row in mine
                ]
            if include_models_ids:
                view["model_ids"] = [str(row["id"]) for row in mine]
        return listed

    def get(self, dataset_id: int, max_images: int = MAX_IMAGES_DEFAULT) -> dict[str, Any]:
        """`max_images` is 1..MAX_IMAGES_DEFAULT: the route's query parameter checks it."""
        with self._core.store.transaction():
            return self._with_images(self._core.dataset(dataset_id), max_images)

    def update(self, dataset_id: int, body: Body) -> dict[str, Any]:
        name = required_text(body, "name", c.DS_NAME_REQUIRED) if "name" in body else None
        prefix = optional_text(body, "caption_prefix")
        schema = body.get("visual_schema")
        status = (
            choice(body, "status", STATUSES, c.DS_STATUS_ENUM) if given(body, "status") else None
        )
        store = self._core.store
        with store.transaction():
            row = self._core.dataset(dataset_id)
            self._check_family_fields(row, body, prefix, schema)
            if row["status"] == "completed":
                if prefix is not None:
                    raise BriaError(
                        c.DS_COMPLETED_PREFIX_LOCKED,
                        "caption_prefix cannot be changed once the dataset is completed",
                    )
                if schema is not None:
                    raise BriaError(
                        c.DS_COMPLETED_SCHEMA_LOCKED,
                        "Cannot update visual_schema for a completed dataset",
                    )
                if status == "draft":
                    raise BriaError(
                        c.DS_COMPLETED_NO_REOPEN,
                        "A completed dataset cannot return to draft; clone it as a draft instead",
                    )
            elif status == "completed":
                if self._busy(row):
                    raise BriaError(
                        c.DS_COMPLETE_WHILE_CAPTIONING,
                        "Cannot complete the dataset while captions are being generated or a "
                        "bulk upload is running",
                    )
                self._check_complete(row, schema)
            changes: Row = {}
            if name is not None:
                changes["name"] = name
            if prefix is not None:
                changes["caption_prefix"] = prefix
            if schema is not None:
                changes["visual_schema"] = schema
            if status is not None:
                changes["status"] = status
            changes["updated_at"] = self._core.clock.now()
            store.update("datasets", dataset_id, changes)
            return self._view({**row, **changes})

    @staticmethod
    def _check_family_fields(row: Row, body: Body, prefix: str | None, schema: object) -> None:
        version = row["training_version"]
        if "training_version" in body and body["training_version"] != version:
            raise BriaError(
                c.DS_VERSION_IMMUTABLE,
                f"training_version cannot be changed (it is {version}); create a new dataset",
            )
        fibo = families.is_fibo(version)
        if prefix is not None and fibo:
            raise BriaError(
                c.DS_FIELD_FAMILY,
                "caption_prefix belongs to legacy datasets; a fibo dataset has a visual_schema",
            )
        if schema is not None and not fibo:
            raise BriaError(
                c.DS_FIELD_FAMILY,
                f"visual_schema belongs to fibo datasets; a {version} dataset has a caption_prefix",
            )
        if schema is not None and not families.is_json_text(schema):
            raise BriaError(c.DS_FIELD_FAMILY, "visual_schema must be a string holding JSON")

    def _check_complete(self, row: Row, new_schema: object) -> None:
        count = self._core.store.count("images", dataset_id=row["id"])
        if not families.is_fibo(row["training_version"]):
            if count < families.LEGACY_MIN_IMAGES:
                raise BriaError(
                    c.DS_COMPLETE_MIN_1_IMAGE, "A dataset needs at least 1 image to be completed"
                )
            return
        if count < families.FIBO_MIN_IMAGES or (new_schema or row["visual_schema"]) is None:
            raise BriaError(
                c.DS_FIBO_COMPLETE,
                f"A fibo dataset needs at least {families.FIBO_MIN_IMAGES} images and a "
                f"visual_schema to be completed (it has {count} images"
                + (")" if row["visual_schema"] or new_schema else " and no visual_schema)"),
            )

    def _busy(self, row: Row) -> bool:
        if row["regen_ends_at"] is not None:
            return True
        job = self._core.store.get("bulk_jobs", int(row["id"]))
        return job is not None and not job["applied"]

    def delete(self, dataset_id: int) -> None:
        with self._core.store.transaction():
            self._core.dataset(dataset_id)
            if self._core.any_training(dataset_id=dataset_id):
                raise BriaError(
                    c.DS_DELETE_IN_TRAINING,
                    "Cannot delete a dataset while a model trained on it is in training",
                )
            self._core.forget_images(delete_dataset_rows(self._core, dataset_id))

    def clone(self, dataset_id: int, body: Body) -> dict[str, Any]:
        store = self._core.store
        with store.transaction():
            source = self._core.dataset(dataset_id)
            name = optional_text(body, "name") or f"Copy of {source['name']}"
            now = self._core.clock.now()
            row: Row = {
                **source,
                "id": store.next_id("dataset"),
                "name": name,
                "status": "draft",
                "regen_ends_at": None,
                "created_at": now,
                "updated_at": now,
                "overrides": None,
            }
            store.insert("datasets", row)
            images = store.select("images", dataset_id=dataset_id)
            ids = store.reserve_ids("image", len(images)) if images else []
            store.insert_many(
                "images",
                [
                    {
                        **image,
                        "id": new_id,
                        "dataset_id": row["id"],
                        "created_at": now,
                        "updated_at": now,
                        "overrides": None,
                    }
                    for new_id, image in zip(ids, images, strict=True)
                ],
            )
            return self._with_images(row, MAX_IMAGES_DEFAULT)

    def regenerate_captions(self, dataset_id: int) -> dict[str, Any]:
        store = self._core.store
        with store.transaction():
            row = self._core.dataset(dataset_id)
            if row["status"] == "completed":
                raise BriaError(
                    c.DS_REGEN_COMPLETED, "Captions of a completed dataset cannot be regenerated"
                )
            if row["regen_ends_at"] is not None:
                raise BriaError(c.DS_REGEN_RUNNING, "A caption regeneration is already in progress")
            count = store.count("images", dataset_id=dataset_id)
            if count == 0:
                return views.dataset(row, 0)
            now = self._core.clock.now()
            changes: Row = {"regen_ends_at": now + regeneration_seconds(count), "updated_at": now}
            store.update("datasets", dataset_id, changes)
            return views.dataset({**row, **changes}, count)

    def download(self, dataset_id: int) -> dict[str, Any]:
        store = self._core.store
        files = self._core.files
        with store.transaction():
            row = self._core.dataset(dataset_id)
            if row["upload_type"] != "advanced":
                raise BriaError(
                    c.DS_DOWNLOAD_ADVANCED_ONLY, "Only advanced datasets can be downloaded"
                )
            images = store.select("images", dataset_id=dataset_id)
        # The archive (up to 5,000 images) is built without holding the store: each file read
        # takes it briefly, so other requests go on meanwhile.
        archive = io.BytesIO()
        captions: dict[str, str] = {}
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as bundle:
            for image in images:
                stored = files.get(views.image_file(str(image["digest"])))
                stem = f"{image['id']}_{str(image['image_name']).rsplit('.', 1)[0]}"
                bundle.writestr(f"{stem}.jpg", stored.data if stored else b"")
                bundle.writestr(f"{stem}.txt", str(image["caption"]))
                captions[f"{stem}.jpg"] = str(image["caption"])
        zip_name = f"_bria/downloads/dataset-{dataset_id}.zip"
        files.put(zip_name, archive.getvalue(), content_type="application/zip")
        result: dict[str, Any] = {
            "download_url": files.url_for(zip_name),
            "caption_prefix": views.legacy_text(row, "caption_prefix"),
        }
        if images and all(image["caption_source"] == "automatic" for image in images):
            captions_name = f"_bria/downloads/dataset-{dataset_id}-captions.json"
            files.put(
                captions_name,
                json.dumps(captions, indent=2).encode(),
                content_type="application/json",
            )
            result["captions_url"] = files.url_for(captions_name)
        return result
