"""What every area of the backend shares: the store, the clock, the file host, the faults.

Loading a dataset here also settles its simulated jobs (caption regeneration, bulk upload)
whose time has come, so every reader sees the same state whatever it asks first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.sandbox import families, imaging, lifecycle, views
from reconciler.sandbox.clock import Clock
from reconciler.sandbox.constraints import NOT_FOUND, Constraint
from reconciler.sandbox.errors import BriaError
from reconciler.sandbox.faults import FaultInjector
from reconciler.sandbox.files import FileHost
from reconciler.sandbox.store import Row, Store


@dataclass
class Core:
    store: Store
    clock: Clock
    files: FileHost
    faults: FaultInjector
    training_seconds: float

    def find(self, table: str, key: int) -> Row | None:
        """The row with this id; ids outside SQLite's integer range cannot exist (nor reach it)."""
        return self.store.get(table, key) if 0 < key < 2**63 else None

    def project(self, project_id: int, constraint: Constraint = NOT_FOUND) -> Row:
        row = self.find("projects", project_id)
        if row is None:
            raise BriaError(constraint, f"Project {project_id} not found", status=404)
        return row

    def model(self, model_id: int) -> Row:
        row = self.find("models", model_id)
        if row is None:
            raise BriaError(NOT_FOUND, "Model not found", status=404)
        return row

    def dataset(self, dataset_id: int, constraint: Constraint = NOT_FOUND) -> Row:
        """The dataset with its due jobs settled; 404 if it does not exist."""
        with self.store.transaction():
            row = self.find("datasets", dataset_id)
            if row is None:
                raise BriaError(constraint, f"Dataset {dataset_id} not found", status=404)
            return self.settle(row)

    def any_training(self, **where: Any) -> bool:
        """Whether a model matching `column=value` is training (or stopping) right now."""
        now = self.clock.now()
        models = self.store.select("models", **where)
        return any(lifecycle.model_status(m, now) in lifecycle.TRAINING_STATUSES for m in models)

    def settle(self, row: Row) -> Row:
        now = self.clock.now()
        changed = False
        if row["regen_ends_at"] is not None and now >= float(row["regen_ends_at"]):
            self._finish_regeneration(row)
            changed = True
        if row["upload_type"] == "advanced":
            job = self.store.get("bulk_jobs", int(row["id"]))
            if job is not None and not job["applied"] and now >= float(job["ends_at"]):
                self._finish_bulk(row, job)
                changed = True
        if changed:
            fresh = self.store.get("datasets", int(row["id"]))
            assert fresh is not None
            return fresh
        return row

    def _finish_regeneration(self, row: Row) -> None:
        ends_at = float(row["regen_ends_at"])
        updates: list[tuple[int, dict[str, Any]]] = []
        for image in self.store.select("images", dataset_id=row["id"]):
            caption, source = families.automatic_caption(row, str(image["digest"]))
            updates.append(
                (
                    int(image["id"]),
                    {"caption": caption, "caption_source": source, "updated_at": ends_at},
                )
            )
        self.store.update_many("images", updates)
        self.store.update(
            "datasets",
            int(row["id"]),
            {"regen_ends_at": None, "captioned": 1, "updated_at": ends_at},
        )

    def _finish_bulk(self, row: Row, job: Row) -> None:
        dataset_id = int(row["id"])
        ends_at = float(job["ends_at"])
        accepted = (
            [
                item
                for item in self.store.select("bulk_items", dataset_id=dataset_id)
                if item["error_code"] is None
            ]
            if job["zip_ok"]
            else []
        )
        ids = self.store.reserve_ids("image", len(accepted)) if accepted else []
        automatic = bool(job["automatic_captioning"])
        self.store.insert_many(
            "images",
            [
                {
                    "id": image_id,
                    "dataset_id": dataset_id,
                    "image_name": item["filename"].rsplit("/", 1)[-1],
                    **self._bulk_caption(row, item, automatic),
                    "digest": item["digest"],
                    "created_at": ends_at,
                    "updated_at": ends_at,
                }
                for image_id, item in zip(ids, accepted, strict=True)
            ],
        )
        self.store.update("bulk_jobs", dataset_id, {"applied": 1})
        changes: dict[str, object] = {"updated_at": ends_at}
        if accepted:
            changes["captioned"] = 1
        self.store.update("datasets", dataset_id, changes)

    @staticmethod
    def _bulk_caption(dataset: Row, item: Row, automatic: bool) -> dict[str, Any]:
        """A legacy upload without automatic captioning keeps the ZIP's .txt caption."""
        if automatic or families.is_fibo(dataset.get("training_version")):
            caption, source = families.automatic_caption(dataset, str(item["digest"]))
            return {"caption": caption, "caption_source": source}
        return {"caption": item["caption"], "caption_source": "manual"}

    def keep_image(self, processed: imaging.ProcessedImage) -> None:
        """Store a preprocessed image and its thumbnail, unless these bytes are stored already."""
        image = views.image_file(processed.digest)
        if self.store.has_file(image):
            return
        self.files.put(image, processed.data, content_type="image/jpeg")
        self.files.put(
            views.thumbnail_file(processed.digest), processed.thumbnail, content_type="image/jpeg"
        )

    def forget_images(self, digests: set[str]) -> None:
        """Remove stored image files no image (or pending bulk item) refers to any more."""
        unused = [digest for digest in digests if not self.store.digest_in_use(digest)]
        self.store.delete_files(
            [views.image_file(d) for d in unused] + [views.thumbnail_file(d) for d in unused]
        )
