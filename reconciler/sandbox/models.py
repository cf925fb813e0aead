"""Models: creation, training on the simulated clock, checkpoints, upload, download (section 8)."""

from __future__ import annotations

import hashlib
import json
from typing import Any, get_args

from reconciler.sandbox import constraints as c
from reconciler.sandbox import families, lifecycle, schemas, views
from reconciler.sandbox.core import Core
from reconciler.sandbox.errors import BriaError
from reconciler.sandbox.files import TooLarge, Unreachable, name_from_url
from reconciler.sandbox.projects import IP_MEDIA, Projects
from reconciler.sandbox.store import Row
from reconciler.sandbox.training import effective_parameters
from reconciler.sandbox.validate import (
    Body,
    choice,
    given,
    optional_text,
    required_id,
    required_text,
)

MODES = frozenset(get_args(schemas.TrainingMode))
VERSIONS = frozenset(get_args(schemas.TrainingVersion))
UPLOAD_IP_TYPES = frozenset(get_args(schemas.IpType))
BASE_MODELS = {
    "light": "BRIA-2.3",
    "bria-2.3": "BRIA-2.3",
    "max": "BRIA-3.2",
    "bria-3.2": "BRIA-3.2",
    "fibo": "BRIA-FIBO",
}
UPLOAD_VERSIONS = frozenset({"bria-2.3", "bria-3.2"})
"""Upload Model's training_version (docs.bria.ai upload-model); FIBO uploads go through Bria's
support, not this operation."""
MAX_MODEL_BYTES = 3 * 1024**3
UPDATABLE = frozenset({"name", "description"})


class Models:
    def __init__(self, core: Core, projects: Projects) -> None:
        self._core = core
        self._projects = projects

    def _view(
        self, row: Row, *, include_training_parameters: bool = True, now: float | None = None
    ) -> dict[str, Any]:
        return views.model(
            row,
            self._core.clock.now() if now is None else now,
            include_training_parameters=include_training_parameters,
        )

    def create(self, body: Body) -> dict[str, Any]:
        name = required_text(body, "name", c.MODEL_NAME_REQUIRED)
        dataset_id = required_id(body, "dataset_id", c.MODEL_DATASET_REQUIRED)
        mode = self._mode(body, fibo=False) if given(body, "training_mode") else None
        version = self._version(body, fibo=False) if given(body, "training_version") else None
        description = optional_text(body, "description") or ""
        store = self._core.store
        with store.transaction():
            dataset = self._core.dataset(dataset_id, c.MODEL_DATASET_REQUIRED)
            fibo = families.is_fibo(dataset["training_version"])
            mode = mode or self._mode(body, fibo=fibo)
            version = version or self._version(body, fibo=fibo)
            if not families.same_family(version, dataset["training_version"]):
                raise BriaError(
                    c.MODEL_VERSION_FAMILY,
                    f"A {version} model needs a dataset of the "
                    f"{families.family_name(version)} family; dataset {dataset_id} is "
                    f"{dataset['training_version']}",
                )
            now = self._core.clock.now()
            row = self._new_row(
                project_id=int(dataset["project_id"]),
                dataset_id=dataset_id,
                name=name,
                description=description,
                origin="trained",
                phase="Created",
                mode=mode,
                version=version,
                now=now,
            )
            store.insert("models", row)
        return self._view(row)

    @staticmethod
    def _mode(body: Body, *, fibo: bool) -> str:
        """Required for a legacy model (the seed's rule); FIBO defaults to fully_automated."""
        default = "fully_automated" if fibo else None
        return choice(body, "training_mode", MODES, c.MODEL_MODE_ENUM, default=default)

    @staticmethod
    def _version(body: Body, *, fibo: bool) -> str:
        """Required for a legacy model; a model on a FIBO dataset may leave it out."""
        default = families.FIBO if fibo else None
        return choice(body, "training_version", VERSIONS, c.MODEL_VERSION_ENUM, default=default)

    def _new_row(
        self,
        *,
        project_id: int,
        dataset_id: int | None,
        name: str,
        description: str,
        origin: str,
        phase: str,
        mode: str | None,
        version: str | None,
        now: float,
        ends_at: float | None = None,
    ) -> Row:
        return {
            "id": self._core.store.next_id("model"),
            "project_id": project_id,
            "dataset_id": dataset_id,
            "name": name,
            "description": description,
            "origin": origin,
            "phase": phase,
            "training_mode": mode,
            "training_version": version,
            "generation_prefix": "",
            "training_parameters": "{}",
            "started_at": None,
            "ends_at": ends_at,
            "will_fail": 0,
            "stop_ends_at": None,
            "deleted_checkpoints": "[]",
            "created_at": now,
            "updated_at": now,
        }

    def _list(self, rows: list[Row], include_training_parameters: bool) -> list[dict[str, Any]]:
        """Views of the models not deleted, all at one moment."""
        now = self._core.clock.now()
        return [
            self._view(row, include_training_parameters=include_training_parameters, now=now)
            for row in rows
            if row["phase"] != "Deleted"
        ]

    def list_all(self, include_training_parameters: bool = False) -> list[dict[str, Any]]:
        return self._list(self._core.store.select("models"), include_training_parameters)

    def list_by_project(
        self, project_id: int, include_training_parameters: bool = False
    ) -> list[dict[str, Any]]:
        self._core.project(project_id)
        rows = self._core.store.select("models", project_id=project_id)
        return self._list(rows, include_training_parameters)

    def get(self, model_id: int) -> dict[str, Any]:
        return self._view(self._core.model(model_id))

    def update(self, model_id: int, body: Body) -> dict[str, Any]:
        store = self._core.store
        with store.transaction():
            row = self._core.model(model_id)
            if row["phase"] == "Deleted":
                raise BriaError(c.MODEL_DELETED_IMMUTABLE, "A deleted model cannot be updated")
            others = sorted(set(body) - UPDATABLE)
            if others:
                raise BriaError(
                    c.MODEL_UPDATE_NAME_DESC_ONLY,
                    f"Only name and description can be updated; not {', '.join(others)}",
                )
            changes: Row = {}
            if "name" in body:
                changes["name"] = required_text(body, "name", c.MODEL_NAME_REQUIRED)
            if "description" in body:
                changes["description"] = optional_text(body, "description") or ""
            changes["updated_at"] = self._core.clock.now()
            store.update("models", model_id, changes)
            return self._view({**row, **changes})

    def delete(self, model_id: int) -> None:
        store = self._core.store
        with store.transaction():
            row = self._core.model(model_id)
            status = lifecycle.model_status(row, self._core.clock.now())
            if status in lifecycle.TRAINING_STATUSES:
                raise BriaError(
                    c.MODEL_DELETE_TRAINING, "Cannot delete model while it is in training"
                )
            if status != "Deleted":
                store.update(
                    "models",
                    model_id,
                    {
                        "phase": "Deleted",
                        "updated_at": max(
                            self._core.clock.now(), lifecycle.status_changed_at(row, status)
                        ),
                    },
                )

    def start_training(self, model_id: int, body: Body) -> dict[str, Any]:
        store = self._core.store
        with store.transaction():
            row = self._core.model(model_id)
            now = self._core.clock.now()
            status = lifecycle.model_status(row, now)
            if status == "Deleted" or row["origin"] == "uploaded":
                raise BriaError(c.TRAIN_DELETED, "Deleted or uploaded models cannot be trained")
            if status != "Created":
                raise BriaError(
                    c.TRAIN_ALREADY_STARTED, "Training already started/cannot be resumed"
                )
            params = effective_parameters(
                str(row["training_mode"]),
                body,
                fibo=families.is_fibo(row["training_version"]),
            )
            dataset = self._core.dataset(int(row["dataset_id"]))
            if dataset["status"] != "completed":
                raise BriaError(
                    c.TRAIN_DATASET_COMPLETED,
                    "The dataset must be completed before training can begin",
                )
            changes: Row = {
                "phase": "InProgress",
                "generation_prefix": dataset["caption_prefix"],
                "training_parameters": json.dumps(params),
                "started_at": now,
                "ends_at": now + self._core.training_seconds,
                "will_fail": 1 if self._core.faults.training_fails(model_id) else 0,
                "updated_at": now,
            }
            store.update("models", model_id, changes)
            return self._view({**row, **changes}, now=now)

    def stop_training(self, model_id: int) -> dict[str, Any]:
        store = self._core.store
        with store.transaction():
            row = self._core.model(model_id)
            now = self._core.clock.now()
            if lifecycle.model_status(row, now) != "InProgress":
                raise BriaError(c.STOP_NOT_TRAINING, "Training already stopped/not in training")
            changes: Row = {
                "phase": "Stopping",
                "stop_ends_at": now + lifecycle.STOP_SECONDS,
                "updated_at": now,
            }
            store.update("models", model_id, changes)
            return self._view({**row, **changes})

    def finish_stopping(self, now: float) -> None:
        """A clock advance completes every pending stop at once."""
        store = self._core.store
        with store.transaction():
            for row in store.select("models", phase="Stopping"):
                if float(row["stop_ends_at"]) > now:
                    store.update("models", int(row["id"]), {"stop_ends_at": now})

    def _checkpointed(self, model_id: int) -> tuple[Row, list[int]]:
        row = self._core.model(model_id)
        status = lifecycle.model_status(row, self._core.clock.now())
        if row["training_mode"] != "expert":
            raise BriaError(c.CKPT_EXPERT_ONLY, "Checkpoints exist only for expert models")
        if status != "Completed":
            raise BriaError(c.CKPT_MODEL_COMPLETED, "The model status is not completed")
        return row, lifecycle.checkpoint_steps(row, status)

    def checkpoints(self, model_id: int) -> dict[str, Any]:
        row, steps = self._checkpointed(model_id)
        return {
            "checkpoints": [views.checkpoint(row, step) for step in steps],
            "active_model_version": lifecycle.active_version(row, "Completed"),
        }

    def checkpoint(self, model_id: int, step: int) -> dict[str, Any]:
        row, steps = self._checkpointed(model_id)
        if step not in steps:
            raise BriaError(c.NOT_FOUND, "Checkpoint not found", status=404)
        return views.checkpoint(row, step)

    def delete_checkpoint(self, model_id: int, step: int) -> None:
        store = self._core.store
        with store.transaction():
            row, steps = self._checkpointed(model_id)
            if step not in steps:
                raise BriaError(c.NOT_FOUND, "Checkpoint not found", status=404)
            if str(step) == lifecycle.active_version(row, "Completed"):
                raise BriaError(
                    c.CKPT_DELETE_ACTIVE,
                    "Cannot delete checkpoint currently selected for inference",
                )
            deleted = [*json.loads(row["deleted_checkpoints"]), step]
            store.update("models", model_id, {"deleted_checkpoints": json.dumps(deleted)})

    def upload(self, body: Body) -> dict[str, Any]:
        if not given(body, "model_url") or not isinstance(body["model_url"], str):
            raise BriaError(c.BODY_FIELD, "model_url is required and must be a string")
        url = str(body["model_url"])
        file_name = name_from_url(url)
        if not file_name.lower().endswith(".safetensors"):
            raise BriaError(c.UPLOAD_SAFETENSORS, "Only .safetensors model files are accepted")
        version = choice(body, "training_version", UPLOAD_VERSIONS, c.UPLOAD_VERSION)
        prefix = optional_text(body, "caption_prefix") or ""
        name = optional_text(body, "model_name") or file_name.rsplit(".", 1)[0]
        project_id, new_project = self._upload_project(body)
        try:
            self._core.files.fetch(url, limit=MAX_MODEL_BYTES, keep_bytes=False)
        except TooLarge as error:
            raise BriaError(c.UPLOAD_MAX_3GB, "The model file is larger than 3 GB") from error
        except Unreachable as error:
            raise BriaError(
                c.UPLOAD_URL_UNREACHABLE, f"model_url could not be fetched: {url}"
            ) from error
        store = self._core.store
        with store.transaction():
            if new_project is not None:
                project_id = int(self._projects.insert(**new_project)["id"])
            else:
                locked = self._core.project(project_id, c.UPLOAD_PROJECT).get("training_version")
                if families.is_fibo(locked):
                    raise BriaError(
                        c.MODEL_VERSION_FAMILY,
                        f"Project {project_id} is locked to fibo; a {version} model belongs to "
                        "a legacy project",
                    )
            now = self._core.clock.now()
            row = self._new_row(
                project_id=project_id,
                dataset_id=None,
                name=name,
                description="",
                origin="uploaded",
                phase="syncing",
                mode=None,
                version=version,
                now=now,
                ends_at=now + lifecycle.SYNC_SECONDS,
            )
            row["generation_prefix"] = prefix
            store.insert("models", row)
        return self._view(row)

    def _upload_project(self, body: Body) -> tuple[int, dict[str, Any] | None]:
        if given(body, "project_id"):
            project_id = required_id(body, "project_id", c.UPLOAD_PROJECT)
            self._core.project(project_id, c.UPLOAD_PROJECT)
            return project_id, None
        params = body.get("project_parameters")
        if not isinstance(params, dict):
            raise BriaError(c.UPLOAD_PROJECT, "Send project_id or project_parameters")
        return 0, {
            "name": required_text(params, "project_name", c.UPLOAD_PROJECT),
            "description": optional_text(params, "project_description", c.UPLOAD_PROJECT) or "",
            "ip_name": None,
            "ip_description": None,
            "ip_medium": choice(params, "ip_medium", IP_MEDIA, c.UPLOAD_PROJECT),
            "ip_type": choice(
                params, "ip_type", UPLOAD_IP_TYPES, c.UPLOAD_PROJECT, default="other"
            ),
        }

    def download(self, model_id: int) -> dict[str, Any]:
        row = self._core.model(model_id)
        status = lifecycle.model_status(row, self._core.clock.now())
        if status not in lifecycle.READY_STATUSES:
            raise BriaError(c.MODEL_DOWNLOAD_COMPLETED, "Only completed models can be downloaded")
        name = f"_bria/models/model-{model_id}.safetensors"
        files = self._core.files
        if not self._core.store.has_file(name):
            weights = hashlib.sha256(f"model:{model_id}".encode()).digest() * 8
            files.put(name, weights, content_type="application/octet-stream")
        version = row["training_version"]
        base = BASE_MODELS.get(str(version), "BRIA-3.2")
        return {
            "download_url": files.url_for(name),
            "base_model_name": base,
            "base_model_card": f"https://huggingface.co/briaai/{base}",
            "generation_prefix": views.legacy_text(row, "generation_prefix"),
        }
