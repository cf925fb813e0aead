"""Images of basic datasets: upload, caption, delete (REFERENCE sections 3 and 7.1-7.5)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from reconciler.sandbox import constraints as c
from reconciler.sandbox import families, imaging, views
from reconciler.sandbox.core import Core
from reconciler.sandbox.errors import BriaError
from reconciler.sandbox.files import TooLarge, Unreachable, name_from_url
from reconciler.sandbox.store import Row
from reconciler.sandbox.validate import Body, flag, given, optional_text

MAX_IMAGE_BYTES = 12 * 1024 * 1024
MAX_BASIC_IMAGES = 200


class PayloadTooLarge(Exception):
    """Decoded base64 payload over the caller's limit."""


class BadBase64(Exception):
    """The string is not base64."""


def decode_base64(text: str, limit: int) -> bytes:
    """Base64 image bytes; a `data:...;base64,` prefix is tolerated."""
    if text.startswith("data:") and "," in text:
        text = text.split(",", 1)[1]
    if len(text) * 3 // 4 > limit + 3:
        raise PayloadTooLarge
    try:
        data = base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError) as error:
        raise BadBase64 from error
    if len(data) > limit:
        raise PayloadTooLarge
    return data


class Images:
    def __init__(self, core: Core) -> None:
        self._core = core

    def _image(self, dataset_id: int, image_id: int) -> tuple[Row, Row]:
        dataset = self._core.dataset(dataset_id)
        image = self._core.find("images", image_id)
        if image is None or image["dataset_id"] != dataset_id:
            raise BriaError(c.NOT_FOUND, "Image or dataset not found", status=404)
        return dataset, image

    def _check_accepts_upload(self, dataset: Row) -> None:
        if dataset["upload_type"] != "basic":
            raise BriaError(
                c.IMG_BASIC_ONLY,
                "Single image upload is only for basic datasets; use bulk-upload for advanced",
            )
        if dataset["status"] == "completed":
            raise BriaError(c.DS_COMPLETED_NO_UPLOAD, "Cannot upload images to a completed dataset")
        if self._core.store.count("images", dataset_id=dataset["id"]) >= MAX_BASIC_IMAGES:
            raise BriaError(
                c.IMG_MAX_200, f"A basic dataset holds at most {MAX_BASIC_IMAGES} images"
            )

    def upload(self, dataset_id: int, body: Body) -> dict[str, Any]:
        with self._core.store.transaction():
            self._check_accepts_upload(self._core.dataset(dataset_id))
        has_file, has_url = given(body, "file"), given(body, "image_url")
        if has_file == has_url:
            raise BriaError(c.IMG_FILE_XOR_URL, "Send exactly one of file or image_url")
        image_name = optional_text(body, "image_name")
        increase_resolution = flag(body, "increase_resolution", True)
        moderate = flag(body, "content_moderation", False)
        data = self._payload(body)
        if has_url and not image_name:
            image_name = name_from_url(str(body["image_url"])) or None
        try:
            processed = imaging.process(data, min_side=256 if increase_resolution else 1024)
        except imaging.ImageRejected as rejected:
            if rejected.kind == "too_small":
                rule = c.IMG_MIN_256 if increase_resolution else c.IMG_MIN_1024_STRICT
                raise BriaError(rule, rejected.message) from rejected
            raise BriaError(c.IMG_FORMAT, rejected.message) from rejected
        if moderate and self._core.faults.is_blocked(hashlib.sha256(data).hexdigest()):
            raise BriaError(c.IMG_MODERATION, "The image was blocked by content moderation")
        return self._insert(dataset_id, processed, image_name)

    def _payload(self, body: Body) -> bytes:
        if given(body, "file"):
            text = body["file"]
            if not isinstance(text, str):
                raise BriaError(c.BODY_FIELD, "file must be a base64 string")
            try:
                return decode_base64(text, MAX_IMAGE_BYTES)
            except PayloadTooLarge as error:
                raise BriaError(c.IMG_SIZE_12MB, "The image is larger than 12 MB") from error
            except BadBase64 as error:
                raise BriaError(c.BODY_FIELD, "file is not valid base64") from error
        url = body["image_url"]
        if not isinstance(url, str):
            raise BriaError(c.BODY_FIELD, "image_url must be a string")
        try:
            return self._core.files.fetch(url, limit=MAX_IMAGE_BYTES)
        except TooLarge as error:
            raise BriaError(c.IMG_SIZE_12MB, "The image is larger than 12 MB") from error
        except Unreachable as error:
            raise BriaError(
                c.IMG_URL_UNREACHABLE, f"image_url could not be fetched: {url}"
            ) from error

    def _insert(
        self, dataset_id: int, processed: imaging.ProcessedImage, image_name: str | None
    ) -> dict[str, Any]:
        store = self._core.store
        with store.transaction():
            dataset = self._core.dataset(dataset_id)
            self._check_accepts_upload(dataset)
            self._core.keep_image(processed)
            now = self._core.clock.now()
            image_id = store.next_id("image")
            caption, source = families.automatic_caption(dataset, processed.digest)
            row: Row = {
                "id": image_id,
                "dataset_id": dataset_id,
                "image_name": image_name or f"image_{image_id}.png",
                "caption": caption,
                "caption_source": source,
                "digest": processed.digest,
                "created_at": now,
                "updated_at": now,
            }
            store.insert("images", row)
            store.update("datasets", dataset_id, {"captioned": 1, "updated_at": now})
        return views.image(row, self._core.files)

    def list_all(self, dataset_id: int) -> list[dict[str, Any]]:
        store = self._core.store
        with store.transaction():
            self._core.dataset(dataset_id)
            rows = store.select("images", dataset_id=dataset_id)
        return [views.image(row, self._core.files) for row in rows]

    def get(self, dataset_id: int, image_id: int) -> dict[str, Any]:
        with self._core.store.transaction():
            _, image = self._image(dataset_id, image_id)
        return views.image(image, self._core.files)

    def update_caption(self, dataset_id: int, image_id: int, body: Body) -> dict[str, Any]:
        store = self._core.store
        with store.transaction():
            dataset, image = self._image(dataset_id, image_id)
            if dataset["status"] == "completed":
                raise BriaError(
                    c.IMG_CAPTION_COMPLETED_DATASET,
                    "Captions cannot be edited in a completed dataset",
                )
            has_caption = given(body, "caption")
            exactly_one = (
                not given(body, "regenerate_caption")
                if has_caption
                else body.get("regenerate_caption") is True
            )
            if not exactly_one:
                raise BriaError(
                    c.IMG_CAPTION_XOR_REGENERATE,
                    "Send exactly one of caption or regenerate_caption: true",
                )
            if has_caption:
                caption = body["caption"]
                if not isinstance(caption, str):
                    raise BriaError(c.BODY_FIELD, "caption must be a string")
                if not caption.strip():
                    raise BriaError(c.IMG_CAPTION_NONEMPTY, "caption must not be empty")
                if families.is_fibo(dataset["training_version"]) and not families.is_json_text(
                    caption
                ):
                    raise BriaError(
                        c.IMG_CAPTION_JSON,
                        "A caption in a fibo dataset must be a string holding a JSON object",
                    )
                changes: Row = {"caption": caption, "caption_source": "manual"}
            else:
                caption, source = families.automatic_caption(dataset, str(image["digest"]))
                changes = {"caption": caption, "caption_source": source}
            now = self._core.clock.now()
            changes["updated_at"] = now
            store.update("images", image_id, changes)
            store.update("datasets", dataset_id, {"captioned": 1, "updated_at": now})
        return views.image({**image, **changes}, self._core.files)

    def delete(self, dataset_id: int, image_id: int) -> None:
        store = self._core.store
        with store.transaction():
            dataset, image = self._image(dataset_id, image_id)
            if dataset["status"] == "completed":
                raise BriaError(
                    c.IMG_DELETE_COMPLETED_DATASET,
                    "Images cannot be deleted from a completed dataset",
                )
            store.delete("images", id=image_id)
            store.update("datasets", dataset_id, {"updated_at": self._core.clock.now()})
            self._core.forget_images({str(image["digest"])})
