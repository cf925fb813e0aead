"""Advanced datasets: one ZIP upload, processed on the simulated clock (REFERENCE 7.7, 7.8).

The ZIP is fetched and every image judged when the request arrives (so the outcome is fixed and
survives a restart); the accepted images join the dataset when the job's time is up, and the
status report reveals the outcomes in order as simulated time passes.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

from reconciler.sandbox import constraints as c
from reconciler.sandbox import imaging
from reconciler.sandbox.core import Core
from reconciler.sandbox.errors import BriaError
from reconciler.sandbox.files import TooLarge, Unreachable
from reconciler.sandbox.store import Row
from reconciler.sandbox.validate import Body, flag, given

MAX_ZIP_BYTES = 5 * 1024**3
MAX_BULK_IMAGES = 5000


def bulk_seconds(entries: int) -> float:
    return max(1.0, entries / 100.0)


def _is_ignored(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return name.endswith("/") or name.startswith("__MACOSX/") or base.startswith(".") or not base


def _stem(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name.rsplit("/", 1)[-1] else name


class BulkUploads:
    def __init__(self, core: Core) -> None:
        self._core = core

    def start(self, dataset_id: int, body: Body) -> dict[str, Any]:
        with self._core.store.transaction():
            self._check_accepts(self._core.dataset(dataset_id))
        if not given(body, "zip_url"):
            raise BriaError(c.BULK_ZIP_URL_REQUIRED, "zip_url is required")
        url = body["zip_url"]
        if not isinstance(url, str):
            raise BriaError(c.BULK_ZIP_URL_REQUIRED, "zip_url must be a string")
        automatic = flag(body, "automatic_captioning", True)
        moderate = flag(body, "content_moderation", False)
        try:
            archive = self._core.files.fetch(url, limit=MAX_ZIP_BYTES)
        except TooLarge as error:
            raise BriaError(c.BULK_ZIP_5GB, "The ZIP file is larger than 5 GB") from error
        except Unreachable as error:
            raise BriaError(
                c.BULK_ZIP_URL_REQUIRED, f"zip_url could not be fetched: {url}"
            ) from error
        items = self._judge(archive, automatic=automatic, moderate=moderate)
        store = self._core.store
        with store.transaction():
            self._check_accepts(self._core.dataset(dataset_id))
            now = self._core.clock.now()
            entries = len(items) if items is not None else 0
            job: Row = {
                "id": dataset_id,
                "zip_ok": 1 if items is not None else 0,
                "automatic_captioning": 1 if automatic else 0,
                "total": entries,
                "started_at": now,
                "ends_at": now + bulk_seconds(entries),
                "applied": 0,
            }
            store.insert("bulk_jobs", job)
            ids = store.reserve_ids("bulk_item", entries) if entries else []
            store.insert_many(
                "bulk_items",
                [
                    {"id": item_id, "dataset_id": dataset_id, "ordinal": ordinal, **item}
                    for ordinal, (item_id, item) in enumerate(zip(ids, items or [], strict=True))
                ],
            )
            store.update(
                "datasets",
                dataset_id,
                {"captions_source": "automatic" if automatic else "manual", "updated_at": now},
            )
            return self._report(job, now)

    def _check_accepts(self, dataset: Row) -> None:
        store = self._core.store
        if dataset["upload_type"] != "advanced":
            raise BriaError(c.BULK_ADVANCED_ONLY, "Bulk upload is only for advanced datasets")
        if dataset["status"] == "completed":
            raise BriaError(c.BULK_COMPLETED_DATASET, "Cannot upload images to a completed dataset")
        job = store.get("bulk_jobs", int(dataset["id"]))
        if job is not None and not job["applied"]:
            raise BriaError(c.BULK_IN_PROGRESS, "A bulk upload is already in progress")
        if job is not None:
            raise BriaError(
                c.BULK_ONCE_ONLY, "A dataset accepts only one bulk upload; create a new dataset"
            )
        if store.count("images", dataset_id=dataset["id"]) > 0:
            raise BriaError(c.BULK_DATASET_NOT_EMPTY, "Bulk upload needs an empty dataset")

    def _judge(self, data: bytes, *, automatic: bool, moderate: bool) -> list[Row] | None:
        """One outcome per image entry, in ZIP order; None when the ZIP cannot be read."""
        try:
            bundle = zipfile.ZipFile(io.BytesIO(data))
            names = [info.filename for info in bundle.infolist() if not _is_ignored(info.filename)]
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        captions = {_stem(n): n for n in names if n.lower().endswith(".txt")}
        seen: dict[str, imaging.ProcessedImage | imaging.ImageRejected] = {}
        items: list[Row] = []
        accepted = 0
        for name in (n for n in names if not n.lower().endswith(".txt")):
            item: Row = {
                "filename": name,
                "error_code": None,
                "error_message": None,
                "digest": None,
                "caption": None,
            }
            items.append(item)
            if accepted >= MAX_BULK_IMAGES:
                item["error_code"] = 413
                item["error_message"] = f"Only the first {MAX_BULK_IMAGES} images are accepted"
                continue
            try:
                raw = bundle.read(name)
            except (zipfile.BadZipFile, OSError, ValueError):
                item["error_code"], item["error_message"] = 400, "The entry could not be read"
                continue
            key = hashlib.sha256(raw).hexdigest()
            if moderate and self._core.faults.is_blocked(key):
                item["error_code"] = 422
                item["error_message"] = "The image was blocked by content moderation"
                continue
            if not automatic:
                caption_name = captions.get(_stem(name))
                if caption_name is None:
                    item["error_code"] = 400
                    item["error_message"] = f"Missing caption file {_stem(name)}.txt"
                    continue
                item["caption"] = bundle.read(caption_name).decode("utf-8", "replace").strip()
            outcome = seen.get(key)
            if outcome is None:
                try:
                    outcome = imaging.process(raw, min_side=imaging.SIDE)
                except imaging.ImageRejected as rejected:
                    outcome = rejected
                seen[key] = outcome
            if isinstance(outcome, imaging.ImageRejected):
                item["error_code"] = 412 if outcome.kind == "too_small" else 415
                item["error_message"] = (
                    "Image must be at least 1024x1024"
                    if outcome.kind == "too_small"
                    else outcome.message
                )
                continue
            self._core.keep_image(outcome)
            item["digest"] = outcome.digest
            accepted += 1
        return items

    def status(self, dataset_id: int) -> dict[str, Any]:
        store = self._core.store
        with store.transaction():
            self._core.dataset(dataset_id)
            job = store.get("bulk_jobs", dataset_id)
            if job is None:
                raise BriaError(
                    c.BULK_STATUS_NONE, "No bulk upload was started on this dataset", status=404
                )
            return self._report(job, self._core.clock.now())

    def _report(self, job: Row, now: float) -> dict[str, Any]:
        started, ends = float(job["started_at"]), float(job["ends_at"])
        total = int(job["total"])
        if job["applied"] or now >= ends:
            state, fraction = ("completed" if job["zip_ok"] else "failed"), 1.0
        elif now <= started:
            state, fraction = "pending", 0.0
        else:
            state, fraction = "processing", (now - started) / (ends - started)
        processed = int(total * fraction)
        failed = self._core.store.failed_bulk_items(int(job["id"]), processed)
        return {
            "status": state,
            "progress_percentage": int(100 * fraction),
            "total_processed": processed,
            "done": processed - len(failed),
            "failed": len(failed),
            "failed_images": [
                {
                    "filename": item["filename"],
                    "error_code": item["error_code"],
                    "error_message": item["error_message"],
                }
                for item in failed
            ],
        }
