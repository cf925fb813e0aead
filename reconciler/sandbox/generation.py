"""Caption-prefix generation and v1 tailored text-to-image (legacy models), deterministic.

REFERENCE sections 5 and 9; FIBO models generate on v2 (`tailored_v2`)."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any, get_args

from reconciler.sandbox import constraints as c
from reconciler.sandbox import families, imaging, lifecycle, schemas
from reconciler.sandbox.constraints import Constraint
from reconciler.sandbox.core import Core
from reconciler.sandbox.errors import BriaError
from reconciler.sandbox.files import TooLarge, Unreachable
from reconciler.sandbox.images import MAX_IMAGE_BYTES, BadBase64, PayloadTooLarge, decode_base64
from reconciler.sandbox.projects import IP_MEDIA
from reconciler.sandbox.validate import Body, choice, flag, given, optional_text

PREFIX_IP_TYPES = frozenset(get_args(schemas.PrefixIpType))
ASPECT_RATIOS = frozenset({"1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9"})
GUIDANCE_METHODS = frozenset(
    {"controlnet_canny", "controlnet_depth", "controlnet_recoloring", "controlnet_color_grid"}
)


def sample_bytes(core: Core, source: str, *, from_url: bool, rule: Constraint) -> bytes:
    """A sample image's bytes from a URL or base64, checked to be an image Bria reads.

    Unreachable URL: 422; undecodable pixels: 400; anything else `rule`'s first status.
    """
    if from_url:
        try:
            data = core.files.fetch(source, limit=MAX_IMAGE_BYTES)
        except TooLarge:
            raise BriaError(rule, "An image is larger than 12 MB") from None
        except Unreachable:
            raise BriaError(rule, f"Image URL could not be fetched: {source}", status=422) from None
    else:
        try:
            data = decode_base64(source, MAX_IMAGE_BYTES)
        except (BadBase64, PayloadTooLarge):
            raise BriaError(rule, "An image is not valid base64") from None
    try:
        imaging.inspect(data)
    except imaging.ImageRejected as rejected:
        status = 415 if rejected.kind == "format" else 400
        raise BriaError(rule, rejected.message, status=status) from None
    return data


class Generation:
    def __init__(self, core: Core) -> None:
        self._core = core

    def prefix(self, body: Body) -> dict[str, Any]:
        ip_type = choice(body, "ip_type", PREFIX_IP_TYPES, c.PFX_IP_TYPE_SUPPORTED)
        ip_medium = choice(body, "ip_medium", IP_MEDIA, c.BODY_FIELD)
        ip_name = optional_text(body, "ip_name")
        moderate = flag(body, "content_moderation", False)
        if given(body, "images") == given(body, "image_urls"):
            raise BriaError(c.PFX_IMAGES_XOR, "Send exactly one of images or image_urls")
        key = "images" if given(body, "images") else "image_urls"
        sources = body[key]
        if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
            raise BriaError(c.BODY_FIELD, f"{key} must be a list of strings")
        if not 1 <= len(sources) <= 6:
            raise BriaError(c.PFX_IMAGES_1_6, "Send between 1 and 6 images")
        digests = []
        for source in sources:
            data = sample_bytes(
                self._core, source, from_url=key == "image_urls", rule=c.PFX_IMAGE_INVALID
            )
            digest = hashlib.sha256(data).hexdigest()
            if moderate and self._core.faults.is_blocked(digest):
                raise BriaError(c.PFX_MODERATION, "An image was blocked by content moderation")
            digests.append(digest)
        opening = "A photo of" if ip_medium == "photography" else "An illustration of"
        subject = (
            ip_name if ip_type == "defined_character" and ip_name else (ip_type.replace("_", " "))
        )
        seed = "|".join([ip_type, ip_medium, ip_name or "", *sorted(digests)]).encode()
        return {"prefix": f"{opening} {subject}, {imaging.style_word(seed)} style, "}

    def text_to_image(
        self, model_id: int, body: Body, checkpoint_step: int | None = None
    ) -> dict[str, Any]:
        prompt = body.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise BriaError(c.BODY_FIELD, "prompt is required")
        count = body.get("num_results", 1)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 4:
            raise BriaError(c.BODY_FIELD, "num_results must be an integer from 1 to 4")
        choice(body, "aspect_ratio", ASPECT_RATIOS, c.BODY_FIELD, default="1:1")
        for key in ("guidance_method_1", "guidance_method_2"):
            if given(body, key):
                choice(body, key, GUIDANCE_METHODS, c.BODY_FIELD)
        if given(body, "guidance_method_2") and not given(body, "guidance_method_1"):
            raise BriaError(c.GEN_GUIDANCE_ORDER, "guidance_method_2 requires guidance_method_1")
        seed = body.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise BriaError(c.BODY_FIELD, "seed must be an integer")
        row = self._core.model(model_id)
        if families.is_fibo(row["training_version"]):
            raise BriaError(
                c.GEN_FAMILY,
                f"Model {model_id} is a FIBO model; FIBO models generate with "
                "/v2/image/generate/tailored",
            )
        status = lifecycle.model_status(row, self._core.clock.now())
        if status not in lifecycle.READY_STATUSES:
            raise BriaError(c.GEN_MODEL_READY, f"The model is not ready (status {status})")
        if checkpoint_step is not None and checkpoint_step not in lifecycle.checkpoint_steps(
            row, status
        ):
            raise BriaError(c.GEN_CHECKPOINT_EXISTS, "Checkpoint not found")
        prefix = str(row["generation_prefix"])
        full_prompt = (prefix if flag(body, "include_generation_prefix", True) else "") + prompt
        base_seed = (
            seed
            if seed is not None
            else int.from_bytes(hashlib.sha256(full_prompt.encode()).digest()[:3], "big")
        )
        results = []
        for index in range(count):
            recipe = f"{model_id}|{checkpoint_step}|{full_prompt}|{base_seed + index}".encode()
            digest = hashlib.sha256(recipe).hexdigest()
            name = f"_bria/generated/{digest}.png"
            if not self._core.store.has_file(name):
                self._core.files.put(name, imaging.tiny_png(recipe), content_type="image/png")
            results.append(
                {
                    "urls": [self._core.files.url_for(name)],
                    "seed": base_seed + index,
                    "uuid": str(uuid.UUID(digest[:32])),
                }
            )
        return {"result": results}
