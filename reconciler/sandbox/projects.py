"""Projects: the IP a set of datasets and models belongs to (REFERENCE section 4)."""

from __future__ import annotations

from typing import Any, get_args

from reconciler.sandbox import constraints as c
from reconciler.sandbox import schemas, views
from reconciler.sandbox.core import Core
from reconciler.sandbox.errors import BriaError
from reconciler.sandbox.store import Row
from reconciler.sandbox.validate import Body, choice, optional_text, required_text

IP_TYPES = frozenset(get_args(schemas.IpType))
"""Create Project's enum, `other` included ("For IP types that don't fit into any of the
types", Bria's published document); tailor's manifests offer the six named ones."""
IP_MEDIA = frozenset(get_args(schemas.IpMedium))
ILLUSTRATION_ONLY = frozenset(
    {"object_variants", "multi_object_set", "icons", "character_variants"}
)
NEEDS_NAME = frozenset({"defined_character"})
NEEDS_DESCRIPTION = frozenset({"defined_character", "object_variants"})


def check_ip_fields(ip_type: str, ip_name: str | None, ip_description: str | None) -> None:
    if ip_type in NEEDS_NAME and not (ip_name and ip_name.strip()):
        raise BriaError(c.PRJ_IP_NAME_REQUIRED, f"ip_name is required for ip_type {ip_type}")
    if ip_type in NEEDS_DESCRIPTION and not (ip_description and ip_description.strip()):
        raise BriaError(c.PRJ_IP_DESC_REQUIRED, f"ip_description is required for ip_type {ip_type}")


class Projects:
    def __init__(self, core: Core) -> None:
        self._core = core

    def create(self, body: Body) -> dict[str, Any]:
        name = required_text(body, "project_name", c.PRJ_NAME_REQUIRED)
        ip_type = choice(body, "ip_type", IP_TYPES, c.PRJ_IP_TYPE_ENUM)
        ip_medium = choice(body, "ip_medium", IP_MEDIA, c.PRJ_IP_MEDIUM_ENUM)
        if ip_type in ILLUSTRATION_ONLY and ip_medium != "illustration":
            raise BriaError(
                c.PRJ_MEDIUM_ILLUSTRATION_ONLY,
                f"ip_type {ip_type} is only available with ip_medium illustration",
            )
        ip_name = optional_text(body, "ip_name")
        ip_description = optional_text(body, "ip_description")
        check_ip_fields(ip_type, ip_name, ip_description)
        row = self.insert(
            name=name,
            description=optional_text(body, "project_description") or "",
            ip_name=ip_name,
            ip_description=ip_description,
            ip_medium=ip_medium,
            ip_type=ip_type,
        )
        return views.project(row)

    def insert(
        self,
        *,
        name: str,
        description: str,
        ip_name: str | None,
        ip_description: str | None,
        ip_medium: str,
        ip_type: str,
    ) -> Row:
        store = self._core.store
        now = self._core.clock.now()
        with store.transaction():
            row: Row = {
                "id": store.next_id("project"),
                "project_name": name,
                "project_description": description,
                "ip_name": ip_name,
                "ip_description": ip_description,
                "ip_medium": ip_medium,
                "ip_type": ip_type,
                "status": "active",
                "created_at": now,
                "updated_at": now,
            }
            store.insert("projects", row)
        return row

    def list_all(self) -> list[dict[str, Any]]:
        return [views.project(row) for row in self._core.store.select("projects")]

    def get(self, project_id: int) -> dict[str, Any]:
        return views.project(self._core.project(project_id))

    def update(self, project_id: int, body: Body) -> dict[str, Any]:
        immutable = [key for key in ("ip_type", "ip_medium") if key in body]
        if immutable:
            raise BriaError(
                c.PRJ_UPDATE_IMMUTABLE,
                f"{' and '.join(immutable)} cannot be changed; create a new project instead",
            )
        store = self._core.store
        with store.transaction():
            row = self._core.project(project_id)
            changes: Row = {}
            if "project_name" in body:
                changes["project_name"] = required_text(body, "project_name", c.PRJ_NAME_REQUIRED)
            if "project_description" in body:
                changes["project_description"] = optional_text(body, "project_description") or ""
            for key in ("ip_name", "ip_description"):
                if key in body:
                    changes[key] = optional_text(body, key)
            merged = {**row, **changes}
            check_ip_fields(str(merged["ip_type"]), merged["ip_name"], merged["ip_description"])
            changes["updated_at"] = self._core.clock.now()
            store.update("projects", project_id, changes)
            merged.update(changes)
        return views.project(merged)

    def delete(self, project_id: int) -> None:
        store = self._core.store
        with store.transaction():
            self._core.project(project_id)
            if self._core.any_training(project_id=project_id):
                raise BriaError(
                    c.PRJ_DELETE_TRAINING,
                    "Cannot delete project while models are in training; stop them first",
                )
            digests: set[str] = set()
            for dataset in store.select("datasets", project_id=project_id):
                digests |= delete_dataset_rows(self._core, int(dataset["id"]))
            store.delete("models", project_id=project_id)
            store.delete("projects", id=project_id)
            self._core.forget_images(digests)


def delete_dataset_rows(core: Core, dataset_id: int) -> set[str]:
    """Delete a dataset with its images and bulk job; returns the image digests it used."""
    store = core.store
    digests = {str(row["digest"]) for row in store.select("images", dataset_id=dataset_id)}
    digests |= {
        str(row["digest"])
        for row in store.select("bulk_items", dataset_id=dataset_id)
        if row["digest"] is not None
    }
    store.delete("images", dataset_id=dataset_id)
    store.delete("bulk_items", dataset_id=dataset_id)
    store.delete("bulk_jobs", id=dataset_id)
    store.delete("datasets", id=dataset_id)
    return digests
